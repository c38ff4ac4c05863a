// Browser test: the connection state. When the daemon goes away the page says
// it is offline and keeps trying; when it is back the page reconnects by
// itself, subscribes again with `since` = the last seq it saw, and shows the
// member who joined while it was away, exactly once.
//
// The member joins through a second daemon on another port over the same
// data directory, so the page cannot possibly see it live: only the replay
// after `since` can bring it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, freePort, launchBrowser, watchPage, RtClient,
  DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let port;
let daemon;
let browser;
let context;
let page;
let watch;
const sent = []; // requests the page sent on its WebSockets

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  port = await freePort();
  daemon = await startDaemon({ dataDir, port });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  page = await context.newPage();
  watch = await watchPage(page);
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => {
      try {
        sent.push(JSON.parse(String(frame.payload)));
      } catch (e) { /* not ours */ }
    });
  });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

const members = () => page.locator('#member-list li.member');
const state = () => page.locator('#conn-status').getAttribute('data-state');

test('maria signs in and opens Valley', async () => {
  await page.goto(daemon.url + '/#/c/valley');
  await page.getByLabel('Email').fill('maria@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('h1', { hasText: 'Valley Shared Services Alliance' }).waitFor();
  await page.locator('#member-list li.member', { hasText: 'Luis Ortega' }).waitFor();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  const sub = sent.find((m) => m.op === 'coalition.subscribe');
  assert.ok(sub, 'the page subscribed to the coalition');
  assert.equal(sub.args.coalition, 'valley');
});

test('the page shows offline while the daemon is down, then catches up with since', async () => {
  const before = await members().count();

  // The daemon goes away: the page says so and keeps trying.
  const stopped = await daemon.stop();
  daemon = null;
  assert.equal(stopped.code, 0, `daemon exits 0 on SIGTERM (got ${JSON.stringify(stopped)})`);
  await page.locator('#conn-status[data-state="offline"]').waitFor();
  assert.match(await page.locator('#conn-text').textContent(), /Offline/);
  await page.locator('#conn-retry').waitFor();

  // Meanwhile, on another port over the same data, Pat is invited and joins.
  const other = await startDaemon({ dataDir, port: await freePort() });
  try {
    const conv = await RtClient.connect(other.url);
    await conv.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
    const inv = await conv.request('member.invite',
      { coalition: 'valley', email: 'pat@example.test', name: 'Pat Quinn', roles: ['observer'] }, 'reconnect-test-invite');
    conv.close();
    const pat = await RtClient.connect(other.url);
    await pat.request('auth.accept_invite', { invite_token: inv.invite_token, password: 'pat has a long password' });
    pat.close();
  } finally {
    const r = await other.stop();
    assert.equal(r.code, 0);
  }

  // The daemon comes back on the page's own port.
  sent.length = 0;
  daemon = await startDaemon({ dataDir, port });
  await page.getByRole('button', { name: 'Reconnect now' }).click({ timeout: 2000 }).catch(() => {
    // It may have reconnected on its own already: fine.
  });
  await page.locator('#conn-status[data-state="online"]').waitFor();
  const pat = page.locator('#member-list li.member', { hasText: 'Pat Quinn' });
  await pat.waitFor().catch((e) => {
    throw new Error(`${e.message}\nframes sent after restart: ${JSON.stringify(sent)}\ndaemon log:\n${daemon.log()}`);
  });
  assert.equal(await pat.count(), 1, 'Pat is listed once');
  assert.equal(await members().count(), before + 1);
  assert.equal(await state(), 'online');

  const resub = sent.find((m) => m.op === 'coalition.subscribe');
  assert.ok(resub, 'the page subscribed again after reconnecting');
  assert.equal(resub.args.coalition, 'valley');
  assert.equal(typeof resub.args.since, 'number', 'with since = the last seq it saw');
  assert.ok(!sent.some((m) => m.op === 'coalition.get'), 'it caught up from events, not by reloading the coalition');
});

test('no console errors or CSP violations besides the refused reconnects', async () => {
  // Chromium itself logs each WebSocket attempt that finds the daemon down.
  watch.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/);
  assert.deepEqual(watch.problems(), []);
});
