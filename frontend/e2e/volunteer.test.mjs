// A volunteer's whole path through the app, in Chromium, against a real server: sign up, the
// tutorial and its practice tile, tasks tagged with the mouse, with the keyboard only and on a
// phone with touch; then the stored answers are read back through the API.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SLUG, snap, usePlatform } from './harness.mjs';

const VOLUNTEER = { handle: 'volunteer-one', password: 'a-long-password-1' };
/** Raqqa frame bounds (demo/README.md), slightly widened. */
const RAQQA = { lon: [38.93, 39.07], lat: [35.92, 35.98] };

const env = usePlatform({ gold: 1 });

/** Signs VOLUNTEER in through the sign-in form and waits for the campaign list. */
async function signInWithTheForm(page) {
  await page.goto(`${env.platform.url}/#/signin`);
  await page.getByLabel('Pseudonym').fill(VOLUNTEER.handle);
  await page.getByLabel('Password').fill(VOLUNTEER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Choose a campaign' }).waitFor();
}

/** Waits until a task other than `previous` is painted; returns its id. */
async function nextTask(page, previous = null) {
  await page.waitForFunction(
    (prev) => {
      const el = document.querySelector('.task-screen');
      return el && el.dataset.painted && el.dataset.painted === el.dataset.task && el.dataset.task !== prev;
    },
    previous === null ? null : String(previous),
    { timeout: 15_000 },
  );
  return Number(await page.locator('.task-screen').getAttribute('data-task'));
}

/** Screen position of tile pixel (x, y) in the after map, as the view fits the tile. */
async function screenAt(page, x, y) {
  const map = page.getByRole('application');
  const box = await map.boundingBox();
  const w = Number(await map.getAttribute('data-width'));
  const h = Number(await map.getAttribute('data-height'));
  const res = Math.max(w / (box.width - 8), h / (box.height - 8));
  return { x: box.x + box.width / 2 + (x - w / 2) / res, y: box.y + box.height / 2 + (y - h / 2) / res };
}

async function clickTile(page, x, y) {
  const p = await screenAt(page, x, y);
  await page.mouse.click(p.x, p.y);
}

async function myAnswers() {
  const login = await env.platform.api('POST', '/auth/login', VOLUNTEER);
  assert.equal(login.status, 200);
  const r = await env.platform.api('GET', `/me/answers?campaign=${SLUG}&limit=100`, undefined, login.body.token);
  assert.equal(r.status, 200);
  return new Map(r.body.answers.map((a) => [a.task_id, a]));
}

function near(mark, x, y, tolerance = 3) {
  return Math.abs(mark.x - x) <= tolerance && Math.abs(mark.y - y) <= tolerance;
}

function inRaqqa(mark) {
  return mark.lon > RAQQA.lon[0] && mark.lon < RAQQA.lon[1] && mark.lat > RAQQA.lat[0] && mark.lat < RAQQA.lat[1];
}

test('a new volunteer signs up, learns, and tags with the mouse and the keyboard', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${env.platform.url}/#/signup`);
  await snap(page, '01-sign-up');
  await page.getByLabel('Pseudonym').fill(VOLUNTEER.handle);
  await page.getByLabel('Password').fill(VOLUNTEER.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Choose a campaign' }).waitFor();
  await snap(page, '02-campaigns');

  // The tutorial: how to compare, how to mark, the classes with an example, a practice tile.
  await page.getByRole('link', { name: 'Start tagging' }).click();
  await page.getByRole('heading', { name: 'Compare before and after' }).waitFor();
  await snap(page, '03-tutorial-compare');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Mark each damaged spot' }).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'The damage classes' }).waitFor();
  const example = page.getByRole('img', { name: /Example of Destroyed/ });
  await example.waitFor();
  assert.ok(await example.evaluate((img) => img.complete && img.naturalWidth > 0), 'the example tile loads');
  await snap(page, '04-tutorial-classes');
  await page.getByRole('button', { name: 'Try a practice tile' }).click();
  const practiceId = await nextTask(page);
  assert.equal(practiceId, env.platform.goldTasks[0].id, 'the practice tile is the gold task');
  assert.ok(await page.getByText('Practice', { exact: true }).isVisible());
  for (const m of env.platform.goldTasks[0].marks) await clickTile(page, m.x, m.y);
  await page.getByRole('button', { name: 'Mark 2: Destroyed' }).waitFor();
  await snap(page, '05-practice');
  await page.getByRole('button', { name: 'Submit answer' }).click();
  await page.getByText('You marked 2 of the 2 known damage sites on this practice tile.').waitFor();
  await snap(page, '06-practice-feedback');
  await page.getByRole('button', { name: 'Start tagging' }).click();

  // Task A, with the mouse: three marks of three classes, one moved, one placed and deleted.
  const a = await nextTask(page);
  await clickTile(page, 60, 60);
  await page.getByRole('button', { name: /Crater/ }).click();
  await clickTile(page, 150, 150);
  await page.getByRole('button', { name: /Severe damage/ }).click();
  await clickTile(page, 200, 40);
  const from = await screenAt(page, 60, 60);
  const to = await screenAt(page, 80, 90);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  await clickTile(page, 30, 200);
  const fourth = page.getByRole('button', { name: 'Mark 4: Severe damage' });
  await fourth.waitFor();
  assert.equal(await fourth.getAttribute('aria-pressed'), 'false', 'a new mark is not selected');
  await clickTile(page, 30, 200);
  await page.waitForFunction(() => document.querySelectorAll('.mark-item[aria-pressed="true"]').length === 1);
  assert.equal(await fourth.getAttribute('aria-pressed'), 'true', 'clicking a mark selects it');
  await page.getByRole('button', { name: 'Delete mark' }).click();
  await page.getByText('3 marks').waitFor();
  await snap(page, '07-task-marks');
  await page.getByRole('button', { name: 'Submit answer' }).click();

  // Two more tasks marked with the mouse, one and two marks.
  const a2 = await nextTask(page, a);
  await page.getByRole('button', { name: /Moderate damage/ }).click();
  await clickTile(page, 128, 64);
  await page.getByRole('button', { name: 'Submit answer' }).click();
  const a3 = await nextTask(page, a2);
  await clickTile(page, 40, 220);
  await clickTile(page, 220, 40);
  await page.getByText('2 marks').waitFor();
  await page.getByRole('button', { name: 'Submit answer' }).click();

  // Task B: nothing here.
  const b = await nextTask(page, a3);
  await page.getByRole('button', { name: 'Nothing here' }).click();
  assert.equal(await page.getByRole('button', { name: 'Nothing here' }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Submit answer' }).click();

  // Task C, with the keyboard only: class keys, the arrow cursor, Space, undo, help, Enter.
  const c = await nextTask(page, b);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'application', 'the tile has focus');
  await page.keyboard.press('2');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await page.keyboard.press('4');
  await page.keyboard.press('Shift+ArrowUp');
  await page.keyboard.press('Shift+ArrowUp');
  await page.keyboard.press('Space');
  await page.keyboard.press('z');
  await page.getByText('1 mark', { exact: true }).waitFor();
  await page.keyboard.press('Space');
  await page.getByText('2 marks').waitFor();
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard and touch' }).waitFor();
  await snap(page, '08-help');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Keyboard and touch' }).waitFor({ state: 'hidden' });
  await snap(page, '09-task-keyboard');
  await page.keyboard.press('Enter');
  const d = await nextTask(page, c);
  assert.ok(d > 0);
  await page.getByText('Saved', { exact: true }).waitFor();
  await page.getByText('Your answers: 6').waitFor();

  const answers = await myAnswers();
  const practice = answers.get(practiceId);
  assert.equal(practice.kind, 'marks');
  assert.equal(practice.marks.length, 2);
  for (const m of env.platform.goldTasks[0].marks) assert.ok(practice.marks.some((x) => near(x, m.x, m.y)), `practice mark near ${m.x},${m.y}`);

  const ans = answers.get(a);
  assert.equal(ans.kind, 'marks');
  assert.equal(ans.marks.length, 3, JSON.stringify(ans.marks));
  const byClass = Object.fromEntries(ans.marks.map((m) => [m.class, m]));
  assert.ok(near(byClass.destroyed, 80, 90), `moved mark: ${JSON.stringify(byClass.destroyed)}`);
  assert.ok(near(byClass.crater, 150, 150), JSON.stringify(byClass.crater));
  assert.ok(near(byClass.severe, 200, 40), JSON.stringify(byClass.severe));
  assert.ok(ans.marks.every(inRaqqa), 'marks are stored in WGS84 over Raqqa');
  assert.ok(ans.duration_ms > 0);

  assert.deepEqual(answers.get(a2).marks.map((m) => [Math.round(m.x / 4), Math.round(m.y / 4), m.class]), [[32, 16, 'moderate']]);
  assert.equal(answers.get(a3).marks.length, 2);
  assert.ok(answers.get(a3).marks.every((m) => m.class === 'moderate'), 'the chosen class stays chosen');

  assert.equal(answers.get(b).kind, 'nothing_here');
  assert.equal(answers.get(b).marks.length, 0);

  const kb = answers.get(c);
  assert.equal(kb.kind, 'marks');
  assert.deepEqual(kb.marks.map((m) => m.class).sort(), ['crater', 'severe']);
  const severe = kb.marks.find((m) => m.class === 'severe');
  const crater = kb.marks.find((m) => m.class === 'crater');
  assert.ok(severe.x > 128 + 10 && Math.abs(severe.y - 128) <= 1, `cursor moved right: ${JSON.stringify(severe)}`);
  assert.ok(Math.abs(crater.x - severe.x) <= 1 && crater.y < severe.y - 30, `then up: ${JSON.stringify(crater)}`);
  assert.equal(answers.size, 6, 'exactly the six answers given');
  assert.equal(new Set([practiceId, a, a2, a3, b, c]).size, 6, 'never the same task twice');
  assert.deepEqual(errors, []);
  await context.close();
});

test('on a phone: pinch to zoom, tap to mark, long-press to delete, toggle the before image', async () => {
  const context = await env.browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
  });
  const page = await context.newPage();
  await signInWithTheForm(page);
  await page.goto(`${env.platform.url}/#/c/${SLUG}/tag`);
  const before = await myAnswers();
  const id = await nextTask(page);
  assert.ok(!before.has(id), 'never a task this volunteer answered');
  assert.equal(await page.locator('.pane').count(), 1, 'one image at a time on a narrow screen');

  const cdp = await context.newCDPSession(page);
  const tap = async (x, y) => {
    const p = await screenAt(page, x, y);
    await page.touchscreen.tap(p.x, p.y);
  };
  const longPress = async (x, y) => {
    const p = await screenAt(page, x, y);
    const point = [{ x: p.x, y: p.y, id: 1 }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point });
    await page.waitForTimeout(900);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  };
  // Pinch to zoom in, then back out.
  const pinch = async (from, to) => {
    const box = await page.getByRole('application').boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const points = (d) => [
      { x: cx - d, y: cy, id: 1 },
      { x: cx + d, y: cy, id: 2 },
    ];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(from) });
    for (let i = 1; i <= 8; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(from + ((to - from) * i) / 8) });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForTimeout(600);
    return Number(await page.getByRole('application').getAttribute('data-resolution'));
  };
  const fitted = Number(await page.getByRole('application').getAttribute('data-resolution'));
  const zoomed = await pinch(30, 120);
  assert.ok(zoomed < fitted / 2, `pinch zooms in: ${fitted} → ${zoomed}`);
  const back = await pinch(120, 30);
  assert.ok(back > zoomed * 2, `and out: ${zoomed} → ${back}`);
  // A reload shows the same task (its lease is held), fitted to the screen again.
  await page.reload();
  assert.equal(await nextTask(page), id);

  await tap(64, 64);
  await page.getByText('1 mark', { exact: true }).waitFor();
  await tap(192, 192);
  await page.getByText('2 marks').waitFor();
  await longPress(64, 64);
  await page.getByText('1 mark', { exact: true }).waitFor();
  // Focus stays on the toggle for both pictures, so only the image can differ.
  const map = page.getByRole('application');
  await page.getByRole('button', { name: 'Show before' }).tap();
  await page.getByRole('button', { name: 'Show after' }).waitFor();
  await page.waitForTimeout(300);
  const beforePixels = await map.screenshot();
  assert.equal(await page.locator('.pane figcaption').textContent(), 'Before');
  await snap(page, '10-phone-before');
  await page.getByRole('button', { name: 'Show after' }).tap();
  await page.getByRole('button', { name: 'Show before' }).waitFor();
  await page.waitForTimeout(300);
  assert.notDeepEqual(await map.screenshot(), beforePixels, 'the toggle switches between two images');
  await snap(page, '11-phone-task');
  await page.getByRole('button', { name: 'Submit answer' }).tap();
  await nextTask(page, id);
  await page.getByText('Saved', { exact: true }).waitFor();

  const answer = (await myAnswers()).get(id);
  assert.equal(answer.kind, 'marks');
  assert.equal(answer.marks.length, 1, JSON.stringify(answer.marks));
  assert.ok(near(answer.marks[0], 192, 192, 4), JSON.stringify(answer.marks[0]));
  await context.close();
});

test('after a long stretch the app suggests a break, and resumes when asked', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en' });
  const page = await context.newPage();
  await signInWithTheForm(page);
  // ?break=0.02 stands for 45 minutes: a break is due after 1.2 s of tagging.
  await page.goto(`${env.platform.url}/?break=0.02#/c/${SLUG}/tag`);
  const id = await nextTask(page);
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Nothing here' }).click();
  await page.getByRole('button', { name: 'Submit answer' }).click();
  await page.getByRole('heading', { name: 'Time for a break?' }).waitFor();
  await snap(page, '12-break');
  await page.getByRole('button', { name: 'Take a break' }).click();
  await page.getByText('Paused. Come back whenever you are ready.').waitFor();
  await page.getByRole('button', { name: 'Resume' }).click();
  const next = await nextTask(page, id);
  assert.notEqual(next, id);
  await context.close();
});
