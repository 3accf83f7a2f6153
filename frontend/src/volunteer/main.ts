// The volunteer app: sign in, choose a campaign, learn the classes, tag tiles.
// Hash routes: #/ (campaigns or sign-in), #/signup, #/c/{slug}/tutorial, #/c/{slug}/tag.

import 'ol/ol.css';
import './style.css';

import {
  type Campaign,
  type NextTask,
  type Progress,
  type MyStats,
  type Session,
  loadSession,
  request,
  saveSession,
  setUnauthorizedHandler,
  signIn,
} from '../lib/api';
import { fill, h } from '../lib/dom';
import { LANGUAGES, initLang, isLang, switchLang, t } from '../lib/i18n';
import { type App, errorText, tutorialDone } from './app';
import { Outbox, type PendingAnswer } from './outbox';
import { TaskScreen } from './task';
import { tutorialScreen } from './tutorial';

declare global {
  interface Window {
    /** Started by index.html before this code loads: the first task, fetched in parallel. */
    __tesseraBoot?: { slug: string; next: Promise<NextTask | null> };
  }
}

const root = document.getElementById('app') as HTMLElement;
let session: Session | null = loadSession();
let outbox: Outbox | null = null;
let screen: { destroy(): void } | null = null;
let answers = 0;
let flashTarget: string | null = null;

setUnauthorizedHandler(() => {
  saveSession(null);
  session = null;
  flashTarget = location.hash;
  location.hash = '#/';
  render(t('error.session_expired'));
});
window.addEventListener('hashchange', () => render());
window.addEventListener('online', () => void outbox?.flush());

function outboxFor(s: Session): Outbox {
  if (!outbox) {
    const send = async (item: PendingAnswer) => {
      const res = await fetch(`/api/v1/tasks/${item.taskId}/answers`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          Authorization: `Bearer ${s.token}`,
        },
        body: JSON.stringify({ idempotency_key: item.key, ...item.body }),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    outbox = new Outbox(send, localStorage, `tessera.outbox.${s.user.id}`);
    void outbox.flush();
  }
  return outbox;
}

function header(): HTMLElement {
  const langSelect = h(
    'select',
    {
      'aria-label': t('lang.label'),
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        if (isLang(v)) void switchLang(v).then(() => render());
      },
    },
    LANGUAGES.map(([code, name]) =>
      h('option', { value: code, selected: code === document.documentElement.lang }, name),
    ),
  );
  const nav = h('nav', { class: 'top-nav', 'aria-label': t('app.name') });
  if (session) {
    nav.append(
      h('a', { href: '#/' }, t('nav.campaigns')),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            saveSession(null);
            session = null;
            outbox = null;
            location.hash = '#/';
            render();
          },
        },
        t('nav.signout'),
      ),
    );
  }
  nav.append(h('label', { class: 'lang' }, langSelect));
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, t('app.name')),
    h('div', { class: 'stats', id: 'stats', 'aria-live': 'polite' }),
    nav,
  );
}

function render(flash?: string): void {
  screen?.destroy();
  screen = null;
  const status = h('p', { class: 'status', id: 'status', role: 'status', 'aria-live': 'polite' });
  const main = h('main', { id: 'main', tabindex: -1 });
  const helpDialog = helpOverlay();
  fill(
    root,
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, t('nav.skip')),
    header(),
    main,
    status,
    helpDialog,
  );
  if (flash) status.textContent = flash;
  const route = location.hash.replace(/^#/, '') || '/';
  if (!session) {
    authScreen(main, status, route === '/signup' ? 'register' : 'login');
    return;
  }
  const app: App = {
    session,
    outbox: outboxFor(session),
    main,
    stats: root.querySelector('#stats') as HTMLElement,
    help: () => helpDialog.showModal(),
    announce: (text) => (status.textContent = text),
    get answers() {
      return answers;
    },
    set answers(n: number) {
      answers = n;
    },
    refreshStats: (slug) => refreshStats(slug),
  };
  const m = route.match(/^\/c\/([^/]+)\/(tutorial|tag)$/);
  if (m) {
    const slug = decodeURIComponent(m[1]);
    void refreshStats(slug);
    if (m[2] === 'tutorial') {
      screen = tutorialScreen(app, slug);
    } else {
      screen = new TaskScreen(app, slug, false);
    }
    return;
  }
  void refreshStats(null);
  void campaignsScreen(app);
}

async function refreshStats(slug: string | null): Promise<void> {
  if (!session) return;
  const token = session.token;
  try {
    const [mine, progress] = await Promise.all([
      request<MyStats>('GET', '/me/stats', undefined, token),
      slug
        ? request<Progress>('GET', `/campaigns/${encodeURIComponent(slug)}/progress`, undefined, token)
        : Promise.resolve(null),
    ]);
    answers = mine.answers;
    const el = document.getElementById('stats');
    if (!el) return;
    const parts: HTMLElement[] = [h('span', { class: 'count' }, t('stats.answers', { n: answers }))];
    if (progress && progress.tasks > 0) {
      const percent = Math.floor((100 * progress.tasks_done) / progress.tasks);
      parts.push(
        h(
          'span',
          { class: 'progress' },
          h('progress', { max: progress.tasks, value: progress.tasks_done, 'aria-hidden': 'true' }),
          t('stats.campaign', { percent }),
        ),
      );
    }
    fill(el, parts);
  } catch {
    /* the counts are a nicety; the task matters more */
  }
}

function authScreen(main: HTMLElement, status: HTMLElement, mode: 'login' | 'register'): void {
  const handle = h('input', {
    id: 'handle',
    name: 'handle',
    autocomplete: 'username',
    required: true,
    minLength: 3,
    maxLength: 32,
    'aria-describedby': 'handle-hint',
    autocapitalize: 'none',
    spellcheck: false,
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: mode === 'register' ? 'new-password' : 'current-password',
    required: true,
    minLength: mode === 'register' ? 10 : 1,
    'aria-describedby': 'password-hint',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, mode === 'register' ? t('auth.signup') : t('auth.signin'));
  const form = h(
    'form',
    {
      class: 'card auth',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        status.textContent = t('auth.working');
        try {
          const s = await signIn(mode, handle.value.trim(), password.value);
          saveSession(s);
          session = s;
          outbox = null;
          status.textContent = '';
          const target = flashTarget && flashTarget !== '#/signup' ? flashTarget : '#/';
          flashTarget = null;
          if (location.hash === target) render();
          else location.hash = target;
        } catch (err) {
          status.textContent = errorText(err);
          submit.disabled = false;
        }
      },
    },
    h('h1', {}, t('auth.title')),
    h('p', {}, t('auth.intro')),
    h('p', { class: 'note' }, t('auth.privacy')),
    h('label', { for: 'handle' }, t('auth.handle')),
    handle,
    h('small', { id: 'handle-hint' }, t('auth.handle.hint')),
    h('label', { for: 'password' }, t('auth.password')),
    password,
    h('small', { id: 'password-hint' }, mode === 'register' ? t('auth.password.hint') : ''),
    submit,
    h(
      'a',
      { href: mode === 'register' ? '#/signin' : '#/signup', class: 'switch' },
      mode === 'register' ? t('auth.have_account') : t('auth.no_account'),
    ),
  );
  fill(main, form);
  handle.focus();
}

async function campaignsScreen(app: App): Promise<void> {
  const list = h('ul', { class: 'campaigns' });
  fill(app.main, h('h1', {}, t('campaigns.title')), list);
  try {
    const { campaigns } = await request<{ campaigns: Campaign[] }>('GET', '/campaigns', undefined, app.session.token);
    const active = campaigns.filter((c) => c.status === 'active');
    if (active.length === 0) {
      fill(list, h('li', {}, t('campaigns.none')));
      return;
    }
    fill(
      list,
      active.map((c) => {
        const slug = encodeURIComponent(c.slug);
        const done = tutorialDone(app.session, c.id);
        return h(
          'li',
          { class: 'card' },
          h('h2', {}, c.name),
          h('p', {}, c.description),
          h(
            'div',
            { class: 'actions' },
            h('a', { class: 'button primary', href: done ? `#/c/${slug}/tag` : `#/c/${slug}/tutorial` }, t('campaigns.start')),
            h('a', { class: 'button', href: `#/c/${slug}/tutorial` }, t('campaigns.tutorial')),
          ),
        );
      }),
    );
  } catch (err) {
    app.announce(errorText(err));
  }
}

function helpOverlay(): HTMLDialogElement {
  const list = (key: string) => h('ul', {}, t(key).split('|').map((line) => h('li', {}, line)));
  const dialog = h(
    'dialog',
    { class: 'help', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title' }, t('help.title')),
    list('help.keys'),
    list('help.touch'),
    h('form', { method: 'dialog' }, h('button', { class: 'primary', value: 'close' }, t('help.close'))),
  );
  return dialog;
}

void initLang().then(() => render());
