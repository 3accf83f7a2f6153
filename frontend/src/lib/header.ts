// The header on every page: the brand, a slot for the app's live figures, the app's own links
// and "sign out" for a signed-in user, and the language switcher.

import { h } from './dom';
import { LANGUAGES, isLang, switchLang, t } from './i18n';

export interface HeaderOptions {
  signedIn: boolean;
  /** The app's links, shown to a signed-in user before "sign out". */
  nav: () => HTMLElement[];
  onSignOut: () => void;
  /** The language changed (its table is loaded): draw the page again. */
  onLanguage: () => void;
}

/** The header element and its slot for live figures (`#stats`, announced politely). */
export function header(opts: HeaderOptions): { el: HTMLElement; stats: HTMLElement } {
  const langSelect = h(
    'select',
    {
      'aria-label': t('lang.label'),
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        if (isLang(v)) void switchLang(v).then(opts.onLanguage);
      },
    },
    LANGUAGES.map(([code, name]) =>
      h('option', { value: code, selected: code === document.documentElement.lang }, name),
    ),
  );
  const nav = h('nav', { class: 'top-nav', 'aria-label': t('app.name') });
  if (opts.signedIn) {
    nav.append(
      ...opts.nav(),
      h('button', { type: 'button', class: 'link', onclick: opts.onSignOut }, t('nav.signout')),
    );
  }
  nav.append(h('label', { class: 'lang' }, langSelect));
  const stats = h('div', { class: 'stats', id: 'stats', 'aria-live': 'polite' });
  const el = h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/' }, t('app.name')), stats, nav);
  return { el, stats };
}
