// Browser test: the daemon closes a WebSocket that has not signed in by
// --auth-deadline (1008). A sign-in page left open must not show "Offline"
// for it: the client opens a new connection quietly, and signing in then
// works as usual.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir, extraArgs: ['--auth-deadline', '2'] });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('a sign-in page past the sign-in deadline reconnects without showing Offline', async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT);
  try {
    const page = await context.newPage();
    const watch = await watchPage(page);
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws));
    await page.addInitScript(() => {
      window.__states = [];
      new MutationObserver(() => {
        const el = document.getElementById('conn-status');
        if (el) window.__states.push(el.dataset.state);
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
    });
    const first = page.waitForEvent('websocket');
    await page.goto(`${daemon.url}/`);
    await page.locator('#conn-status[data-state="online"]').waitFor();
    const ws1 = await first;
    const second = page.waitForEvent('websocket', { timeout: TIMEOUT });
    await ws1.waitForEvent('close', { timeout: TIMEOUT }); // the daemon's 1008
    const ws2 = await second;
    await ws2.waitForEvent('framereceived', { timeout: TIMEOUT }); // its handshake answered
    await page.locator('#conn-status[data-state="online"]').waitFor();
    const states = await page.evaluate(() => window.__states);
    assert.ok(!states.includes('offline'), `the status went through ${JSON.stringify(states)}`);
    await page.getByLabel('Email').fill('maria@demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#coalition-list li[data-slug="valley"]').waitFor();
    assert.match(daemon.log(), /serving/);
    assert.deepEqual(watch.problems(), []);
  } finally {
    await context.close();
  }
});
