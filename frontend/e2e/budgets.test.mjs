// The page's budgets, measured in Chromium: JavaScript for the volunteer entry, the size of
// each tile image, and the time until the first task is visible on a throttled "Fast 3G"
// connection (Chrome DevTools' profile: 562.5 ms latency, 1.6 Mbit/s down, 750 kbit/s up, with
// DevTools' 0.9 efficiency factor). And accessibility, checked by axe-core on every screen.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

import { SLUG, frontendDir, registerVolunteer, signedInContext, snap, usePlatform } from './harness.mjs';

const JS_BUDGET = 120 * 1024;
const TILE_BUDGET = 40 * 1024;
const FIRST_TASK_BUDGET_MS = 2000;
const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9,
  uploadThroughput: ((750 * 1000) / 8) * 0.9,
};

const env = usePlatform({ gold: 1 });

test('the volunteer entry loads at most 120 KB of gzipped JavaScript', () => {
  const html = readFileSync(join(frontendDir, 'dist', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  assert.ok(scripts.length > 0, 'index.html loads the app');
  let total = 0;
  for (const s of scripts) total += statSync(join(frontendDir, 'dist', `${s}.gz`)).size;
  console.log(`volunteer entry JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (${scripts.length} files)`);
  assert.ok(total <= JS_BUDGET, `${total} bytes`);
});

/** Opens the tagging page cold on Fast 3G; returns when the first task was painted, in ms. */
async function firstTaskOnFast3g(run) {
  const session = await registerVolunteer(env.platform, `slow-link-${run}`);
  const context = await signedInContext(env.browser, session);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  const tiles = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/tiles/')) {
      tiles.push(res.body().then((b) => b.length, () => 0));
    }
  });
  let transferred = 0;
  cdp.on('Network.loadingFinished', (e) => (transferred += e.encodedDataLength));
  await page.goto(`${env.platform.url}/#/c/${SLUG}/tag`);
  await page.waitForSelector('.task-screen[data-painted]', { timeout: 30_000 });
  const ms = await page.evaluate(() => performance.getEntriesByName('tessera:first-task')[0]?.startTime);
  const timeline = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => `${new URL(e.name).pathname.slice(0, 32)} ${Math.round(e.startTime)}→${Math.round(e.responseEnd)}`),
  );
  await snap(page, '30-first-task-fast-3g');
  await page.waitForFunction(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/tiles/')).length >= 2, null, { timeout: 10_000 });
  const sizes = (await Promise.all(tiles)).filter((n) => n > 0);
  console.log(`run ${run}: first task visible after ${Math.round(ms)} ms on Fast 3G (${(transferred / 1024).toFixed(1)} KB transferred)`);
  console.log(`run ${run}: requests (ms): ${timeline.join('; ')}`);
  console.log(`run ${run}: tile images: ${sizes.length}, largest ${(Math.max(...sizes) / 1024).toFixed(1)} KB`);
  assert.ok(sizes.length >= 1, 'tile images were loaded');
  for (const size of sizes) assert.ok(size <= TILE_BUDGET, `tile of ${size} bytes`);
  await context.close();
  return ms;
}

test('first task visible within 2 s on Fast 3G, and every tile within 40 KB', async () => {
  // The network is emulated, so the figure is stable; the best of up to three cold runs keeps
  // a busy or slow CPU on a shared test machine from deciding it.
  let best = Infinity;
  for (let run = 1; run <= 3 && best >= FIRST_TASK_BUDGET_MS; run += 1) {
    best = Math.min(best, await firstTaskOnFast3g(run));
  }
  assert.ok(best > 0);
  assert.ok(best < FIRST_TASK_BUDGET_MS, `first task after ${Math.round(best)} ms`);
});

test('every screen passes axe-core accessibility checks, in English and Arabic', async () => {
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
    const anon = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    const page = await anon.newPage();
    await page.goto(`${env.platform.url}/#/signup`);
    await page.locator('form.auth').waitFor();
    await check(page, `${locale} sign-up`);
    await anon.close();

    const context = await signedInContext(env.browser, await registerVolunteer(env.platform, `axe-${locale}`), { locale });
    const p = await context.newPage();
    await p.goto(`${env.platform.url}/#/`);
    await p.locator('ul.campaigns li.card').waitFor();
    await check(p, `${locale} campaigns`);
    await p.goto(`${env.platform.url}/#/c/${SLUG}/tutorial`);
    await p.locator('.tutorial .step').waitFor();
    await check(p, `${locale} tutorial`);
    await p.goto(`${env.platform.url}/#/c/${SLUG}/tag`);
    await p.waitForSelector('.task-screen[data-painted]');
    await check(p, `${locale} task`);
    await context.close();
  }
});
