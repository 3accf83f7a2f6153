// An analyst's path through the analyst app, in Chromium, against a real server: volunteers
// answer the same tasks through the API with marks at the same spots, the consensus job turns
// them into sites, and the analyst signs in, filters, opens a site, confirms one and rejects
// another, and downloads an export that shows both reviews. Then accessibility (axe-core, in
// English and Arabic) and the map's speed with 100,000 sites, served in place of the export.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { SLUG, registerVolunteer, signedInContext, snap, usePlatform } from './harness.mjs';

const ANALYST = { handle: 'e2e-analyst', password: 'analyst-password-1', role: 'analyst' };
/** Two spots every volunteer marks on every task they get: a destroyed building and a crater. */
const SPOTS = [
  { x: 64, y: 64, class: 'destroyed' },
  { x: 190, y: 170, class: 'crater' },
];
const VOLUNTEERS = 3;
const TASKS_EACH = 2;
/** Generous bounds for the 100,000-site map on a shared CPU with software WebGL. */
const FIRST_RENDER_BUDGET_MS = 15_000;
const PAN_FRAME_BUDGET_MS = 400;

const env = usePlatform({ gold: 0, staff: [ANALYST], consensusInterval: 1 });

let analystSession = null;
let campaignId = null;
let siteCount = 0;

async function analystToken() {
  if (!analystSession) {
    const r = await env.platform.api('POST', '/auth/login', { handle: ANALYST.handle, password: ANALYST.password });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    analystSession = { token: r.body.token, expiresAt: r.body.expires_at, user: r.body.user };
  }
  return analystSession.token;
}

/** Volunteers answer through the API; resolves once the consensus job has made the sites. */
async function produceSites() {
  if (siteCount > 0) return siteCount;
  const { platform } = env;
  for (let v = 0; v < VOLUNTEERS; v++) {
    const s = await registerVolunteer(platform, `marker-${v}`);
    for (let k = 0; k < TASKS_EACH; k++) {
      const next = await platform.api('POST', `/campaigns/${SLUG}/next`, undefined, s.token);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      const task = next.body.task;
      const marks = SPOTS.map((m) => ({ x: (m.x * task.width) / 256, y: (m.y * task.height) / 256, class: m.class }));
      const r = await platform.api('POST', `/tasks/${task.id}/answers`, { idempotency_key: `m-${v}-${k}`, marks }, s.token);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  }
  const token = await analystToken();
  const campaign = await platform.api('GET', `/campaigns/${SLUG}`, undefined, token);
  campaignId = campaign.body.id;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await platform.api('GET', `/campaigns/${campaignId}/sites?page_size=1000`, undefined, token);
    if (r.status === 200 && r.body.sites.length >= 2) {
      siteCount = r.body.sites.length;
      return siteCount;
    }
    if (Date.now() > deadline) throw new Error(`no sites after 30 s: ${JSON.stringify(r)}\n${platform.log()}`);
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

async function reviewPage(locale = 'en') {
  await produceSites();
  await analystToken();
  const context = await signedInContext(env.browser, analystSession, { locale, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${env.platform.url}/analyst.html#/c/${SLUG}`);
  await page.waitForSelector('#site-map[data-drawn]', { timeout: 30_000 });
  return { context, page };
}

const options = (page) => page.locator('#site-list [role=option]');
const shown = async (page) => Number(await page.locator('#site-map').getAttribute('data-drawn'));

test('an analyst who signs in to the volunteer app lands on the analyst app; a volunteer is sent back', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en' });
  const page = await context.newPage();
  await page.goto(`${env.platform.url}/#/signin`);
  await page.getByLabel('Pseudonym').fill(ANALYST.handle);
  await page.getByLabel('Password').fill(ANALYST.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Choose a campaign to review' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/analyst.html');
  await page.getByRole('link', { name: 'Review sites' }).first().click();
  await page.locator('#site-map').waitFor();
  await context.close();

  const volunteer = await signedInContext(env.browser, await registerVolunteer(env.platform, 'wrong-door'));
  const vpage = await volunteer.newPage();
  await vpage.goto(`${env.platform.url}/analyst.html#/`);
  await vpage.getByRole('heading', { name: 'Choose a campaign' }).waitFor();
  assert.equal(new URL(vpage.url()).pathname, '/');
  await volunteer.close();
});

test('filter, open a site, confirm one and reject another, and export both reviews', async () => {
  const total = await produceSites();
  const { context, page } = await reviewPage();
  assert.equal(await shown(page), total);
  assert.equal(await page.locator('#site-count').textContent(), `${total} sites`);
  // Only a screenful of rows is ever drawn.
  assert.ok((await options(page).count()) <= total);

  // Filter by class: only craters, then every class again.
  await page.getByRole('checkbox', { name: 'Crater' }).check();
  await page.waitForFunction((n) => Number(document.querySelector('#site-map')?.dataset.drawn) < n, total);
  const craters = await shown(page);
  assert.ok(craters >= 1 && craters < total, `${craters} craters of ${total}`);
  for (const row of await options(page).all()) assert.match(await row.textContent(), /^Crater/);
  await page.getByRole('checkbox', { name: 'Crater' }).uncheck();
  await page.waitForFunction((n) => Number(document.querySelector('#site-map')?.dataset.drawn) === n, total);
  // A date interval that ends before the imagery's first day leaves nothing.
  await page.getByLabel('Damaged on or before').fill('2000-01-01');
  await page.waitForFunction(() => document.querySelector('#site-map')?.dataset.drawn === '0');
  await page.getByLabel('Damaged on or before').fill('');
  await page.waitForFunction((n) => Number(document.querySelector('#site-map')?.dataset.drawn) === n, total);

  // The keyboard: j to the first site, Enter opens it.
  await page.locator('#site-list').focus();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  const panel = page.locator('#site-panel');
  await panel.locator('#site-votes').waitFor();
  const first = await options(page).nth(0).getAttribute('data-site');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'site-title');
  assert.ok((await panel.locator('section[aria-labelledby=site-votes] tbody tr').count()) >= 2, 'votes listed');
  assert.match(await panel.locator('section[aria-labelledby=site-provenance]').textContent(), /Code version/);
  assert.ok((await panel.locator('.chip').count()) >= 1, 'a chip per frame');
  await snap(page, 'analyst-10-site-panel');

  // Confirm with a comment, through the panel's button.
  await page.getByLabel(/^Comment/).fill('Visible collapse in the after image.');
  await panel.getByRole('button', { name: 'Confirm', exact: true }).click();
  await panel.locator('tr[data-action=confirm]').waitFor();
  assert.equal(await panel.locator('[data-field=status]').textContent(), 'Confirmed');
  assert.match(await panel.locator('tr[data-action=confirm]').textContent(), /e2e-analyst.*Visible collapse/);
  await page.waitForSelector(`#site-list [data-site="${first}"][data-status=confirmed]`);

  // The next site with j, rejected with r.
  await page.locator('#site-list').focus();
  await page.keyboard.press('j');
  const second = await page.locator('#site-list [aria-selected=true]').getAttribute('data-site');
  assert.notEqual(second, first);
  await page.waitForSelector(`#site-panel[data-site="${second}"] section[aria-labelledby=review-title]`);
  await page.locator('#site-list').focus();
  await page.keyboard.press('r');
  await page.waitForSelector(`#site-list [data-site="${second}"][data-status=rejected]`);
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });

  // Export every status as GeoJSON and CSV: both reviews are in the files.
  await page.getByRole('checkbox', { name: 'Rejected' }).check();
  await page.waitForFunction((n) => Number(document.querySelector('#site-map')?.dataset.drawn) === n, total);
  const [geojson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'GeoJSON' }).click()]);
  const fc = JSON.parse(readFileSync(await geojson.path(), 'utf8'));
  assert.equal(fc.type, 'FeatureCollection');
  const status = new Map(fc.features.map((f) => [f.properties.id, f.properties.status]));
  assert.equal(status.get(first), 'confirmed');
  assert.equal(status.get(second), 'rejected');
  assert.match(geojson.suggestedFilename(), /\.geojson$/);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV' }).click()]);
  const text = readFileSync(await csv.path(), 'utf8');
  const rows = text.trim().split('\n');
  assert.ok(rows.some((r) => r.includes(first) && r.includes('confirmed')), 'confirmed site in the CSV');
  assert.ok(rows.some((r) => r.includes(second) && r.includes('rejected')), 'rejected site in the CSV');
  assert.ok(!text.includes(ANALYST.handle), 'no reviewer handle in the export');
  await page.waitForFunction(() => document.querySelector('#export-status')?.textContent?.includes('saved'));

  // Only-rejected: the list agrees.
  for (const s of ['Candidate', 'Confirmed']) await page.getByRole('checkbox', { name: s }).uncheck();
  await page.waitForFunction(() => document.querySelector('#site-map')?.dataset.drawn === '1');
  assert.equal(await options(page).first().getAttribute('data-site'), second);
  await context.close();
});

test('the analyst app passes axe-core on the map and the site panel, in English and Arabic', async () => {
  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const check = async (page, name) => {
    // Through the debugging protocol, which the page's Content-Security-Policy does not govern.
    await page.evaluate(axe);
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
      return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(result, [], `${name}: ${result.join('\n')}`);
  };
  for (const locale of ['en', 'ar']) {
    const { context, page } = await reviewPage(locale);
    if (locale === 'ar') assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await check(page, `${locale} map`);
    await page.locator('#site-list').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.locator('section[aria-labelledby=site-votes]').waitFor();
    await page.locator('button[data-action=merge]').click();
    await page.locator('#merge-box h4').waitFor();
    await check(page, `${locale} site panel`);
    await snap(page, `analyst-20-panel-${locale}`);
    await page.goto(`${env.platform.url}/analyst.html#/`);
    await page.locator('ul.campaigns li.card').waitFor();
    await check(page, `${locale} campaigns`);
    await context.close();
  }
});

/** A FeatureCollection of `n` sites scattered over Raqqa, as the export would send it. */
function manySites(n) {
  const classes = ['destroyed', 'severe', 'moderate', 'crater'];
  const features = [];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [38.95 + rand() * 0.1, 35.93 + rand() * 0.04] },
      properties: {
        id: `0190e0e0-0000-7000-8000-${String(i).padStart(12, '0')}`,
        class: classes[i % 4],
        confidence: rand(),
        support: rand(),
        status: 'candidate',
        damaged_after: '2017-05-08',
        damaged_before: '2017-10-30',
      },
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

test('100,000 sites: first render and a pan stay within generous bounds', async () => {
  const token = await analystToken();
  const body = manySites(100_000);
  const context = await signedInContext(env.browser, analystSession, { locale: 'en' });
  const page = await context.newPage();
  await page.route('**/api/v1/campaigns/*/export.geojson*', (route) =>
    route.fulfill({ status: 200, contentType: 'application/geo+json', body }),
  );
  assert.ok(token);
  const started = Date.now();
  await page.goto(`${env.platform.url}/analyst.html#/c/${SLUG}`);
  await page.waitForSelector('#site-map[data-drawn="100000"]', { timeout: 60_000 });
  const wall = Date.now() - started;
  const timing = await page.evaluate(() => window.__tesseraSites);
  console.log(
    `100,000 sites: page open to drawn ${wall} ms; export request to drawn ${Math.round(timing.drawnMs)} ms (fetch + parse ${Math.round(timing.fetchedMs)} ms)`,
  );
  assert.equal(timing.count, 100_000);
  assert.ok(timing.drawnMs < FIRST_RENDER_BUDGET_MS, `drawn after ${timing.drawnMs} ms`);
  // The list draws a screenful, never 100,000 rows.
  const rows = await options(page).count();
  assert.ok(rows > 0 && rows < 100, `${rows} rows in the DOM`);

  // Pan by dragging across the map while counting animation frames.
  const box = await page.locator('#site-map').boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__frames.length < 10_000 && !window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const before = await page.locator('#site-map').getAttribute('data-view');
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const t0 = Date.now();
  for (let i = 1; i <= 40; i++) await page.mouse.move(cx - i * 8, cy - i * 4);
  await page.mouse.up();
  const panMs = Date.now() - t0;
  await page.waitForFunction((v) => document.querySelector('#site-map')?.dataset.view !== v, before);
  const frames = await page.evaluate(() => {
    window.__stopFrames = true;
    const f = window.__frames;
    const gaps = f.slice(1).map((t, i) => t - f[i]);
    return { n: f.length, mean: gaps.reduce((a, b) => a + b, 0) / gaps.length, worst: Math.max(...gaps) };
  });
  console.log(
    `100,000 sites: pan of 40 moves in ${panMs} ms, ${frames.n} frames, mean frame ${frames.mean.toFixed(1)} ms, worst ${frames.worst.toFixed(1)} ms`,
  );
  assert.ok(frames.mean < PAN_FRAME_BUDGET_MS, `mean frame ${frames.mean} ms`);
  // The keyboard reaches the last of 100,000 sites.
  await page.locator('#site-list').focus();
  await page.keyboard.press('j');
  await page.keyboard.press('End');
  assert.equal(await page.locator('#site-list [aria-selected=true]').getAttribute('aria-posinset'), '100000');
  await snap(page, 'analyst-30-100k');
  await context.close();
});
