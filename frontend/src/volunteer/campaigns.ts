// The campaign list: the active campaigns, each with a way into its tasks (through the tutorial
// the first time) and back to its tutorial.

import { type CampaignList, request } from '../lib/api';
import { fill, h } from '../lib/dom';
import { errorText } from '../lib/errors';
import { t } from '../lib/i18n';
import { type App, tutorialDone } from './app';

export async function campaignsScreen(app: App): Promise<void> {
  const list = h('ul', { class: 'campaigns' });
  fill(app.main, h('h1', {}, t('campaigns.title')), list);
  try {
    const { campaigns } = await request<CampaignList>('GET', '/campaigns', undefined, app.session.token);
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
