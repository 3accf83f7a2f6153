// The analyst app: choose a campaign, then review its sites on a map over the campaign's
// imagery, and export them. A separate entry from the volunteer app, so volunteers never
// download it; a volunteer who arrives here is sent back to the volunteer app.
// Routes: #/ (campaigns), #/c/{slug} (review); signed out, the sign-in form.

import 'ol/ol.css';
import { type Frame, type Screen, startShell } from '../lib/shell';
import './style.css';

import english from '../i18n/analyst/en.json';
import { fill, h } from '../lib/dom';
import { addAppTables, t } from '../lib/i18n';
import { campaignsScreen } from './campaigns';
import { reviewScreen } from './screen';

addAppTables('analyst', english);

/** Who reviews sites: the sites API answers analysts and admins only. */
function isAnalyst(role: string): boolean {
  return role === 'analyst' || role === 'admin';
}

startShell({
  nav: () => [h('a', { href: '#/' }, t('analyst.nav.campaigns'))],
  route,
});

function route(frame: Frame, path: string): Screen | null {
  if (!isAnalyst(frame.session.user.role)) {
    fill(frame.main, h('p', { class: 'loading' }, t('analyst.not_staff')));
    location.replace('/');
    return null;
  }
  document.title = t('analyst.title');
  const m = path.match(/^\/c\/([^/?]+)$/);
  if (m) return reviewScreen(frame, decodeURIComponent(m[1]));
  void campaignsScreen(frame);
  return null;
}
