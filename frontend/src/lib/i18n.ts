// Every string a volunteer reads comes from src/i18n/<lang>.json. The language is the one the
// volunteer chose, else the browser's first supported one, else English; Arabic lays the page
// out right to left.

import en from '../i18n/en.json';
import ar from '../i18n/ar.json';
import fr from '../i18n/fr.json';
import es from '../i18n/es.json';

export type Lang = 'en' | 'ar' | 'fr' | 'es';
type Table = Record<string, string>;

const TABLES: Record<Lang, Table> = { en, ar, fr, es };
/** Each language named in itself, for the switcher. */
export const LANGUAGES: [Lang, string][] = [
  ['en', 'English'],
  ['ar', 'العربية'],
  ['fr', 'Français'],
  ['es', 'Español'],
];
const RTL = new Set<Lang>(['ar']);
const STORAGE_KEY = 'tessera.lang';

let current: Lang = 'en';

export function isLang(v: string): v is Lang {
  return v in TABLES;
}

/** The volunteer's saved choice, else the browser's languages, else English. */
export function detect(saved: string | null, browser: readonly string[]): Lang {
  if (saved && isLang(saved)) return saved;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

export function lang(): Lang {
  return current;
}

/** Switches the language and the page direction; the caller re-renders. */
export function setLang(next: Lang, persist = true): void {
  current = next;
  if (persist) localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  document.documentElement.dir = RTL.has(next) ? 'rtl' : 'ltr';
}

export function initLang(): void {
  const param = new URLSearchParams(location.search).get('lang');
  const chosen = param && isLang(param) ? param : detect(localStorage.getItem(STORAGE_KEY), navigator.languages ?? []);
  setLang(chosen, Boolean(param));
}

/** The string for `key` with `{name}` placeholders filled in; English when a table lacks it. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = TABLES[current][key] ?? TABLES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? formatValue(params[name]) : m,
  );
}

/** A count-dependent string: `key_one` for 1 when the table has it, else `key`. */
export function tn(key: string, n: number, params: Record<string, string | number> = {}): string {
  const one = `${key}_one`;
  if (n === 1 && (TABLES[current][one] ?? TABLES.en[one])) return t(one, { n, ...params });
  return t(key, { n, ...params });
}

/** A damage class's display name; a campaign's own class names show as they are. */
export function className(cls: string): string {
  const key = `class.${cls}`;
  return TABLES[current][key] ?? TABLES.en[key] ?? cls;
}

function formatValue(v: string | number): string {
  return typeof v === 'number' ? new Intl.NumberFormat(current).format(v) : v;
}
