// The list of sites beside the map: a listbox that draws only the rows in view, so 100,000
// sites cost a few dozen elements. Focus stays on the list; the current row is its active
// descendant, always drawn since moving to it scrolls it into view.

import { h } from '../lib/dom';
import { className, t, tn } from '../lib/i18n';
import { classColour } from './map';
import type { SiteRow } from './types';
import { rowWindow, scrollToRow } from './window';

export const ROW_HEIGHT = 44;

export interface SiteListOptions {
  classes: string[];
  /** A row was clicked. */
  onChoose: (index: number) => void;
  /** A row was double-clicked. */
  onOpen: (index: number) => void;
}

export function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export class SiteList {
  readonly el: HTMLElement;
  private readonly inner: HTMLElement;
  private rows: SiteRow[] = [];
  private active = -1;
  private frame = 0;
  private readonly resize = new ResizeObserver(() => this.schedule());

  constructor(private readonly opts: SiteListOptions) {
    this.inner = h('div', { class: 'vlist-inner', role: 'presentation' });
    this.el = h(
      'div',
      {
        class: 'vlist',
        id: 'site-list',
        role: 'listbox',
        tabindex: 0,
        'aria-label': t('analyst.sites.list', { n: 0 }),
        onscroll: () => this.schedule(),
      },
      this.inner,
    );
    this.resize.observe(this.el);
  }

  destroy(): void {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  setRows(rows: SiteRow[]): void {
    this.rows = rows;
    this.el.setAttribute('aria-label', t('analyst.sites.list', { n: rows.length }));
    if (this.active >= rows.length) this.active = rows.length - 1;
    this.draw();
  }

  /** Marks row `index` as the current one and scrolls it into view. */
  setActive(index: number): void {
    this.active = index;
    if (index >= 0) {
      const top = scrollToRow(index, ROW_HEIGHT, this.el.scrollTop, this.el.clientHeight);
      if (top !== null) this.el.scrollTop = top;
    }
    this.draw();
  }

  /** A row's data changed (a review). */
  refresh(): void {
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const win = rowWindow(this.rows.length, ROW_HEIGHT, this.el.scrollTop, this.el.clientHeight || 600);
    this.inner.style.height = `${win.height}px`;
    const items: HTMLElement[] = [];
    for (let i = win.start; i < win.end; i++) items.push(this.row(i));
    this.inner.replaceChildren(...items);
    if (this.active >= win.start && this.active < win.end) this.el.setAttribute('aria-activedescendant', `site-opt-${this.active}`);
    else this.el.removeAttribute('aria-activedescendant');
  }

  private row(i: number): HTMLElement {
    const s = this.rows[i];
    const dates =
      s.damaged_after || s.damaged_before
        ? t('analyst.sites.dates', { after: s.damaged_after ?? '…', before: s.damaged_before ?? '…' })
        : t('analyst.sites.no_date');
    return h(
      'div',
      {
        class: 'vrow',
        id: `site-opt-${i}`,
        role: 'option',
        'aria-selected': String(i === this.active),
        'aria-setsize': this.rows.length,
        'aria-posinset': i + 1,
        style: `top: ${i * ROW_HEIGHT}px; --swatch: ${classColour(this.opts.classes, s.class)}`,
        'data-site': s.id,
        'data-status': s.status,
        onclick: () => this.opts.onChoose(i),
        ondblclick: () => this.opts.onOpen(i),
      },
      h('span', { class: 'vrow-main' }, t('analyst.sites.row', { class: className(s.class), confidence: percent(s.confidence), status: t(`analyst.status.${s.status}`) })),
      h('span', { class: 'vrow-sub' }, dates),
    );
  }
}

/** "N sites", for the count beside the filters. */
export function countText(n: number): string {
  return tn('analyst.sites.count', n);
}
