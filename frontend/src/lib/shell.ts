// The frame of every role's app: the session, the hash router, the page around each screen
// (skip link, header, main region, status line) and the sign-in and sign-up screens. An app
// gives its own links and screens; everything else, including what happens when a session
// expires, is the same for volunteers and staff.
//
// Routes are hashes: #/ and every other route need a session; without one they show the
// sign-in form, or the sign-up form on #/signup.

import './shell.css';

import { type Session, loadSession, saveSession, setUnauthorizedHandler, signOutOnServer } from './api';
import { authScreen } from './auth';
import { fill, h } from './dom';
import { header } from './header';
import { initLang, t } from './i18n';

/** A screen on show; destroyed before the next route is drawn. */
export interface Screen {
  destroy(): void;
}

/** What a signed-in screen draws into. */
export interface Frame {
  session: Session;
  main: HTMLElement;
  /** The header's slot for live figures. */
  stats: HTMLElement;
  /** Text for the status line (announced politely to screen readers). */
  announce: (text: string) => void;
}

export interface ShellOptions {
  /** The app's header links for a signed-in user. */
  nav: () => HTMLElement[];
  /** Elements after the status line on every page, signed in or not (the app's dialogs). */
  overlays?: () => HTMLElement[];
  /** Draws the signed-in screen of `route` (the hash without `#`; `/` when there is none). */
  route: (frame: Frame, route: string) => Screen | null;
  /**
   * Someone signed in or out: drop what belonged to the previous account. Not called when a
   * session expires, since the same person usually signs straight back in.
   */
  onAccountChange?: () => void;
}

export interface Shell {
  /** The signed-in user's session, if any. */
  readonly session: Session | null;
  /** Draws the current route again, with `flash` on the status line. */
  render(flash?: string): void;
}

/** Starts the app in `#app`, once the user's language is loaded. */
export function startShell(options: ShellOptions): Shell {
  const root = document.getElementById('app') as HTMLElement;
  let session: Session | null = loadSession();
  let screen: Screen | null = null;
  /** The route that was on show when the session expired, to return to after signing in. */
  let flashTarget: string | null = null;

  const signOut = () => {
    if (session) signOutOnServer(session.token);
    saveSession(null);
    session = null;
    options.onAccountChange?.();
    location.hash = '#/';
    render();
  };

  const signedIn = (s: Session) => {
    saveSession(s);
    session = s;
    options.onAccountChange?.();
    const target = flashTarget && flashTarget !== '#/signup' ? flashTarget : '#/';
    flashTarget = null;
    if (location.hash === target) render();
    else location.hash = target;
  };

  function render(flash?: string): void {
    screen?.destroy();
    screen = null;
    const status = h('p', { class: 'status', id: 'status', role: 'status', 'aria-live': 'polite' });
    const main = h('main', { id: 'main', tabindex: -1 });
    const top = header({ signedIn: session !== null, nav: options.nav, onSignOut: signOut, onLanguage: () => render() });
    fill(
      root,
      h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, t('nav.skip')),
      top.el,
      main,
      status,
      options.overlays?.() ?? [],
    );
    if (flash) status.textContent = flash;
    const route = location.hash.replace(/^#/, '') || '/';
    if (!session) {
      authScreen(main, status, route === '/signup' ? 'register' : 'login', signedIn);
      return;
    }
    screen = options.route({ session, main, stats: top.stats, announce: (text) => (status.textContent = text) }, route);
  }

  setUnauthorizedHandler(() => {
    saveSession(null);
    session = null;
    flashTarget = location.hash;
    location.hash = '#/';
    render(t('error.session_expired'));
  });
  window.addEventListener('hashchange', () => render());
  void initLang().then(() => render());

  return {
    get session() {
      return session;
    },
    render,
  };
}
