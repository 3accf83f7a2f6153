// The tagging screen: one task at a time, the next one already fetched, answers sent through
// the outbox so that a bad connection costs nothing.

import { type GoldFeedback, type NextTask, type Receipt, type Task, request } from '../lib/api';
import { fill, h } from '../lib/dom';
import { errorText } from '../lib/errors';
import { className, t, tn } from '../lib/i18n';
import type { App } from './app';
import { MarkEditor } from './marks';
import { RejectedAnswer } from './outbox';
import { CLASS_COLOURS, Tagger } from './tagger';

const WIDE = '(min-width: 900px)';
const REASONS = ['unclear', 'cloud', 'blur', 'no_image', 'other'];
/** Minutes of tagging after which a break is suggested; `?break=N` changes it. */
const BREAK_MINUTES = Number(new URLSearchParams(location.search).get('break')) || 45;
const ARROW_STEP = 8;

interface Current {
  task: Task;
  editor: MarkEditor;
  tagger: Tagger;
  shownAt: number;
}

export interface TaskScreenOptions {
  /** Hand out a practice (gold) task, and report its receipt instead of moving on. */
  practice?: boolean;
  container?: HTMLElement;
  onPracticeAnswered?: (receipt: Receipt | null) => void;
}

let firstPaintMarked = false;

export class TaskScreen {
  private readonly root: HTMLElement;
  private current: Current | null = null;
  private prefetched: NextTask | null = null;
  private prefetching = false;
  private destroyed = false;
  private currentClass: string | null = null;
  private readonly media = window.matchMedia(WIDE);
  private readonly onKey = (e: KeyboardEvent) => this.key(e);
  private readonly onMedia = () => this.relayout();
  private sessionStart = Number(sessionStorage.getItem('tessera.tagging_since')) || Date.now();
  private readonly practice: boolean;

  constructor(
    private readonly app: App,
    private readonly slug: string,
    practiceOrOptions: boolean | TaskScreenOptions,
  ) {
    const opts: TaskScreenOptions =
      typeof practiceOrOptions === 'boolean' ? { practice: practiceOrOptions } : practiceOrOptions;
    this.practice = opts.practice ?? false;
    this.options = opts;
    this.root = h('section', { class: 'task-screen', 'aria-label': t('task.after') });
    fill(opts.container ?? app.main, this.root);
    sessionStorage.setItem('tessera.tagging_since', String(this.sessionStart));
    document.addEventListener('keydown', this.onKey);
    this.media.addEventListener('change', this.onMedia);
    this.unsubscribe = app.outbox.onState((s) => {
      if (this.destroyed) return;
      if (s.offline && s.pending > 0) {
        app.announce(tn('status.offline', s.pending));
      } else if (s.pending > 0) {
        app.announce(t('status.saving'));
      } else {
        app.announce(t('status.saved'));
        this.prefetch();
      }
    });
    void this.start();
  }

  private readonly options: TaskScreenOptions;
  private readonly unsubscribe: () => void;

  destroy(): void {
    this.destroyed = true;
    this.unsubscribe();
    document.removeEventListener('keydown', this.onKey);
    this.media.removeEventListener('change', this.onMedia);
    this.current?.tagger.destroy();
    this.current = null;
  }

  private async start(): Promise<void> {
    this.loading();
    const boot = window.__tesseraBoot;
    window.__tesseraBoot = undefined;
    let first: NextTask | null = null;
    if (boot && boot.slug === this.slug && !this.practice) first = await boot.next;
    if (!first || !this.usable(first)) first = await this.fetchNext();
    if (first) this.show(first);
  }

  /** A task we can show: not one answered from this page (on its way or delivered). */
  private usable(n: NextTask): boolean {
    if (!n.task) return true;
    return !this.app.outbox.answeredTaskIds.has(n.task.id) && n.task.id !== this.current?.task.id;
  }

  private async fetchNext(): Promise<NextTask | null> {
    for (let attempt = 0; !this.destroyed; attempt++) {
      try {
        const path = `/campaigns/${encodeURIComponent(this.slug)}/next${this.practice ? '?practice=true' : ''}`;
        const next = await request<NextTask>('POST', path, undefined, this.app.session.token);
        if (this.usable(next)) return next;
      } catch (err) {
        if ((err as { status?: number }).status !== 0) {
          this.message(errorText(err));
          return null;
        }
        this.app.announce(t('error.network'));
      }
      await sleep(Math.min(15000, 1000 * 2 ** attempt));
    }
    return null;
  }

  /** Fetches the task after this one while the volunteer works, once earlier answers are in. */
  private prefetch(): void {
    if (this.practice || this.prefetching || this.prefetched || !this.current) return;
    if (this.app.outbox.state.pending > 0) return;
    this.prefetching = true;
    const path = `/campaigns/${encodeURIComponent(this.slug)}/next`;
    request<NextTask>('POST', path, undefined, this.app.session.token)
      .then((next) => {
        if (this.destroyed || !next.task || !this.usable(next)) return;
        this.prefetched = next;
        for (const url of [next.task.tile_url, next.task.before_tile_url]) {
          if (url) new Image().src = url;
        }
      })
      .catch(() => {
        /* the next task is fetched again when it is needed */
      })
      .finally(() => {
        this.prefetching = false;
      });
  }

  private async advance(): Promise<void> {
    this.current?.tagger.destroy();
    this.current = null;
    if (this.suggestBreak()) return;
    const ready = this.prefetched;
    this.prefetched = null;
    if (ready) {
      this.show(ready);
      return;
    }
    this.loading();
    const next = await this.fetchNext();
    if (next) this.show(next);
  }

  private loading(): void {
    fill(this.root, h('p', { class: 'loading', role: 'status' }, t('task.loading')));
  }

  private message(text: string, retry = true): void {
    fill(
      this.root,
      h(
        'div',
        { class: 'card done' },
        h('p', {}, text),
        h(
          'div',
          { class: 'actions' },
          retry ? h('button', { type: 'button', class: 'primary', onclick: () => void this.advance() }, t('none.retry')) : null,
          h('a', { class: 'button', href: '#/' }, t('none.back')),
        ),
      ),
    );
  }

  private show(next: NextTask): void {
    if (this.destroyed) return;
    if (!next.task) {
      const key = `none.${next.reason ?? 'seen_all'}`;
      const text = t(key);
      if (this.practice) {
        this.options.onPracticeAnswered?.(null);
        return;
      }
      this.message(text === key ? (next.message ?? '') : text, next.reason === 'all_leased');
      return;
    }
    const task = next.task;
    const editor = new MarkEditor(task.width, task.height);
    this.currentClass ??= task.damage_classes[0] ?? 'destroyed';
    if (!task.damage_classes.includes(this.currentClass)) this.currentClass = task.damage_classes[0];
    const tagger = new Tagger(editor, {
      afterUrl: task.tile_url ?? '',
      beforeUrl: task.before_tile_url,
      classes: task.damage_classes,
      currentClass: () => this.currentClass ?? task.damage_classes[0],
      sideBySide: this.media.matches,
      labels: { after: t('task.after'), before: t('task.before'), map: t('task.map_label') },
      onImageError: () => {
        this.app.announce(t('task.image_error'));
        this.prefetch();
      },
      onFirstPaint: () => {
        if (!firstPaintMarked) {
          firstPaintMarked = true;
          performance.mark('tessera:first-task');
        }
        this.root.dataset.painted = String(task.id);
        // Only now fetch the next task, so it does not compete with this one's image.
        this.prefetch();
      },
    });
    this.current = { task, editor, tagger, shownAt: performance.now() };
    this.root.dataset.task = String(task.id);
    this.layout();
    editor.onChange(() => this.renderTools());
  }

  private relayout(): void {
    const cur = this.current;
    if (!cur) return;
    cur.tagger.destroy();
    const tagger = new Tagger(cur.editor, {
      afterUrl: cur.task.tile_url ?? '',
      beforeUrl: cur.task.before_tile_url,
      classes: cur.task.damage_classes,
      currentClass: () => this.currentClass ?? cur.task.damage_classes[0],
      sideBySide: this.media.matches,
      labels: { after: t('task.after'), before: t('task.before'), map: t('task.map_label') },
      onImageError: () => this.app.announce(t('task.image_error')),
      onFirstPaint: () => {},
    });
    cur.tagger = tagger;
    this.layout();
  }

  private tools!: HTMLElement;
  private toggleButton: HTMLButtonElement | null = null;

  private layout(): void {
    const cur = this.current;
    if (!cur) return;
    this.tools = h('aside', { class: 'tools' });
    this.toggleButton = cur.tagger.hasToggle
      ? h(
          'button',
          {
            type: 'button',
            class: 'toggle',
            'aria-pressed': 'false',
            onclick: () => this.toggleBefore(),
          },
          t('task.show_before'),
        )
      : null;
    const head = h(
      'div',
      { class: 'task-head' },
      this.practice ? h('span', { class: 'badge' }, t('task.practice_badge')) : null,
      this.toggleButton,
      h('button', { type: 'button', class: 'icon', 'aria-label': t('task.zoom_in'), onclick: () => cur.tagger.zoom(1) }, '+'),
      h('button', { type: 'button', class: 'icon', 'aria-label': t('task.zoom_out'), onclick: () => cur.tagger.zoom(-1) }, '−'),
      h('button', { type: 'button', class: 'icon', 'aria-label': t('nav.help'), onclick: () => this.app.help() }, '?'),
    );
    fill(this.root, head, h('div', { class: 'task-body' }, h('div', { class: 'stage' }, cur.tagger.root), this.tools));
    cur.tagger.mount();
    this.renderTools();
    cur.tagger.focus();
  }

  private toggleBefore(): void {
    const cur = this.current;
    if (!cur || !this.toggleButton) return;
    const on = cur.tagger.toggleBefore();
    this.toggleButton.setAttribute('aria-pressed', String(on));
    this.toggleButton.textContent = on ? t('task.show_after') : t('task.show_before');
  }

  private renderTools(): void {
    const cur = this.current;
    if (!cur) return;
    const { editor, task } = cur;
    const selected = editor.selected;
    const verdict = editor.verdict;
    const activeClass = selected?.cls ?? this.currentClass;
    const classButtons = task.damage_classes.map((cls, i) =>
      h(
        'button',
        {
          type: 'button',
          class: 'class-button',
          'aria-pressed': String(cls === activeClass),
          'aria-keyshortcuts': i < 9 ? String(i + 1) : undefined,
          style: `--swatch: ${CLASS_COLOURS[i % CLASS_COLOURS.length]}`,
          onclick: () => this.chooseClass(cls),
        },
        h('kbd', {}, i < 9 ? String(i + 1) : ''),
        ' ',
        className(cls),
      ),
    );
    const reason = h(
      'select',
      {
        'aria-label': t('task.reason'),
        onchange: (e: Event) => editor.setReason((e.target as HTMLSelectElement).value),
      },
      REASONS.map((r) => h('option', { value: r, selected: editor.cantTellReason === r }, t(`task.reason.${r}`))),
    );
    const marks = editor.all.map((m, i) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'mark-item',
            'aria-pressed': String(selected?.id === m.id),
            onclick: () => editor.select(selected?.id === m.id ? null : m.id),
          },
          t('task.mark_label', { n: i + 1, class: className(m.cls) }),
        ),
      ),
    );
    fill(
      this.tools,
      h('div', { role: 'group', 'aria-label': t('task.classes'), class: 'classes' }, h('h2', {}, t('task.classes')), classButtons),
      h(
        'div',
        { class: 'verdicts' },
        h(
          'button',
          { type: 'button', 'aria-pressed': String(verdict === 'nothing_here'), 'aria-keyshortcuts': 'N', onclick: () => editor.toggleNothingHere() },
          t('task.nothing'),
        ),
        h(
          'button',
          { type: 'button', 'aria-pressed': String(verdict === 'cant_tell'), 'aria-keyshortcuts': 'C', onclick: () => editor.toggleCantTell() },
          t('task.cant_tell'),
        ),
        verdict === 'cant_tell' ? reason : null,
      ),
      h('p', { class: 'mark-count' }, tn('task.marks', editor.all.length)),
      marks.length > 0 ? h('ol', { class: 'mark-list' }, marks) : null,
      h(
        'div',
        { class: 'edit' },
        h('button', { type: 'button', disabled: !editor.canUndo, 'aria-keyshortcuts': 'Z', onclick: () => editor.undo() }, t('task.undo')),
        h(
          'button',
          { type: 'button', disabled: !selected, 'aria-keyshortcuts': 'Delete', onclick: () => selected && editor.remove(selected.id) },
          t('task.delete'),
        ),
      ),
      h(
        'button',
        { type: 'button', class: 'primary submit', disabled: !editor.canSubmit, 'aria-keyshortcuts': 'Enter', onclick: () => this.submit() },
        t('task.submit'),
      ),
    );
  }

  private chooseClass(cls: string): void {
    this.currentClass = cls;
    const sel = this.current?.editor.selected;
    if (sel) this.current?.editor.setClass(sel.id, cls);
    else this.renderTools();
  }

  private submit(): void {
    const cur = this.current;
    if (!cur) return;
    const body = cur.editor.toAnswer(performance.now() - cur.shownAt);
    if (!body) {
      this.app.announce(t('task.decide_first'));
      return;
    }
    const pending = this.app.outbox.submit(cur.task.id, body);
    this.app.announce(t('status.saving'));
    if (this.practice) {
      cur.tagger.destroy();
      this.current = null;
      this.loading();
      pending
        .then((r) => this.options.onPracticeAnswered?.(r as Receipt))
        .catch((err) => this.message(errorText(err), false));
      return;
    }
    pending
      .then((r) => {
        const receipt = r as Receipt;
        this.app.answers += 1;
        if (this.app.answers % 10 === 0) void this.app.refreshStats(this.slug);
        else this.bumpCount();
        if (receipt.feedback) showFeedback(receipt.feedback);
      })
      .catch((err) => {
        if (err instanceof RejectedAnswer) this.app.announce(t('status.rejected', { message: err.message }));
      });
    void this.advance();
  }

  private bumpCount(): void {
    const el = this.app.stats.querySelector('.count');
    if (el) el.textContent = t('stats.answers', { n: this.app.answers });
  }

  /** After a long stretch, offers a break instead of the next tile; true when it did. */
  private suggestBreak(): boolean {
    const elapsed = (Date.now() - this.sessionStart) / 60000;
    if (this.practice || elapsed < BREAK_MINUTES) return false;
    const minutes = Math.round(elapsed);
    const restart = () => {
      this.sessionStart = Date.now();
      sessionStorage.setItem('tessera.tagging_since', String(this.sessionStart));
    };
    fill(
      this.root,
      h(
        'div',
        { class: 'card break', role: 'dialog', 'aria-labelledby': 'break-title' },
        h('h2', { id: 'break-title' }, t('break.title')),
        h('p', {}, t('break.body', { minutes })),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              onclick: () => {
                restart();
                fill(
                  this.root,
                  h(
                    'div',
                    { class: 'card break' },
                    h('p', {}, t('break.paused')),
                    h('button', { type: 'button', class: 'primary', onclick: () => { restart(); void this.advance(); } }, t('break.resume')),
                  ),
                );
              },
            },
            t('break.take'),
          ),
          h('button', { type: 'button', onclick: () => { restart(); void this.advance(); } }, t('break.continue')),
        ),
      ),
    );
    return true;
  }

  private key(e: KeyboardEvent): void {
    const cur = this.current;
    if (!cur || this.destroyed) return;
    const target = e.target as HTMLElement | null;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    if (document.querySelector('dialog[open]')) return;
    const onButton = target?.tagName === 'BUTTON' || target?.tagName === 'A';
    const { editor, tagger } = cur;
    const k = e.key;
    let handled = true;
    if (/^[1-9]$/.test(k) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const cls = cur.task.damage_classes[Number(k) - 1];
      if (cls) this.chooseClass(cls);
    } else if ((k === 'z' || k === 'Z') && !e.altKey) {
      editor.undo();
    } else if (e.ctrlKey || e.metaKey || e.altKey) {
      handled = false;
    } else if (k === 'n' || k === 'N') {
      editor.toggleNothingHere();
    } else if (k === 'c' || k === 'C') {
      editor.toggleCantTell();
    } else if (k === 'Enter' && !onButton) {
      this.submit();
    } else if (k === '?') {
      this.app.help();
    } else if (k === 'b' || k === 'B') {
      this.toggleBefore();
    } else if (k === '+' || k === '=') {
      tagger.zoom(1);
    } else if (k === '-' || k === '_') {
      tagger.zoom(-1);
    } else if (k.startsWith('Arrow')) {
      const step = e.shiftKey ? ARROW_STEP * 4 : ARROW_STEP;
      const dx = k === 'ArrowLeft' ? -step : k === 'ArrowRight' ? step : 0;
      const dy = k === 'ArrowUp' ? -step : k === 'ArrowDown' ? step : 0;
      // The image is never mirrored, so in right-to-left pages too the arrows keep their direction.
      tagger.moveCursor(dx, dy);
    } else if (k === ' ' && !onButton) {
      tagger.markAtCursor();
    } else if ((k === 'Delete' || k === 'Backspace') && editor.selected) {
      editor.remove(editor.selected.id);
    } else {
      handled = false;
    }
    if (handled) e.preventDefault();
  }
}

/** What the volunteer got right on a practice tile, in their language. */
export function feedbackText(f: GoldFeedback): string {
  if (f.known === 0) return f.extra === 0 ? t('feedback.nothing_ok') : t('feedback.nothing_extra', { extra: f.extra });
  const found = t('feedback.found', { found: f.found, known: f.known });
  return f.extra > 0 ? `${found} ${t('feedback.extra', { extra: f.extra })}` : found;
}

function showFeedback(f: GoldFeedback): void {
  const dialog = h(
    'dialog',
    { class: 'feedback', 'aria-labelledby': 'feedback-title' },
    h('h2', { id: 'feedback-title' }, t('feedback.title')),
    h('p', {}, feedbackText(f)),
    h('form', { method: 'dialog' }, h('button', { class: 'primary' }, t('feedback.continue'))),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
