// Languages and connection trouble: the Arabic page lays out right to left, the switcher
// changes language, and a submit whose connection drops ends with exactly one stored answer.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SLUG, registerVolunteer, signedInContext, snap, usePlatform } from './harness.mjs';

const env = usePlatform({ gold: 0 });

/**
 * Registers a volunteer and opens the tagging screen as them; `beforeOpen(page)` runs first (to
 * route the answer uploads). Returns the page and the id of the task on show.
 */
async function taggingAsNewVolunteer(handle, beforeOpen = async () => {}) {
  const session = await registerVolunteer(env.platform, handle);
  const context = await signedInContext(env.browser, session);
  const page = await context.newPage();
  await beforeOpen(page);
  await page.goto(`${env.platform.url}/#/c/${SLUG}/tag`);
  await page.waitForSelector('.task-screen[data-painted]');
  const taskId = Number(await page.locator('.task-screen').getAttribute('data-task'));
  return { token: session.token, context, page, taskId };
}

/** The volunteer's stored answers in the campaign: all of them, and those to `taskId`. */
async function storedAnswers(token, taskId) {
  const mine = await env.platform.api('GET', `/me/answers?campaign=${SLUG}`, undefined, token);
  return { all: mine.body.answers, forTask: mine.body.answers.filter((a) => a.task_id === taskId) };
}

test('the Arabic page lays out right to left; the switcher changes the language', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ar-SY' });
  const page = await context.newPage();
  await page.goto(`${env.platform.url}/#/signup`);
  await page.locator('form.auth').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  const heading = await page.locator('h1').textContent();
  assert.match(heading, /[\u0600-\u06FF]/, `an Arabic heading: ${heading}`);
  // Right to left: the brand sits at the right edge, the form's labels start at the right.
  const brand = await page.locator('.brand').boundingBox();
  assert.ok(brand.x > 640, `brand on the right: ${JSON.stringify(brand)}`);
  const label = await page.locator('label[for="handle"]').boundingBox();
  const input = await page.locator('#handle').boundingBox();
  assert.ok(label.x + label.width > input.x + input.width - 2, 'label aligned to the right edge of its input');
  await snap(page, '20-arabic-sign-up');

  // Sign up in Arabic, then tag with the Arabic interface.
  await page.locator('#handle').fill('متطوع-واحد');
  await page.locator('#password').fill('a-long-password-1');
  await page.locator('form.auth button[type="submit"]').click();
  await page.locator('ul.campaigns li.card').waitFor();
  await snap(page, '21-arabic-campaigns');
  await page.goto(`${env.platform.url}/#/c/${SLUG}/tag`);
  await page.waitForSelector('.task-screen[data-painted]');
  const submit = page.locator('button.submit');
  assert.match(await submit.textContent(), /[\u0600-\u06FF]/);
  const tools = await page.locator('.tools').boundingBox();
  const stage = await page.locator('.stage').boundingBox();
  assert.ok(tools.x < stage.x, 'tools on the left, image on the right, in a right-to-left page');
  await snap(page, '22-arabic-task');

  for (const [code, word] of [['fr', 'Envoyer'], ['es', 'Enviar'], ['en', 'Submit answer']]) {
    await page.getByRole('combobox').first().selectOption(code);
    await page.waitForFunction((c) => document.documentElement.lang === c, code);
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
    await page.waitForSelector('.task-screen[data-painted]');
    assert.ok((await page.locator('button.submit').textContent()).includes(word), `${code}: ${word}`);
  }
  await snap(page, '23-switched-back');
  await context.close();
});

test('a submit whose connection drops is retried and stored exactly once', async () => {
  let attempts = 0;
  const keys = [];
  const { token, context, page, taskId } = await taggingAsNewVolunteer('flaky-link', (p) =>
    p.route('**/api/v1/tasks/*/answers', async (route) => {
      attempts += 1;
      keys.push(JSON.parse(route.request().postData()).idempotency_key);
      if (attempts === 1) {
        // The server receives and stores the answer, but the reply never reaches the browser.
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    }),
  );
  await page.getByRole('button', { name: 'Nothing here' }).click();
  await page.getByRole('button', { name: 'Submit answer' }).click();
  await page.getByText(/Connection lost: 1 answer waiting/).waitFor();
  await snap(page, '24-connection-lost');
  await page.getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
  assert.equal(attempts, 2);
  assert.equal(keys[0], keys[1], 'the retry carries the same idempotency key');

  const { all, forTask } = await storedAnswers(token, taskId);
  assert.equal(forTask.length, 1, 'exactly one stored answer');
  assert.equal(forTask[0].kind, 'nothing_here');
  assert.equal(all.length, 1);
  await context.close();
});

test('an answer queued while offline survives a reload and is sent once', async () => {
  const { token, context, page, taskId } = await taggingAsNewVolunteer('offline-reload');
  await page.route('**/api/v1/tasks/*/answers', (route) => route.abort('internetdisconnected'));
  await page.getByRole('button', { name: "Can't tell" }).click();
  await page.getByRole('combobox', { name: "Why can't you tell?" }).selectOption('cloud');
  await page.getByRole('button', { name: 'Submit answer' }).click();
  await page.getByText(/Connection lost: 1 answer waiting/).waitFor();
  await page.unroute('**/api/v1/tasks/*/answers');
  await page.reload();
  await page.waitForSelector('.task-screen[data-painted]');
  await page.waitForFunction(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('tessera.outbox.'))) ?? '[]').length === 0);
  const { forTask } = await storedAnswers(token, taskId);
  assert.equal(forTask.length, 1);
  assert.equal(forTask[0].kind, 'cant_tell');
  assert.equal(forTask[0].reason, 'cloud');
  assert.notEqual(Number(await page.locator('.task-screen').getAttribute('data-task')), taskId, 'the answered task is not shown again');
  await context.close();
});
