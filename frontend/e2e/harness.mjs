// A real Tessera platform for browser tests: the `tessera` binary on a temporary SQLite
// database, set up with the same commands the README gives (an account, a campaign, the two
// Raqqa frames ingested as a before/after pair), and Debian's Chromium driven by
// playwright-core.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, '..');
const repo = resolve(frontendDir, '..');
const bin = process.env.TESSERA_BIN ?? join(repo, 'target', 'debug', 'tessera');
const shared = process.env.TESSERA_SHARED ?? resolve(repo, '..', 'shared');
const frames = join(shared, 'data', 'raqqa-sentinel2');
export const artefacts = join(frontendDir, 'test-results');
mkdirSync(artefacts, { recursive: true });

export const COORDINATOR = { handle: 'e2e-coordinator', password: 'coordinator-password-1' };
export const SLUG = 'raqqa-e2e';

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

function run(args, input) {
  const r = spawnSync(bin, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tessera ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Starts a server with a campaign of the two Raqqa frames; `gold` practice tiles are set.
 * `staff` accounts ({handle, password, role}) are added with the command line first, and the
 * consensus job runs every `consensusInterval` seconds (0: never).
 */
export async function startPlatform({ gold = 1, staff = [], consensusInterval = 0 } = {}) {
  if (!existsSync(bin)) throw new Error(`no tessera binary at ${bin}: run \`cargo build -p tessera-server\` first (or set TESSERA_BIN)`);
  if (!existsSync(join(frontendDir, 'dist', 'index.html'))) throw new Error('frontend not built: run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', dataDir];
  run(['user', 'add', '--handle', COORDINATOR.handle, '--role', 'coordinator', ...common], `${COORDINATOR.password}\n`);
  for (const user of staff) run(['user', 'add', '--handle', user.handle, '--role', user.role, ...common], `${user.password}\n`);
  const server = spawn(
    bin,
    ['serve', '--bind', `127.0.0.1:${port}`, '--frontend-dir', join(frontendDir, 'dist'), '--consensus-interval', String(consensusInterval), ...common],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  let log = '';
  server.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async (method, path, body, token) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    return { status: res.status, body: json };
  };
  const login = await api('POST', '/auth/login', COORDINATOR);
  if (login.status !== 200) throw new Error(`coordinator login: ${JSON.stringify(login)}`);
  const token = login.body.token;
  const created = await api('POST', '/campaigns', { slug: SLUG, name: 'Raqqa 2017', description: 'Compare May and October 2017.', status: 'active' }, token);
  if (created.status !== 201) throw new Error(`campaign: ${JSON.stringify(created)}`);
  run(['ingest', '--campaign', SLUG, '--captured-at', '2017-05-08', '--reference-only', join(frames, 'raqqa_s2l2a_2017-05-08.tif'), ...common]);
  run(['ingest', '--campaign', SLUG, '--captured-at', '2017-10-30', join(frames, 'raqqa_s2l2a_2017-10-30.tif'), ...common]);
  const goldTasks = [];
  for (let i = 0; i < gold; i++) {
    const next = await api('POST', `/campaigns/${SLUG}/next`, undefined, token);
    const task = next.body.task;
    const known = { marks: [{ x: 100, y: 120, class: 'destroyed' }, { x: 200, y: 60, class: 'crater' }] };
    const set = await api('PUT', `/tasks/${task.id}/gold`, known, token);
    if (set.status !== 200) throw new Error(`gold: ${JSON.stringify(set)}`);
    goldTasks.push({ id: task.id, ...known });
  }
  return {
    url,
    dataDir,
    api,
    coordinatorToken: token,
    goldTasks,
    log: () => log,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What the pages' Content-Security-Policy refused, across every page of every browser this
 * harness launched: the app must work under its policy, so any refusal fails the file's tests.
 */
export const cspViolations = [];

function watchPolicy(context) {
  context.on('page', (page) => {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    });
  });
  return context;
}

export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => watchPolicy(await newContext(...args));
  return browser;
}

/** Saves a screenshot of the page as a test artefact. */
export async function snap(page, name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}

/**
 * Starts a platform and a browser before a test file's tests and stops both after them.
 * The returned object's `platform` and `browser` are set once the `before` hook has run.
 */
export function usePlatform(options) {
  const env = { platform: null, browser: null };
  before(async () => {
    env.platform = await startPlatform(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.platform?.stop();
    if (cspViolations.length) {
      throw new Error(`the Content-Security-Policy refused:\n${cspViolations.join('\n')}`);
    }
  });
  return env;
}

/** Registers a volunteer through the API; returns the session as the app stores it. */
export async function registerVolunteer(platform, handle, password = 'a-long-password-1') {
  const r = await platform.api('POST', '/auth/register', { handle, password });
  if (r.status !== 201) throw new Error(`register ${handle}: ${JSON.stringify(r)}`);
  return { token: r.body.token, expiresAt: r.body.expires_at, user: r.body.user };
}

/** A browser context signed in as `session`: the app finds it in localStorage at start. */
export async function signedInContext(browser, session, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en', ...options });
  await context.addInitScript((s) => {
    localStorage.setItem('tessera.session', JSON.stringify(s));
    localStorage.setItem('tessera.token', s.token);
  }, session);
  return context;
}
