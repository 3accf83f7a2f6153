// The panel of one site: its imagery from every frame that covers it, the votes behind it, how
// the consensus run made it, its review history, and the analyst's actions on it.

import { fill, h } from '../lib/dom';
import { className, t } from '../lib/i18n';
import { blobUrl } from './net';
import { percent } from './sitelist';
import type { ReviewAction, SiteDetail, SiteRow } from './types';

export interface ReviewBody {
  action: ReviewAction;
  comment: string;
  class?: string;
  into?: string;
}

export interface Nearby {
  row: SiteRow;
  metres: number;
}

export interface PanelOptions {
  classes: string[];
  token: string;
  close: () => void;
  /** Sends a review; resolves once the site is redrawn, rejects with words for the error. */
  review: (body: ReviewBody) => Promise<void>;
  /** The analyst wants to merge: the screen now takes a click on the map as the target. */
  startMerge: (on: boolean) => void;
  nearby: (site: SiteDetail) => Nearby[];
  /** How far `nearby` looks, in metres. */
  nearbyMetres: number;
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);

/**
 * Whether a frame shows the place before or after the damage: from the site's dates when it
 * has them, else the earliest of two or more frames is "before" and the latest "after".
 */
function phase(captured: string | null, site: SiteDetail, index: number, count: number): 'before' | 'after' | null {
  if (!captured) return null;
  if (site.damaged_after || site.damaged_before) {
    if (site.damaged_after && captured <= site.damaged_after) return 'before';
    if (site.damaged_before && captured >= site.damaged_before) return 'after';
    return null;
  }
  if (count < 2) return null;
  return index === 0 ? 'before' : index === count - 1 ? 'after' : null;
}

/** Words for a history entry's action; an action this page does not know shows as it is. */
function actionName(action: string): string {
  const key = `analyst.action.${action}`;
  const text = t(key);
  return text === key ? action : text;
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export class SitePanel {
  readonly el: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly body: HTMLElement;
  private urls: string[] = [];
  private abort: AbortController | null = null;
  site: SiteDetail | null = null;
  private error: HTMLElement | null = null;
  private merging = false;

  constructor(private readonly opts: PanelOptions) {
    this.heading = h('h2', { id: 'site-title', tabindex: -1 });
    this.body = h('div', { class: 'panel-body' });
    this.el = h(
      'aside',
      { class: 'panel', id: 'site-panel', 'aria-labelledby': 'site-title', hidden: true },
      h('div', { class: 'panel-head' }, this.heading, h('button', { type: 'button', class: 'close', onclick: () => opts.close() }, t('analyst.site.close'))),
      this.body,
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  loading(row: SiteRow): void {
    this.release();
    this.site = null;
    delete this.el.dataset.site;
    this.el.hidden = false;
    this.heading.textContent = t('analyst.site.title', { class: className(row.class) });
    fill(this.body, h('p', { class: 'loading', role: 'status' }, t('analyst.site.loading')));
  }

  /** Shows words for a failed load in place of the site. */
  failed(text: string): void {
    fill(this.body, h('p', { class: 'error', role: 'alert' }, text));
  }

  hide(): void {
    this.release();
    this.site = null;
    this.merging = false;
    this.el.hidden = true;
  }

  focus(): void {
    this.heading.focus();
  }

  /** Announces a review's outcome or error next to the actions. */
  say(text: string, isError: boolean): void {
    if (!this.error) return;
    this.error.textContent = text;
    this.error.classList.toggle('bad', isError);
  }

  get mergeMode(): boolean {
    return this.merging;
  }

  show(site: SiteDetail): void {
    this.release();
    this.site = site;
    this.merging = false;
    this.el.hidden = false;
    this.el.dataset.site = site.id;
    this.heading.textContent = t('analyst.site.title', { class: className(site.class) });
    fill(this.body, this.summary(site), this.actions(site), this.chips(site), this.votes(site), this.provenance(site), this.history(site));
  }

  private release(): void {
    this.abort?.abort();
    this.abort = null;
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
  }

  private section(id: string, title: string, ...content: (Node | string | null)[]): HTMLElement {
    return h('section', { class: 'panel-section', 'aria-labelledby': id }, h('h3', { id }, title), ...content);
  }

  private summary(s: SiteDetail): HTMLElement {
    const row = (label: string, value: string | Node) => [h('dt', {}, label), h('dd', {}, value)];
    const dates =
      s.damaged_after || s.damaged_before ? `${s.damaged_after ?? '…'} – ${s.damaged_before ?? '…'}` : t('analyst.sites.no_date');
    return this.section(
      'site-summary',
      t('analyst.site.summary'),
      h(
        'dl',
        { class: 'facts' },
        row(t('analyst.site.status'), h('span', { 'data-field': 'status' }, t(`analyst.status.${s.status}`))),
        row(t('analyst.site.class'), className(s.class)),
        row(t('analyst.site.confidence'), percent(s.confidence)),
        row(t('analyst.site.support'), percent(s.support)),
        row(t('analyst.site.seen_by'), t('analyst.site.seen_by_value', { n: s.seen_by })),
        row(t('analyst.site.uncertainty'), t('analyst.site.uncertainty_value', { m: Math.round(s.uncertainty_m) })),
        row(t('analyst.site.dates'), dates),
        s.date_confidence === null ? null : row(t('analyst.site.date_confidence'), percent(s.date_confidence)),
        row(t('analyst.site.position'), `${fmt(s.lat, 5)}, ${fmt(s.lon, 5)}`),
        s.merged_into ? row(t('analyst.site.merged_into'), s.merged_into) : null,
        s.merged_from && s.merged_from.length > 0 ? row(t('analyst.site.merged_from'), s.merged_from.join(', ')) : null,
      ),
    );
  }

  private chips(s: SiteDetail): HTMLElement {
    if (s.frames.length === 0) return this.section('site-chips', t('analyst.site.chips'), h('p', {}, t('analyst.site.no_frames')));
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const frames = [...s.frames].sort((a, b) => (a.captured_at ?? '').localeCompare(b.captured_at ?? ''));
    const figures = frames.map((f, i) => {
      const date = f.captured_at ?? '?';
      const p = phase(f.captured_at, s, i, frames.length);
      const img = h('img', { alt: t('analyst.site.chip_alt', { date }), width: 160, height: 160 });
      const figure = h(
        'figure',
        { class: 'chip' },
        img,
        h('figcaption', {}, p ? `${t(`analyst.map.${p}`)} · ${date}` : date, f.sensor ? ` · ${f.sensor}` : ''),
      );
      const q = new URLSearchParams({ lon: String(s.lon), lat: String(s.lat), size_m: '120' });
      blobUrl(`/frames/${encodeURIComponent(f.id)}/chip?${q}`, this.opts.token, signal)
        .then((url) => {
          if (signal.aborted) {
            URL.revokeObjectURL(url);
            return;
          }
          this.urls.push(url);
          img.src = url;
        })
        .catch(() => {
          if (!signal.aborted) img.replaceWith(h('p', { class: 'chip-missing' }, t('analyst.site.chip_failed')));
        });
      return figure;
    });
    return this.section('site-chips', t('analyst.site.chips'), h('div', { class: 'chips' }, figures));
  }

  private votes(s: SiteDetail): HTMLElement {
    if (s.votes.length === 0) return this.section('site-votes', t('analyst.site.votes'), h('p', {}, t('analyst.site.no_votes')));
    const byClass = Object.entries(s.votes_by_class)
      .map(([c, n]) => `${className(c)}: ${n}`)
      .join(' · ');
    return this.section(
      'site-votes',
      t('analyst.site.votes'),
      h('p', {}, byClass),
      h(
        'table',
        { class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('analyst.site.voter')), h('th', { scope: 'col' }, t('analyst.site.class')), h('th', { scope: 'col' }, t('analyst.site.reliability')))),
        h(
          'tbody',
          {},
          s.votes.map((v) =>
            h(
              'tr',
              {},
              h('td', {}, t('analyst.site.voter_n', { n: v.voter })),
              h('td', {}, className(v.class)),
              h(
                'td',
                {},
                v.reliability
                  ? t('analyst.site.reliability_value', { weight: fmt(v.reliability.weight), sensitivity: fmt(v.reliability.sensitivity), false_rate: fmt(v.reliability.false_rate) })
                  : t('analyst.site.reliability_none'),
              ),
            ),
          ),
        ),
      ),
    );
  }

  private provenance(s: SiteDetail): HTMLElement {
    const row = (label: string, value: string | Node) => [h('dt', {}, label), h('dd', {}, value)];
    const run = s.consensus_run;
    return this.section(
      'site-provenance',
      t('analyst.site.provenance'),
      run
        ? h(
            'dl',
            { class: 'facts' },
            row(t('analyst.site.run'), String(run.id)),
            row(t('analyst.site.code_version'), run.code_version),
            run.finished_at ? row(t('analyst.site.finished'), when(run.finished_at)) : null,
            row(t('analyst.site.parameters'), h('pre', {}, JSON.stringify(run.parameters, null, 1))),
          )
        : h('p', {}, t('analyst.site.no_run')),
      h('h4', {}, t('analyst.site.frames')),
      h('ul', { class: 'hashes' }, s.frames.map((f) => h('li', {}, h('code', {}, f.sha256), f.captured_at ? ` (${f.captured_at})` : ''))),
      h('h4', {}, t('analyst.site.tasks')),
      h('p', { class: 'tasks' }, s.tasks.join(', ')),
    );
  }

  private history(s: SiteDetail): HTMLElement {
    if (s.history.length === 0) return this.section('site-history', t('analyst.site.history'), h('p', {}, t('analyst.site.no_history')));
    const state = (x: { status: string; class: string }) => `${t(`analyst.status.${x.status}`)} / ${className(x.class)}`;
    return this.section(
      'site-history',
      t('analyst.site.history'),
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('analyst.site.when'), t('analyst.site.who'), t('analyst.site.action'), t('analyst.site.change'), t('analyst.site.comment')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          s.history.map((e) =>
            h(
              'tr',
              { 'data-action': e.action },
              h('td', {}, when(e.created_at)),
              h('td', {}, e.reviewer ?? t('analyst.site.consensus')),
              h('td', {}, actionName(e.action)),
              h('td', {}, t('analyst.site.change_value', { from: state(e.from), to: state(e.to) })),
              h('td', {}, e.comment),
            ),
          ),
        ),
      ),
    );
  }

  private actions(s: SiteDetail): HTMLElement {
    const comment = h('textarea', { id: 'review-comment', rows: 2, maxLength: 2000, 'aria-describedby': 'review-status' });
    const cls = h(
      'select',
      { id: 'review-class' },
      this.opts.classes.map((c) => h('option', { value: c, selected: c === s.class }, className(c))),
    );
    const status = h('p', { id: 'review-status', class: 'review-status', 'aria-live': 'polite' });
    this.error = status;
    const buttons: HTMLButtonElement[] = [];
    const send = async (body: ReviewBody) => {
      if (body.action === 'comment' && body.comment.trim() === '') {
        this.say(t('analyst.review.comment_needed'), true);
        comment.focus();
        return;
      }
      if (body.action === 'reclassify' && body.class === s.class) {
        this.say(t('analyst.review.same_class'), true);
        cls.focus();
        return;
      }
      for (const b of buttons) b.disabled = true;
      this.say(t('analyst.review.working'), false);
      try {
        await this.opts.review(body);
      } catch (err) {
        for (const b of buttons) b.disabled = false;
        this.say(String(err instanceof Error ? err.message : err), true);
      }
    };
    const button = (action: ReviewAction, extra: () => Partial<ReviewBody> = () => ({}), cssClass = '') => {
      const b = h(
        'button',
        { type: 'button', class: cssClass, 'data-action': action, onclick: () => void send({ action, comment: comment.value, ...extra() }) },
        t(`analyst.action.${action}`),
      );
      buttons.push(b);
      return b;
    };
    const mergeBox = h('div', { class: 'merge', hidden: true });
    const mergeButton = h(
      'button',
      {
        type: 'button',
        'data-action': 'merge',
        'aria-expanded': 'false',
        'aria-controls': 'merge-box',
        onclick: () => this.toggleMerge(mergeBox, mergeButton, !this.merging, (into) => void send({ action: 'merge', comment: comment.value, into })),
      },
      t('analyst.action.merge_start'),
    );
    mergeBox.id = 'merge-box';
    buttons.push(mergeButton);
    this.mergeSend = (into) => {
      if (into === s.id) {
        this.say(t('analyst.merge.self'), true);
        return;
      }
      void send({ action: 'merge', comment: comment.value, into });
    };
    return this.section(
      'review-title',
      t('analyst.review.title'),
      h('label', { for: 'review-comment' }, t('analyst.review.comment')),
      comment,
      h('div', { class: 'actions' }, button('confirm', undefined, 'primary'), button('reject'), button('comment')),
      h('div', { class: 'actions reclassify' }, h('label', { for: 'review-class' }, t('analyst.review.class')), cls, button('reclassify', () => ({ class: cls.value }))),
      h('div', { class: 'actions' }, mergeButton),
      mergeBox,
      status,
    );
  }

  /** Sends a merge into `into`, chosen on the map. */
  mergeSend: (into: string) => void = () => {};

  private toggleMerge(box: HTMLElement, button: HTMLElement, on: boolean, send: (into: string) => void): void {
    this.merging = on;
    this.opts.startMerge(on);
    button.setAttribute('aria-expanded', String(on));
    box.hidden = !on;
    if (!on || !this.site) return;
    const near = this.opts.nearby(this.site);
    fill(
      box,
      h('h4', {}, t('analyst.merge.title')),
      h('p', {}, t('analyst.merge.hint')),
      near.length === 0
        ? h('p', {}, t('analyst.merge.none', { m: this.opts.nearbyMetres }))
        : h(
            'ul',
            { class: 'nearby', 'aria-label': t('analyst.merge.nearby') },
            near.map((n) =>
              h(
                'li',
                {},
                h(
                  'button',
                  { type: 'button', class: 'link', 'data-into': n.row.id, onclick: () => send(n.row.id) },
                  t('analyst.merge.option', { class: className(n.row.class), distance: Math.round(n.metres), confidence: percent(n.row.confidence) }),
                ),
              ),
            ),
          ),
      h('button', { type: 'button', onclick: () => this.toggleMerge(box, button, false, send) }, t('analyst.merge.cancel')),
    );
  }

  /** Leaves merge mode, if on. */
  cancelMerge(): boolean {
    if (!this.merging) return false;
    const box = this.el.querySelector<HTMLElement>('#merge-box');
    const button = this.el.querySelector<HTMLElement>('button[data-action="merge"]');
    if (box && button) this.toggleMerge(box, button, false, () => {});
    return true;
  }
}
