// The tutorial: how to compare, how to mark, the damage classes with example tiles from the
// campaign's practice tiles, and one practice tile with feedback.

import { type Campaign, type Receipt, type Tutorial, request } from '../lib/api';
import { fill, h } from '../lib/dom';
import { errorText } from '../lib/errors';
import { className, t } from '../lib/i18n';
import { type App, markTutorialDone } from './app';
import { CLASS_COLOURS } from './tagger';
import { TaskScreen, feedbackText } from './task';

export function tutorialScreen(app: App, slug: string): { destroy(): void } {
  let practice: TaskScreen | null = null;
  let destroyed = false;
  const section = h('section', { class: 'tutorial card', 'aria-labelledby': 'tutorial-title' });
  fill(app.main, section);
  const token = app.session.token;
  const key = encodeURIComponent(slug);
  const data = Promise.all([
    request<Campaign>('GET', `/campaigns/${key}`, undefined, token),
    request<Tutorial>('GET', `/campaigns/${key}/tutorial`, undefined, token),
  ]);

  const finish = (campaign: Campaign) => {
    markTutorialDone(app.session, campaign.id);
    location.hash = `#/c/${key}/tag`;
  };

  const step = (n: number, campaign: Campaign, tutorial: Tutorial) => {
    if (destroyed) return;
    practice?.destroy();
    practice = null;
    const nav = (...buttons: (HTMLElement | null)[]) => h('div', { class: 'actions' }, buttons);
    const back = n > 1 ? h('button', { type: 'button', onclick: () => step(n - 1, campaign, tutorial) }, t('tutorial.back')) : null;
    const next = (label = t('tutorial.next')) =>
      h('button', { type: 'button', class: 'primary', onclick: () => step(n + 1, campaign, tutorial) }, label);
    const title = (text: string) => h('h1', { id: 'tutorial-title', tabindex: -1 }, text);
    const progress = h('p', { class: 'step' }, `${n} / 4`);
    if (n === 1) {
      fill(section, progress, title(t('tutorial.step1.title')), h('p', {}, t('tutorial.step1.body')), nav(next()));
    } else if (n === 2) {
      fill(section, progress, title(t('tutorial.step2.title')), h('p', {}, t('tutorial.step2.body')), nav(back, next()));
    } else if (n === 3) {
      const items = tutorial.classes.map((c, i) => {
        const ex = c.example;
        const figure = ex
          ? h(
              'figure',
              { class: 'example' },
              h(
                'div',
                { class: 'example-tile' },
                h('img', {
                  src: ex.tile_url,
                  width: ex.width,
                  height: ex.height,
                  alt: t('tutorial.example_alt', { class: className(c.class) }),
                  loading: 'lazy',
                }),
                h('span', {
                  class: 'ring',
                  style: `left: ${(100 * ex.x) / ex.width}%; top: ${(100 * ex.y) / ex.height}%; --swatch: ${CLASS_COLOURS[i % CLASS_COLOURS.length]}`,
                  'aria-hidden': 'true',
                }),
              ),
            )
          : h('p', { class: 'note' }, t('tutorial.no_example'));
        const desc = t(`classdesc.${c.class}`);
        return h(
          'li',
          { class: 'class-card', style: `--swatch: ${CLASS_COLOURS[i % CLASS_COLOURS.length]}` },
          h('h2', {}, h('kbd', {}, String(i + 1)), ' ', className(c.class)),
          desc === `classdesc.${c.class}` ? null : h('p', {}, desc),
          figure,
        );
      });
      const last = tutorial.practice_tasks > 0 ? next(t('tutorial.practice_start')) : next();
      fill(section, progress, title(t('tutorial.step3.title')), h('ul', { class: 'class-cards' }, items), nav(back, last));
    } else {
      const holder = h('div', { class: 'practice' });
      const done = (receipt: Receipt | null) => {
        const text = receipt?.feedback ? feedbackText(receipt.feedback) : t('tutorial.practice.none');
        fill(
          section,
          progress,
          title(receipt?.feedback ? t('feedback.title') : t('tutorial.practice.title')),
          h('p', { class: 'feedback-text', role: 'status' }, text),
          nav(h('button', { type: 'button', class: 'primary', onclick: () => finish(campaign) }, t('tutorial.start'))),
        );
      };
      if (tutorial.practice_tasks === 0) {
        done(null);
        return;
      }
      fill(section, progress, title(t('tutorial.practice.title')), h('p', {}, t('tutorial.practice.body')), holder);
      practice = new TaskScreen(app, slug, { practice: true, container: holder, onPracticeAnswered: done });
    }
    (section.querySelector('h1') as HTMLElement | null)?.focus();
  };

  data
    .then(([campaign, tutorial]) => step(1, campaign, tutorial))
    .catch((err) => app.announce(errorText(err)));

  return {
    destroy() {
      destroyed = true;
      practice?.destroy();
    },
  };
}
