// The review screen of one campaign: filters, exports, the list of sites, the map and the site
// panel, and the keyboard that ties them together.

import { ApiError, type Campaign, request } from '../lib/api';
import { fill, h } from '../lib/dom';
import { errorText } from '../lib/errors';
import { className, t } from '../lib/i18n';
import type { Frame, Screen } from '../lib/shell';
import { type Filter, defaultFilter, filterQuery, passes } from './filters';
import { Cursor, isTyping, keyAction } from './keys';
import { SiteMap, classColour } from './map';
import { download, fetchFile } from './net';
import { type Nearby, type ReviewBody, SitePanel } from './panel';
import { SiteList, countText } from './sitelist';
import { type FrameView, STATUSES, type SiteCollection, type SiteDetail, type SiteRow } from './types';

const FORMATS = ['geojson', 'csv', 'kml', 'gpkg'] as const;
/** How far the merge dialog looks for other sites (Sentinel-2 pixels are 10 m). */
const NEARBY_M = 2000;

declare global {
  interface Window {
    /** Timings of the last load of sites, for the browser tests. */
    __tesseraSites?: { count: number; fetchedMs: number; drawnMs: number };
  }
}

function toRow(f: SiteCollection['features'][number]): SiteRow {
  const p = f.properties;
  return {
    id: p.id,
    lon: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
    class: p.class,
    confidence: p.confidence,
    support: p.support,
    status: p.status,
    damaged_after: p.damaged_after ?? null,
    damaged_before: p.damaged_before ?? null,
  };
}

function metres(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.hypot(x, y) * 6_371_000;
}

export function reviewScreen(frame: Frame, slug: string): Screen {
  const token = frame.session.token;
  let destroyed = false;
  let screen: ReviewScreen | null = null;
  fill(frame.main, h('p', { class: 'loading' }, t('analyst.sites.loading')));
  request<Campaign>('GET', `/campaigns/${encodeURIComponent(slug)}`, undefined, token)
    .then((campaign) => {
      if (!destroyed) screen = new ReviewScreen(frame, campaign);
    })
    .catch((err) => {
      if (!destroyed) fill(frame.main, h('p', { class: 'error', role: 'alert' }, errorText(err)));
    });
  return {
    destroy() {
      destroyed = true;
      screen?.destroy();
    },
  };
}

class ReviewScreen {
  private readonly token: string;
  private readonly classes: string[];
  private filter: Filter = defaultFilter();
  private rows: SiteRow[] = [];
  private frames: FrameView[] = [];
  private readonly cursor = new Cursor();
  private readonly map: SiteMap;
  private readonly list: SiteList;
  private readonly panel: SitePanel;
  private readonly count = h('p', { class: 'count', id: 'site-count', 'aria-live': 'polite' });
  private readonly filterError = h('p', { class: 'field-error', id: 'filter-error', 'aria-live': 'polite' });
  private readonly exportStatus = h('p', { class: 'field-status', id: 'export-status', 'aria-live': 'polite' });
  private readonly imageryStatus = h('p', { class: 'field-status', id: 'imagery-status', 'aria-live': 'polite' });
  private readonly imagery = h('div', { class: 'imagery-choice' });
  private readonly mapEl: HTMLElement;
  private loadSeq = 0;
  private debounce = 0;
  private fitted = false;
  private readonly onKey = (e: KeyboardEvent) => this.key(e);

  constructor(
    private readonly frame: Frame,
    private readonly campaign: Campaign,
  ) {
    this.token = frame.session.token;
    this.classes = campaign.settings.damage_classes;
    this.mapEl = h('div', { class: 'site-map', id: 'site-map', tabindex: 0, role: 'region', 'aria-label': t('analyst.map.label') });
    this.list = new SiteList({
      classes: this.classes,
      onChoose: (i) => this.choose(i, true),
      onOpen: (i) => {
        this.choose(i, true);
        void this.openCurrent();
      },
    });
    this.panel = new SitePanel({
      classes: this.classes,
      token: this.token,
      close: () => this.closePanel(),
      review: (body) => this.review(this.panel.site!.id, body),
      startMerge: (on) => this.mapEl.classList.toggle('picking', on),
      nearby: (site) => this.nearby(site),
      nearbyMetres: NEARBY_M,
    });
    fill(
      frame.main,
      h(
        'div',
        { class: 'review-screen' },
        h('div', { class: 'screen-head' }, h('h1', {}, campaign.name), this.count),
        this.filtersForm(),
        this.exports(),
        h(
          'div',
          { class: 'workspace' },
          h(
            'section',
            { class: 'list-pane', 'aria-labelledby': 'sites-title' },
            h('h2', { id: 'sites-title' }, countText(0)),
            h('p', { class: 'note keys' }, t('analyst.keys')),
            this.list.el,
          ),
          h(
            'section',
            { class: 'map-pane', 'aria-labelledby': 'imagery-title' },
            h('div', { class: 'map-tools' }, this.imagery, this.osmToggle()),
            this.imageryStatus,
            this.mapEl,
            h('p', { class: 'note' }, t('analyst.map.legend'), ' ', this.legend()),
          ),
          this.panel.el,
        ),
      ),
    );
    this.map = new SiteMap({ target: this.mapEl, classes: this.classes, token: this.token, onClick: (i) => this.mapClick(i) });
    document.addEventListener('keydown', this.onKey);
    void this.loadFrames();
    void this.load();
  }

  destroy(): void {
    document.removeEventListener('keydown', this.onKey);
    clearTimeout(this.debounce);
    this.loadSeq++;
    this.panel.hide();
    this.list.destroy();
    this.map.destroy();
  }

  private legend(): HTMLElement {
    return h(
      'span',
      { class: 'legend' },
      this.classes.map((c) => h('span', { class: 'swatch', style: `--swatch: ${classColour(this.classes, c)}` }, className(c))),
    );
  }

  // ---- filters

  private filtersForm(): HTMLElement {
    const changed = () => this.filterChanged();
    const box = (name: string, value: string, label: string, checked: boolean) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, checked, onchange: changed }), label);
    const conf = h('input', { type: 'range', id: 'min-confidence', name: 'min_confidence', min: 0, max: 1, step: 0.05, value: '0', oninput: changed });
    const confOut = h('output', { for: 'min-confidence', id: 'min-confidence-value' }, '0%');
    conf.addEventListener('input', () => (confOut.textContent = `${Math.round(Number(conf.value) * 100)}%`));
    const date = (id: string, key: string) =>
      h('span', { class: 'date-field' }, h('label', { for: id }, t(key)), h('input', { type: 'date', id, name: id, onchange: changed, 'aria-describedby': 'dates-hint filter-error' }));
    const form = h(
      'form',
      { class: 'filters', id: 'filters', 'aria-label': t('analyst.filters'), onsubmit: (e: Event) => e.preventDefault() },
      h('fieldset', {}, h('legend', {}, t('analyst.filter.classes')), this.classes.map((c) => box('class', c, className(c), false))),
      h(
        'fieldset',
        {},
        h('legend', {}, t('analyst.filter.statuses')),
        STATUSES.map((s) => box('status', s, t(`analyst.status.${s}`), this.filter.statuses.includes(s))),
      ),
      h('div', { class: 'field' }, h('label', { for: 'min-confidence' }, t('analyst.filter.min_confidence')), conf, confOut),
      h(
        'div',
        { class: 'field dates' },
        date('damaged-after', 'analyst.filter.damaged_after'),
        date('damaged-before', 'analyst.filter.damaged_before'),
        h('small', { id: 'dates-hint' }, t('analyst.filter.dates_hint')),
        this.filterError,
      ),
      h(
        'button',
        {
          type: 'reset',
          onclick: () =>
            setTimeout(() => {
              confOut.textContent = '0%';
              for (const el of form.querySelectorAll<HTMLInputElement>('input[name=status]')) el.checked = defaultFilter().statuses.includes(el.value as never);
              changed();
            }),
        },
        t('analyst.filter.reset'),
      ),
    );
    this.form = form;
    return form;
  }

  private form: HTMLFormElement | null = null;

  private readFilter(): Filter {
    const form = this.form!;
    const values = (name: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`)].map((el) => el.value);
    return {
      classes: values('class'),
      statuses: values('status') as Filter['statuses'],
      minConfidence: Number(form.querySelector<HTMLInputElement>('#min-confidence')!.value) || 0,
      damagedAfter: form.querySelector<HTMLInputElement>('#damaged-after')!.value,
      damagedBefore: form.querySelector<HTMLInputElement>('#damaged-before')!.value,
    };
  }

  private filterChanged(): void {
    const next = this.readFilter();
    const bad = next.damagedAfter !== '' && next.damagedBefore !== '' && next.damagedAfter > next.damagedBefore;
    this.filterError.textContent = bad ? t('analyst.filter.bad_interval') : '';
    for (const id of ['damaged-after', 'damaged-before']) this.form!.querySelector(`#${id}`)!.setAttribute('aria-invalid', String(bad));
    if (bad) return;
    this.filter = next;
    clearTimeout(this.debounce);
    this.debounce = window.setTimeout(() => void this.load(), 250);
  }

  // ---- sites

  private async load(): Promise<void> {
    const seq = ++this.loadSeq;
    const started = performance.now();
    this.count.textContent = t('analyst.sites.loading');
    this.mapEl.removeAttribute('data-drawn');
    try {
      const q = filterQuery(this.filter);
      const res = await fetchFile(`/campaigns/${encodeURIComponent(this.campaign.id)}/export.geojson${q ? `?${q}` : ''}`, this.token);
      const fc = (await res.json()) as SiteCollection;
      if (seq !== this.loadSeq) return;
      const fetched = performance.now();
      const keep = this.panel.site?.id;
      this.rows = fc.features.map(toRow).filter((r) => passes(r, this.filter));
      // The first sites fix the view before they are drawn: the points' buffers are built for
      // the view on show, so fitting afterwards would build them twice.
      const fit = !this.fitted && this.rows.length > 0;
      if (fit) this.fitted = true;
      this.map.setSites(this.rows, fit ? this.frames : null);
      this.list.setRows(this.rows);
      this.cursor.resize(this.rows.length);
      const kept = keep ? this.rows.findIndex((r) => r.id === keep) : -1;
      this.cursor.set(kept >= 0 ? kept : Math.min(this.cursor.index, this.rows.length - 1));
      this.select(false);
      this.showCount();
      this.map.map.once('rendercomplete', () => {
        if (seq !== this.loadSeq) return;
        const drawn = performance.now();
        window.__tesseraSites = { count: this.rows.length, fetchedMs: fetched - started, drawnMs: drawn - started };
        this.mapEl.setAttribute('data-drawn', String(this.rows.length));
      });
      this.map.map.render();
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.count.textContent = errorText(err);
    }
  }

  private showCount(): void {
    this.count.textContent = this.rows.length === 0 ? t('analyst.sites.none') : countText(this.rows.length);
    const title = document.getElementById('sites-title');
    if (title) title.textContent = countText(this.rows.length);
  }

  private choose(index: number, reveal: boolean): void {
    this.cursor.set(index);
    this.select(reveal);
    if (this.panel.open) void this.openCurrent(false);
  }

  private select(reveal: boolean): void {
    this.list.setActive(this.cursor.index);
    this.map.select(this.cursor.index, reveal);
  }

  private current(): SiteRow | null {
    return this.cursor.index >= 0 ? (this.rows[this.cursor.index] ?? null) : null;
  }

  private async openCurrent(focus = true): Promise<void> {
    const row = this.current();
    if (!row) return;
    const wasOpen = this.panel.open;
    this.panel.loading(row);
    this.mapEl.classList.remove('picking');
    if (!wasOpen) {
      // The panel narrows the map: keep the site in view once the map has its new size.
      const index = this.cursor.index;
      requestAnimationFrame(() => {
        this.map.map.updateSize();
        if (this.cursor.index === index) this.map.select(index, true);
      });
    }
    try {
      const site = await request<SiteDetail>('GET', `/sites/${encodeURIComponent(row.id)}`, undefined, this.token);
      if (this.current()?.id !== row.id) return;
      this.panel.show(site);
      if (focus) this.panel.focus();
    } catch (err) {
      this.panel.failed(errorText(err));
    }
  }

  private closePanel(): void {
    this.panel.hide();
    this.mapEl.classList.remove('picking');
    this.list.el.focus();
  }

  private mapClick(index: number): void {
    if (this.panel.mergeMode) {
      if (index >= 0) this.panel.mergeSend(this.rows[index].id);
      return;
    }
    if (index < 0) return;
    this.cursor.set(index);
    this.select(false);
    void this.openCurrent(false);
  }

  private nearby(site: SiteDetail): Nearby[] {
    const out: Nearby[] = [];
    for (const row of this.rows) {
      if (row.id === site.id || row.status === 'merged') continue;
      const m = metres(site, row);
      if (m <= NEARBY_M) out.push({ row, metres: m });
    }
    return out.sort((a, b) => a.metres - b.metres).slice(0, 8);
  }

  /** Sends a review of site `id`; redraws its row, point and panel from the reply. */
  private async review(id: string, body: ReviewBody): Promise<void> {
    const payload: Record<string, string> = { action: body.action, comment: body.comment };
    if (body.class) payload.class = body.class;
    if (body.into) payload.into = body.into;
    let site: SiteDetail;
    try {
      site = await request<SiteDetail>('POST', `/sites/${encodeURIComponent(id)}/reviews`, payload, this.token);
    } catch (err) {
      throw new Error(err instanceof ApiError ? errorText(err) : String(err));
    }
    const index = this.rows.findIndex((r) => r.id === id);
    if (index >= 0) {
      const row = this.rows[index];
      Object.assign(row, { status: site.status, class: site.class, confidence: site.confidence, support: site.support });
      this.map.updateSite(index, row);
      this.list.refresh();
    }
    const done = t('analyst.review.done', { action: t(`analyst.action.${body.action}`) });
    if (this.panel.site?.id === id) {
      // The panel is drawn anew; focus goes back to the action's button, not to the page.
      const hadFocus = this.panel.el.contains(document.activeElement) || document.activeElement === document.body;
      this.panel.show(site);
      this.panel.say(done, false);
      this.mapEl.classList.remove('picking');
      if (hadFocus) this.panel.el.querySelector<HTMLElement>(`button[data-action="${body.action}"]`)?.focus();
    }
    this.frame.announce(done);
  }

  // ---- keyboard

  private key(e: KeyboardEvent): void {
    const el = document.activeElement;
    const action = keyAction(e, isTyping(el));
    if (!action) return;
    if (action === 'close') {
      if (this.panel.cancelMerge()) {
        this.mapEl.classList.remove('picking');
      } else if (this.panel.open) {
        this.closePanel();
      } else return;
      e.preventDefault();
      return;
    }
    const onControl = el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement || el instanceof HTMLInputElement;
    // Enter and arrows keep their meaning on buttons and links, and arrows pan a focused map.
    if (action === 'open' && onControl) return;
    if (e.key.startsWith('Arrow') && (el === this.mapEl || (el instanceof HTMLInputElement && el.type !== 'checkbox'))) return;
    if ((action === 'first' || action === 'last') && el !== this.list.el) return;
    e.preventDefault();
    switch (action) {
      case 'next':
      case 'prev':
      case 'first':
      case 'last':
        this.cursor.move(action);
        this.select(true);
        if (this.panel.open) void this.openCurrent(false);
        return;
      case 'open':
        void this.openCurrent();
        return;
      case 'confirm':
      case 'reject': {
        const row = this.current();
        if (!row) return;
        const panelOn = this.panel.site?.id === row.id;
        const comment = panelOn ? (document.getElementById('review-comment') as HTMLTextAreaElement | null)?.value ?? '' : '';
        this.review(row.id, { action, comment }).catch((err: Error) => {
          if (panelOn) this.panel.say(err.message, true);
          else this.frame.announce(err.message);
        });
        return;
      }
    }
  }

  // ---- imagery

  private async loadFrames(): Promise<void> {
    try {
      const { frames } = await request<{ frames: FrameView[] }>('GET', `/campaigns/${encodeURIComponent(this.campaign.id)}/frames`, undefined, this.token);
      this.frames = frames
        .filter((f) => f.overview !== null)
        .sort((a, b) => (a.captured_at ?? '').localeCompare(b.captured_at ?? ''));
      this.map.setFrames(this.frames);
      if (!this.fitted && this.rows.length === 0 && this.frames.length > 0) this.map.fit(this.frames);
      this.drawImageryChoice(this.frames.at(-1)?.id ?? null);
    } catch (err) {
      this.imageryStatus.textContent = t('analyst.map.imagery_unavailable', { error: errorText(err) });
      this.drawImageryChoice(null);
    }
  }

  private drawImageryChoice(selected: string | null): void {
    this.map.showFrame(selected);
    const radio = (value: string, label: string) =>
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'radio',
          name: 'imagery',
          value,
          checked: value === (selected ?? ''),
          onchange: () => this.map.showFrame(value || null),
        }),
        label,
      );
    const n = this.frames.length;
    const label = (f: FrameView, i: number) => {
      const date = f.captured_at ? t('analyst.map.frame', { date: f.captured_at }) : t('analyst.map.frame_undated', { n: i + 1 });
      if (n >= 2 && i === 0) return `${t('analyst.map.before')}: ${date}`;
      if (n >= 2 && i === n - 1) return `${t('analyst.map.after')}: ${date}`;
      return date;
    };
    const swap =
      n >= 2
        ? h(
            'button',
            {
              type: 'button',
              id: 'imagery-swap',
              onclick: () => {
                const checked = this.imagery.querySelector<HTMLInputElement>('input[name=imagery]:checked')?.value;
                const next = checked === this.frames[n - 1].id ? this.frames[0].id : this.frames[n - 1].id;
                this.drawImageryChoice(next);
                this.imagery.querySelector<HTMLButtonElement>('#imagery-swap')?.focus();
              },
            },
            t('analyst.map.swap'),
          )
        : null;
    fill(
      this.imagery,
      h(
        'fieldset',
        { class: 'inline' },
        h('legend', { id: 'imagery-title' }, t('analyst.map.imagery')),
        radio('', t('analyst.map.no_imagery')),
        this.frames.map((f, i) => radio(f.id, label(f, i))),
      ),
      swap,
    );
  }

  private osmToggle(): HTMLElement {
    return h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', id: 'osm', onchange: (e: Event) => this.map.setOsm((e.target as HTMLInputElement).checked) }),
      t('analyst.map.osm'),
    );
  }

  // ---- exports

  private exports(): HTMLElement {
    return h(
      'section',
      { class: 'exports', 'aria-labelledby': 'export-title' },
      h('h2', { id: 'export-title' }, t('analyst.export.title')),
      h(
        'div',
        { class: 'actions' },
        FORMATS.map((fmt) =>
          h(
            'button',
            { type: 'button', 'data-format': fmt, 'aria-describedby': 'export-status', onclick: (e: Event) => void this.export(fmt, e.currentTarget as HTMLButtonElement) },
            t(`analyst.export.${fmt}`),
          ),
        ),
      ),
      this.exportStatus,
    );
  }

  private async export(fmt: (typeof FORMATS)[number], button: HTMLButtonElement): Promise<void> {
    const format = t(`analyst.export.${fmt}`);
    button.disabled = true;
    this.exportStatus.classList.remove('bad');
    this.exportStatus.textContent = t('analyst.export.working', { format });
    try {
      const q = filterQuery(this.filter);
      await download(`/campaigns/${encodeURIComponent(this.campaign.id)}/export.${fmt}${q ? `?${q}` : ''}`, this.token, `${this.campaign.slug}-sites.${fmt}`);
      this.exportStatus.textContent = t('analyst.export.done', { format });
    } catch (err) {
      this.exportStatus.classList.add('bad');
      this.exportStatus.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  }
}
