// Every string a volunteer reads comes from src/i18n/<lang>.json. The language is the one the
// volunteer chose, else the browser's first supported one, else English; Arabic lays the page
// out right to left.

// English is bundled; the other tables are fetched from /i18n/<lang>.json (index.html starts
// that fetch alongside the app's code, so other languages cost no extra round trip). An app
// with strings of its own (the analyst's) bundles its English ones and names its folder of
// tables, /i18n/<folder>/<lang>.json, fetched with the shared table; volunteers never load them.
import en from '../i18n/en.json';

export type Lang = 'en' | 'ar' | 'fr' | 'es';
type Table = Record<string, string>;

const LANGS: Lang[] = ['en', 'ar', 'fr', 'es'];
/** English, the shared table and any app's own strings: what every other table falls back to. */
const EN: Table = { ...en };
const TABLES: Partial<Record<Lang, Table>> = { en: EN };
/** Folders of app tables under /i18n/, fetched with each language. */
const EXTRA: string[] = [];
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
  return (LANGS as string[]).includes(v);
}

/** Adds a language's table, e.g. one fetched elsewhere. */
export function addTable(l: Lang, table: Table): void {
  TABLES[l] = table;
}

/**
 * Adds an app's own strings: `english` now, and /i18n/`folder`/<lang>.json with each other
 * language. Call it before the app starts.
 */
export function addAppTables(folder: string, english: Table): void {
  Object.assign(EN, english);
  EXTRA.push(folder);
}

async function fetchTable(path: string): Promise<Table | null> {
  const res = await fetch(path);
  return res.ok ? ((await res.json()) as Table) : null;
}

/** Fetches a language's table unless it is here; English on failure. */
async function load(l: Lang): Promise<boolean> {
  if (TABLES[l]) return true;
  try {
    const boot = window.__tesseraLang;
    const [table, ...extras] = await Promise.all([
      boot && boot.lang === l ? boot.table : fetchTable(`/i18n/${l}.json`),
      ...EXTRA.map((folder) => fetchTable(`/i18n/${folder}/${l}.json`).catch(() => null)),
    ]);
    if (!table) return false;
    TABLES[l] = Object.assign({}, table, ...extras.map((x) => x ?? {}));
    return true;
  } catch {
    return false;
  }
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

/** Fetches the language if needed, then switches to it; the caller re-renders. */
export async function switchLang(next: Lang, persist = true): Promise<void> {
  setLang((await load(next)) ? next : 'en', persist);
}

/** Switches the language and the page direction to a loaded table; the caller re-renders. */
export function setLang(next: Lang, persist = true): void {
  current = TABLES[next] ? next : 'en';
  if (persist) localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  document.documentElement.dir = RTL.has(next) ? 'rtl' : 'ltr';
}

export async function initLang(): Promise<void> {
  const param = new URLSearchParams(location.search).get('lang');
  const chosen = param && isLang(param) ? param : detect(localStorage.getItem(STORAGE_KEY), navigator.languages ?? []);
  await switchLang(chosen, Boolean(param));
}

/** The string for `key` with `{name}` placeholders filled in; English when a table lacks it. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = TABLES[current]?.[key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? formatValue(params[name]) : m,
  );
}

/** A count-dependent string: `key_one` for 1 when the table has it, else `key`. */
export function tn(key: string, n: number, params: Record<string, string | number> = {}): string {
  const one = `${key}_one`;
  if (n === 1 && (TABLES[current]?.[one] ?? EN[one])) return t(one, { n, ...params });
  return t(key, { n, ...params });
}

/** A damage class's display name; a campaign's own class names show as they are. */
export function className(cls: string): string {
  const key = `class.${cls}`;
  return TABLES[current]?.[key] ?? EN[key] ?? cls;
}

function formatValue(v: string | number): string {
  return typeof v === 'number' ? new Intl.NumberFormat(current).format(v) : v;
}

declare global {
  interface Window {
    /** Started by index.html: the table of the volunteer's language, when not English. */
    __tesseraLang?: { lang: string; table: Promise<Table | null> };
  }
}
