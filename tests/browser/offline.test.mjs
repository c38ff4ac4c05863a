// Browser test: working offline. Tom's page reaches the daemon through a TCP
// proxy (lib.mjs startCutProxy) that really takes the network away: it
// closes the page's WebSocket and refuses new ones while letting plain HTTP
// through, so a tab can even be reloaded "offline". (context.setOffline is
// not used: it does not touch WebSockets, playwright issue 4910.)
//
// Offline, Tom posts a message in one tab and casts a ballot in another; both
// wait on the device (shown in the thread, on the ballot form and as a count
// beside the connection status), the ballot's tab is reloaded and still
// knows; when the network is back each write reaches the server exactly
// once, as another connection checks. Then the replies that get lost: a
// named message is sent again with its key and stored once; an anonymous
// one (whose key the server does not keep) is looked for first and not
// posted twice. A tab closed with a message waiting leaves it to another tab
// of the same member. Last, a queued ballot the server refuses (the decision
// closed meanwhile) is shown with its reason and leaves the queue.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, startCutProxy, freePort, launchBrowser, watchPage, RtClient,
  DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let proxy;
let browser;
let context;
let maria; // protocol client straight to the daemon: what the server holds
const tabs = {}; // name -> {page, watch}
const frames = []; // requests Tom's pages sent

const THREAD = 2; // "Substitute pool", takes anonymous messages
const DECISION = 1; // "Adopt the shared substitute pool": Tom (provider) has not voted

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  const port = await freePort();
  proxy = await startCutProxy(port);
  daemon = await startDaemon({ dataDir, port, extraArgs: ['--origin', proxy.url] });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  maria = await RtClient.connect(daemon.url);
  await maria.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
});

after(async () => {
  if (maria) maria.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  if (proxy) await proxy.close();
  await removeDir(dataDir);
});

async function openTab(name, hash) {
  const page = await context.newPage();
  const watch = await watchPage(page);
  // Chromium logs each refused reconnect: the point of this test.
  watch.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/);
  if (process.env.RT_DEBUG) page.on('console', (m) => console.log(name, 'console:', m.text()));
  if (process.env.RT_DEBUG) page.on('websocket', (ws) => ws.on('framereceived', (f) => console.log(name, '<-', String(f.payload).slice(0, 200))));
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    if (process.env.RT_DEBUG) console.log(name, '->', String(f.payload).slice(0, 200));
    try {
      frames.push(JSON.parse(String(f.payload)));
    } catch (e) { /* not ours */ }
  }));
  await page.goto(proxy.url + '/' + hash);
  tabs[name] = { page, watch };
  return page;
}

const online = (page) => page.locator('#conn-status[data-state="online"]').waitFor();
const offline = (page) => page.locator('#conn-status[data-state="offline"]').waitFor();

// Back online: the page retries by itself with backoff; "Reconnect now" skips the wait.
async function reconnect(page) {
  await page.locator('#conn-retry').click({ timeout: 3000 }).catch(() => { /* already back */ });
  await online(page);
}

async function messagesWith(body) {
  const data = await maria.request('thread.get', { thread: THREAD, limit: 200 });
  return data.messages.filter((m) => m.body === body);
}

async function until(what, fn) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stamp = Date.now().toString(36);

test('Tom signs in through the proxy, with the thread in one tab and the decision in another', async () => {
  const page = await openTab('thread', `#/c/valley/threads/${THREAD}`);
  await page.getByLabel('Email').fill('tom@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#compose-form').waitFor();
  await online(page);
  const dec = await openTab('decision', `#/c/valley/decisions/${DECISION}`);
  await dec.locator('#ballot-form button[data-choice="agree"]').waitFor();
  await online(dec);
});

test('offline, a message and a ballot wait on the device, survive a reload, and reach the server once', async () => {
  const { page } = tabs.thread;
  const dec = tabs.decision.page;
  const text = `Offline note ${stamp}: we can share two subs on Mondays.`;
  const before = (await maria.request('decision.tally', { decision: DECISION })).cast;

  proxy.cut();
  await offline(page);
  await offline(dec);

  // The message: the composer is free again, the message shows as waiting.
  await page.getByLabel('Your message').fill(text);
  await page.getByRole('button', { name: 'Post message' }).click();
  const pending = page.locator('#pending-messages li.pending', { hasText: text });
  await pending.waitFor();
  assert.match(await pending.textContent(), /Waiting to be sent/);
  assert.equal(await page.getByLabel('Your message').inputValue(), '');
  await page.locator('#queue-toggle', { hasText: '1 waiting to be sent' }).waitFor();

  // The ballot, in the other tab: pending on the form; two wait on this device.
  await dec.locator('#ballot-form button[data-choice="agree"]').click();
  await dec.locator('#ballot-pending:not([hidden])').waitFor();
  assert.match(await dec.locator('#ballot-pending').textContent(), /saved on this device/);
  await dec.locator('#queue-toggle', { hasText: '2 waiting to be sent' }).waitFor();
  await page.locator('#queue-toggle', { hasText: '2 waiting to be sent' }).waitFor();

  // The list names both, where they were made.
  await dec.locator('#queue-toggle').click();
  const items = dec.locator('#queue-list li');
  assert.equal(await items.count(), 2);
  assert.match(await items.nth(0).textContent(), /^Message · /);
  assert.match(await items.nth(1).textContent(), /^Ballot · Adopt the shared substitute pool/);
  await dec.keyboard.press('Escape');
  assert.equal(await dec.locator('#queue-panel').isHidden(), true);

  // Reloaded while the network is still gone: the page cannot sign in, but
  // what waits is still counted.
  await dec.reload();
  await dec.locator('#queue-toggle', { hasText: '2 waiting to be sent' }).waitFor();
  await offline(dec);

  // Nothing reached the server.
  assert.equal((await messagesWith(text)).length, 0);
  assert.equal((await maria.request('decision.tally', { decision: DECISION })).cast, before);

  proxy.restore();
  await reconnect(dec);
  await reconnect(page);
  await page.locator('#queue-toggle').waitFor({ state: 'hidden' });
  await dec.locator('#queue-toggle').waitFor({ state: 'hidden' });

  // On the server, from another connection: each exactly once.
  await until('the message on the server', async () => (await messagesWith(text)).length > 0);
  const found = await messagesWith(text);
  assert.equal(found.length, 1, 'the message is stored once');
  assert.equal(found[0].author.name, 'Tom Nguyen');
  const got = await maria.request('decision.get', { decision: DECISION });
  const toms = got.ballots.filter((b) => b.voter.name === 'Tom Nguyen');
  assert.equal(toms.length, 1, 'one ballot from Tom');
  assert.equal(toms[0].choice, 'agree');
  assert.equal(got.tally.cast, before + 1);

  // And in the pages: the message once, nothing pending; the reloaded tab shows the vote.
  await page.locator('#message-list li.message', { hasText: text }).waitFor();
  assert.equal(await page.locator('#message-list li.message', { hasText: text }).count(), 1);
  assert.equal(await page.locator('#pending-messages li').count(), 0);
  await dec.locator('#ballot-form button[data-choice="agree"][aria-pressed="true"]').waitFor();
  assert.equal(await dec.locator('#ballot-pending').isHidden(), true);
});

test('a reply lost on the way: a named message is sent again with its key, an anonymous one is looked for first', async () => {
  const { page } = tabs.thread;
  const named = `Named, reply lost ${stamp}`;
  const anon = `Anonymous, reply lost ${stamp}`;

  for (const [body, anonymous] of [[named, false], [anon, true]]) {
    proxy.mute(); // the request goes through, its reply is dropped
    await page.getByLabel('Your message').fill(body);
    if (anonymous) await page.getByLabel('Post anonymously').check();
    await page.getByRole('button', { name: 'Post message' }).click();
    await until(`"${body}" on the server`, async () => (await messagesWith(body)).length > 0);
    proxy.cut(); // and then the connection drops, before any answer
    await offline(page);
    await page.locator('#queue-toggle', { hasText: '1 waiting to be sent' }).waitFor();
    proxy.restore();
    await reconnect(page);
    await page.locator('#queue-toggle').waitFor({ state: 'hidden' });
    await page.locator('#message-list li.message', { hasText: body }).waitFor();
  }

  const posts = (body) => frames.filter((f) => f.op === 'message.post' && f.args.body === body);
  // The named one went out twice with the same key; the server kept one.
  assert.equal(posts(named).length, 2);
  assert.equal(posts(named)[0].key, posts(named)[1].key);
  assert.equal((await messagesWith(named)).length, 1);
  // The anonymous one went out once: the page found its own copy (mine) instead.
  assert.equal(posts(anon).length, 1, 'the anonymous message was not sent again');
  assert.ok(frames.some((f) => f.op === 'thread.get' && f.args.thread === THREAD && f.args.limit === 200),
    'the page looked for it in the thread');
  const stored = await messagesWith(anon);
  assert.equal(stored.length, 1, 'the anonymous message is stored once');
  assert.equal(stored[0].author, null);
  assert.equal(await page.locator('#message-list li.message', { hasText: anon }).count(), 1);
});

test('a tab closed with a message waiting: another tab of the same member sends it, once', async () => {
  const { page } = tabs.thread;
  const text = `Written in a tab that was closed ${stamp}`;
  const other = await openTab('closed', `#/c/valley/threads/${THREAD}`);
  await other.locator('#compose-form').waitFor();
  await online(other);

  proxy.cut();
  await offline(other);
  await offline(page);
  await other.getByLabel('Your message').fill(text);
  await other.getByRole('button', { name: 'Post message' }).click();
  await other.locator('#pending-messages li.pending', { hasText: text }).waitFor();
  await page.locator('#queue-toggle', { hasText: '1 waiting to be sent' }).waitFor();
  await other.close();
  delete tabs.closed;

  proxy.restore();
  await reconnect(page);
  await page.locator('#queue-toggle').waitFor({ state: 'hidden' });
  await until('the message on the server', async () => (await messagesWith(text)).length > 0);
  assert.equal((await messagesWith(text)).length, 1);
  await page.locator('#message-list li.message', { hasText: text }).waitFor();
});

test('a queued ballot the server refuses is shown with its reason and leaves the queue', async () => {
  const dec = tabs.decision.page;
  const closes = new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
  const { decision } = await maria.request('decision.create', {
    coalition: 'valley', title: `Late ballot ${stamp}`, body: 'Closes before the ballot arrives.',
    kind: 'proposal', eligible_roles: ['provider'], closes_at: closes,
  });
  await dec.goto(proxy.url + `/#/c/valley/decisions/${decision.id}`);
  await dec.locator('#ballot-form button[data-choice="agree"]').waitFor();
  await online(dec);

  proxy.cut();
  await offline(dec);
  await dec.locator('#ballot-form button[data-choice="agree"]').click();
  await dec.locator('#ballot-pending:not([hidden])').waitFor();
  await maria.request('decision.close', { decision: decision.id });

  proxy.restore();
  await reconnect(dec);
  const toggle = dec.locator('#queue-toggle', { hasText: '1 could not be sent' });
  await toggle.waitFor();
  await toggle.click();
  const failed = dec.locator('#queue-failed li');
  assert.equal(await failed.count(), 1);
  assert.match(await failed.textContent(), /Ballot/);
  assert.match(await failed.locator('.queue-error').textContent(), /This is closed/);
  assert.equal(await dec.locator('#queue-list li').count(), 0, 'nothing waits any more');
  await failed.getByRole('button', { name: /Dismiss/ }).click();
  await dec.locator('#queue-toggle').waitFor({ state: 'hidden' });
  assert.equal((await maria.request('decision.tally', { decision: decision.id })).cast, 0);
});

test('no console errors or CSP violations besides the refused reconnects', async () => {
  for (const [name, { watch }] of Object.entries(tabs)) assert.deepEqual(watch.problems(), [], name);
});
