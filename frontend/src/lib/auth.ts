// The sign-in and sign-up form, the same for every role: a pseudonym and a password, nothing
// else asked.

import { type Session, signIn } from './api';
import { fill, h } from './dom';
import { errorText } from './errors';
import { t } from './i18n';

/** Draws the form into `main`; `onSignedIn` gets the new session once the server accepts it. */
export function authScreen(
  main: HTMLElement,
  status: HTMLElement,
  mode: 'login' | 'register',
  onSignedIn: (s: Session) => void,
): void {
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
          status.textContent = '';
          onSignedIn(s);
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
