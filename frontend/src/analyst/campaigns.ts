// The campaign picker: every campaign (staff see drafts and closed ones too), each opening its
// review screen.

import { type CampaignList, request } from '../lib/api';
import { fill, h } from '../lib/dom';
import { errorText } from '../lib/errors';
import { t } from '../lib/i18n';
import type { Frame } from '../lib/shell';

export async function campaignsScreen(frame: Frame): Promise<void> {
  const list = h('ul', { class: 'campaigns' });
  fill(frame.main, h('h1', {}, t('analyst.campaigns.title')), list);
  try {
    const { campaigns } = await request<CampaignList>('GET', '/campaigns', undefined, frame.session.token);
    if (campaigns.length === 0) {
      fill(list, h('li', {}, t('analyst.campaigns.none')));
      return;
    }
    fill(
      list,
      campaigns.map((c) =>
        h(
          'li',
          { class: 'card' },
          h('h2', {}, c.name),
          h('p', {}, c.description),
          h('p', { class: 'note' }, t('analyst.campaigns.status', { status: t(`analyst.campaign_status.${c.status}`) })),
          h('div', { class: 'actions' }, h('a', { class: 'button primary', href: `#/c/${encodeURIComponent(c.slug)}` }, t('analyst.campaigns.open'))),
        ),
      ),
    );
  } catch (err) {
    fill(list, h('li', { class: 'error', role: 'alert' }, errorText(err)));
  }
}
