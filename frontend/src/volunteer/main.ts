// The volunteer app: choose a campaign, learn the classes, tag tiles. Signing in, the header and
// the router are the shell's (lib/shell.ts); this entry adds the volunteer's screens, the
// outbox that carries answers and the counts in the header.
// Routes: #/ (campaigns), #/c/{slug}/tutorial, #/c/{slug}/tag; signed out, the sign-in form.
// An analyst or admin who signs in here is sent to the analyst app (analyst.html).

import 'ol/ol.css';
// The shell's styles come before the volunteer's, which build on them.
import { type Frame, type Screen, startShell } from '../lib/shell';
import './style.css';

import { type MyStats, type NextTask, type Progress, type Session, request, uploadAnswer } from '../lib/api';
import { fill, h } from '../lib/dom';
import { t } from '../lib/i18n';
import type { App } from './app';
import { campaignsScreen } from './campaigns';
import { Outbox, type PendingAnswer } from './outbox';
import { TaskScreen } from './task';
import { tutorialScreen } from './tutorial';

declare global {
  interface Window {
    /** Started by index.html before this code loads: the first task, fetched in parallel. */
    __tesseraBoot?: { slug: string; next: Promise<NextTask | null> };
  }
}

let outbox: Outbox | null = null;
let help: HTMLDialogElement | null = null;
let answers = 0;

const shell = startShell({
  nav: () => [h('a', { href: '#/' }, t('nav.campaigns'))],
  overlays: () => [(help = helpOverlay())],
  route,
  onAccountChange: () => {
    outbox = null;
  },
});
window.addEventListener('online', () => void outbox?.flush());

function outboxFor(s: Session): Outbox {
  if (!outbox) {
    const send = (item: PendingAnswer) => uploadAnswer(item.taskId, { idempotency_key: item.key, ...item.body }, s.token);
    outbox = new Outbox(send, localStorage, `tessera.outbox.${s.user.id}`);
    void outbox.flush();
  }
  return outbox;
}

function route(frame: Frame, path: string): Screen | null {
  // Analysts review sites on their own page, a separate download.
  const role = frame.session.user.role;
  if (role === 'analyst' || role === 'admin') {
    location.replace('/analyst.html');
    return null;
  }
  const app: App = {
    ...frame,
    outbox: outboxFor(frame.session),
    help: () => help?.showModal(),
    get answers() {
      return answers;
    },
    set answers(n: number) {
      answers = n;
    },
    refreshStats,
  };
  const m = path.match(/^\/c\/([^/]+)\/(tutorial|tag)$/);
  if (m) {
    const slug = decodeURIComponent(m[1]);
    void refreshStats(slug);
    return m[2] === 'tutorial' ? tutorialScreen(app, slug) : new TaskScreen(app, slug, false);
  }
  void refreshStats(null);
  void campaignsScreen(app);
  return null;
}

async function refreshStats(slug: string | null): Promise<void> {
  if (!shell.session) return;
  const token = shell.session.token;
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

function helpOverlay(): HTMLDialogElement {
  const list = (key: string) => h('ul', {}, t(key).split('|').map((line) => h('li', {}, line)));
  return h(
    'dialog',
    { class: 'help', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title' }, t('help.title')),
    list('help.keys'),
    list('help.touch'),
    h('form', { method: 'dialog' }, h('button', { class: 'primary', value: 'close' }, t('help.close'))),
  );
}
