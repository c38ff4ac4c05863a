// Browser test of the discussions: the thread list with unread counts, a
// thread with its messages, paging back with "load earlier", replying and
// posting anonymously, editing with the history, deleting (tombstone),
// read markers, @mention suggestions, search with snippets, a new thread,
// and live messages, edits and deletions from other members arriving
// without a reload. No console error or CSP violation; usable at 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, screenshot, RtClient,
  DEMO_PASSWORD, TIMEOUT, REPO_ROOT,
} from './lib.mjs';

const CORPORA = path.join(REPO_ROOT, 'tests', 'corpora');

let dataDir;
let daemon;
let browser;
let maria; // {context, page, watch}
let tom;
let james; // RtClient
let firstThread; // the demo's "Which services..." thread
let longThread; // 35 messages, for paging

const FIRST_TITLE = 'Which services should the Alliance offer first?';

async function openPage(viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  return { context, page, watch };
}

async function signIn(page, email, hash) {
  await page.goto(daemon.url + '/' + hash);
  const form = page.locator('#signin-form');
  await form.waitFor();
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(DEMO_PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#conn-status[data-state="online"]').waitFor();
}

// The message whose rendered body contains text.
function messageItem(page, text) {
  return page.locator('#message-list li.message').filter({ has: page.locator('.md', { hasText: text }) });
}

async function client(email) {
  const c = await RtClient.connect(daemon.url);
  await c.request('auth.login', { email, password: DEMO_PASSWORD });
  return c;
}

async function noHorizontalScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `no horizontal scrolling (${scroll} > ${width})`);
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  james = await client('james@demo.test');
  const { threads } = await james.request('thread.list', { coalition: 'valley' });
  firstThread = threads.find((th) => th.title === FIRST_TITLE);
  assert.ok(firstThread, 'the demo has the services thread');
  const made = await james.request('thread.create', {
    coalition: 'valley', title: 'Budget notes, line by line', body: 'Line 1 of the budget notes.',
  });
  longThread = made.thread.id;
  for (let i = 2; i <= 35; i++) {
    await james.request('message.post', { thread: longThread, body: `Line ${i} of the budget notes.` });
  }
});

after(async () => {
  if (james) james.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('the thread list shows threads with unread counts, linked from the coalition', async () => {
  maria = await openPage({ width: 1280, height: 900 });
  const { page } = maria;
  await signIn(page, 'maria@demo.test', '#/c/valley');
  await page.getByRole('link', { name: 'Discussions' }).click();
  await page.waitForURL(/#\/c\/valley\/threads$/);
  await page.locator('h1', { hasText: 'Discussions' }).waitFor();
  const row = page.locator('#thread-list li.thread-row', { hasText: FIRST_TITLE });
  await row.waitFor();
  assert.match(await row.locator('.unread-badge').textContent(), /^\d+ unread$/);
  assert.match(await row.textContent(), new RegExp(`${firstThread.message_count} messages`));
  await page.locator('#thread-list li.thread-row', { hasText: 'Budget notes, line by line' }).waitFor();
  await page.locator('#new-thread-form').waitFor();
  await screenshot(page, 'discussions-list.png');
});

test('a thread shows its messages, anonymous ones without any name', async () => {
  const { page } = maria;
  await page.getByRole('link', { name: FIRST_TITLE }).click();
  await page.waitForURL(new RegExp(`#/c/valley/threads/${firstThread.id}$`));
  await page.locator('h1', { hasText: FIRST_TITLE }).waitFor();
  await messageItem(page, 'Billing, without a doubt').waitFor();
  assert.equal(await page.locator('#message-list li.message').count(), firstThread.message_count);
  const anon = messageItem(page, 'I worry shared HR');
  assert.equal((await anon.locator('.author').textContent()).trim(), 'Anonymous');
  assert.doesNotMatch(await page.locator('#message-list').textContent(), /Luis|Ortega/);
  // James's reply names the message it answers.
  const reply = messageItem(page, 'our R&R already does subsidy billing');
  assert.match(await reply.locator('.reply-ref').textContent(), /In reply to Ana Ruiz/);
  // The rendered markdown is in the page as HTML.
  assert.equal(await messageItem(page, 'We can\'t start everything').locator('.md strong').count(), 1);
  // A mention of a member is highlighted.
  assert.equal(await messageItem(page, 'Payroll first, please').locator('.mention', { hasText: '@Grace' }).count(), 1);
});

test('reading marks the thread read', async () => {
  const deadline = Date.now() + TIMEOUT;
  const me = await client('maria@demo.test');
  try {
    for (;;) {
      const { threads } = await me.request('thread.list', { coalition: 'valley' });
      const th = threads.find((x) => x.id === firstThread.id);
      if (th.unread === 0) break;
      if (Date.now() > deadline) assert.fail(`still ${th.unread} unread`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    me.close();
  }
});

test('posting: an @mention suggestion, a reply, anonymously', async () => {
  const { page } = maria;
  const box = page.locator('#compose-body');
  await box.click();
  await box.pressSequentially('Thanks @Gra');
  const option = page.locator('#compose-mentions [role="option"]', { hasText: 'Grace Kim' });
  await option.waitFor();
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'Thanks @Grace.Kim ');

  await messageItem(page, 'Billing, without a doubt').getByRole('button', { name: 'Reply' }).click();
  assert.match(await page.locator('#reply-banner').textContent(), /Replying to Ana Ruiz/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'compose-body');
  await box.fill('I hear the **billing** pain; the Hub could start there.');
  await page.getByRole('button', { name: 'Preview' }).click();
  assert.equal(await page.locator('#compose-preview .preview-body strong').textContent(), 'billing');
  await page.getByLabel('Post anonymously').check();
  await page.getByRole('button', { name: 'Post message' }).click();
  const mine = messageItem(page, 'I hear the billing pain');
  await mine.waitFor();
  assert.equal((await mine.locator('.author').textContent()).trim(), 'Anonymous');
  assert.match(await mine.locator('.reply-ref').textContent(), /In reply to Ana Ruiz/);
  assert.equal(await mine.locator('.md strong').textContent(), 'billing');
  assert.equal(await box.inputValue(), '');
  assert.equal(await page.locator('#reply-banner').isHidden(), true);
  assert.equal(await page.locator('#compose-preview').isHidden(), true);
});

test('another member sees new messages, edits and deletions live, and nobody is named on anonymous ones', async () => {
  tom = await openPage({ width: 360, height: 740 });
  const { page } = tom;
  await signIn(page, 'tom@demo.test', `#/c/valley/threads/${firstThread.id}`);
  await page.locator('h1', { hasText: FIRST_TITLE }).waitFor();
  const anonymous = messageItem(page, 'I hear the billing pain');
  await anonymous.waitFor();
  assert.equal((await anonymous.locator('.author').textContent()).trim(), 'Anonymous');
  assert.doesNotMatch(await anonymous.textContent(), /Maria|Lopez/);
  assert.equal(await anonymous.getByRole('button', { name: 'Edit' }).count(), 0, 'not his to edit');

  // Maria posts under her name: Tom sees it without reloading.
  await maria.page.locator('#compose-body').fill('Let us schedule the payroll decision for next week.');
  await maria.page.getByRole('button', { name: 'Post message' }).click();
  const live = messageItem(page, 'schedule the payroll decision');
  await live.waitFor();
  assert.equal((await live.locator('.author').textContent()).trim(), 'Maria Lopez');

  // Tom posts from his phone: Maria sees it live.
  await page.locator('#compose-body').fill('Works for me, @Maria.');
  await page.getByRole('button', { name: 'Post message' }).click();
  await messageItem(maria.page, 'Works for me').waitFor();

  // James edits and deletes behind the page's back: both show up live.
  const posted = await james.request('message.post', { thread: firstThread.id, body: 'Draft numbers coming soon.' });
  await messageItem(page, 'Draft numbers coming soon').waitFor();
  await james.request('message.edit', { message: posted.message.id, body: 'Draft numbers are in the shared folder.' });
  const edited = messageItem(page, 'Draft numbers are in the shared folder');
  await edited.waitFor();
  await edited.locator('.edited').waitFor();
  await james.request('message.delete', { message: posted.message.id });
  const gone = page.locator(`#msg-${posted.message.id}`);
  await gone.locator('.tombstone', { hasText: 'Message deleted' }).waitFor();
  await maria.page.locator(`#msg-${posted.message.id} .tombstone`).waitFor();
  await noHorizontalScroll(page);
  await screenshot(page, 'discussions-thread-phone.png');
});

test('editing keeps a viewable history; deleting leaves a tombstone', async () => {
  const { page } = maria;
  const msg = messageItem(page, 'schedule the payroll decision');
  await msg.getByRole('button', { name: 'Edit' }).click();
  const editor = msg.getByLabel('Edit your message');
  await editor.fill('Let us schedule the payroll decision for Tuesday.');
  await msg.getByRole('button', { name: 'Save' }).click();
  const edited = messageItem(page, 'for Tuesday');
  await edited.locator('.edited').waitFor();
  await edited.getByRole('button', { name: 'View history' }).click();
  const versions = edited.locator('.history li.version');
  await versions.nth(1).waitFor();
  assert.equal(await versions.count(), 2);
  assert.match(await versions.nth(0).textContent(), /for next week/);
  assert.match(await versions.nth(1).textContent(), /for Tuesday/);
  // Tom's page got the edit live.
  await messageItem(tom.page, 'for Tuesday').waitFor();

  const id = await messageItem(page, 'Works for me').getAttribute('data-message-id');
  const del = page.locator(`#msg-${id}`);
  await del.getByRole('button', { name: 'Delete' }).click(); // a convener may delete any message
  await del.locator('.confirm-delete').getByRole('button', { name: 'Delete' }).click();
  await del.locator('.tombstone', { hasText: 'Message deleted' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), `msg-${id}`);
  await tom.page.locator(`#msg-${id} .tombstone`, { hasText: 'Message deleted' }).waitFor();
  await screenshot(page, 'discussions-thread.png');
});

test('load earlier pages back through a long thread', async () => {
  const { page } = maria;
  await page.goto(`${daemon.url}/#/c/valley/threads/${longThread}`);
  await messageItem(page, 'Line 35 of').waitFor();
  assert.equal(await page.locator('#message-list li.message').count(), 30);
  assert.equal(await messageItem(page, 'Line 1 of').count(), 0);
  await page.getByRole('button', { name: 'Load earlier messages' }).click();
  await messageItem(page, 'Line 1 of').waitFor();
  assert.equal(await page.locator('#message-list li.message').count(), 35);
  assert.equal(await page.locator('#load-earlier').isHidden(), true);
  const texts = await page.locator('#message-list li.message .md').allTextContents();
  assert.deepEqual(texts.map((s) => Number(/Line (\d+)/.exec(s)[1])), Array.from({ length: 35 }, (_, i) => i + 1));
});

test('search shows snippets that lead to the message', async () => {
  const { page } = maria;
  await page.goto(`${daemon.url}/#/c/valley/threads`);
  await page.getByLabel('Search messages').fill('wholesale');
  await page.getByRole('button', { name: 'Search' }).click();
  const hit = page.locator('#search-results li.search-hit').first();
  await hit.waitFor();
  assert.equal((await hit.locator('mark').first().textContent()).toLowerCase(), 'wholesale');
  assert.match(await page.locator('#disc-search-status').textContent(), /\d+ messages? match(es)? “wholesale”/);
  await hit.getByRole('link', { name: FIRST_TITLE }).click();
  await page.waitForURL(/#\/c\/valley\/threads\/\d+\/m\/\d+$/);
  const target = messageItem(page, 'wholesale minimums');
  await target.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('li.message'));
  assert.match(await page.evaluate(() => document.activeElement.textContent), /wholesale minimums/);
});

test('a new thread, seen live in the other member\'s list', async () => {
  const { page } = maria;
  await page.goto(`${daemon.url}/#/c/valley/threads`);
  await tom.page.goto(`${daemon.url}/#/c/valley/threads`);
  await tom.page.locator('#thread-list li.thread-row').first().waitFor();
  const form = page.locator('#new-thread-form');
  await form.getByLabel('Title').fill('Parent voice in the Hub board');
  await form.getByLabel('First message').fill('How many seats should parents hold?');
  await form.getByLabel('Allow anonymous messages in this thread').uncheck();
  await form.getByRole('button', { name: 'Start thread' }).click();
  await page.waitForURL(/#\/c\/valley\/threads\/\d+$/);
  await page.locator('h1', { hasText: 'Parent voice in the Hub board' }).waitFor();
  await messageItem(page, 'How many seats').waitFor();
  assert.equal(await page.getByLabel('Post anonymously').count(), 0, 'this thread refuses anonymous messages');
  const row = tom.page.locator('#thread-list li.thread-row', { hasText: 'Parent voice in the Hub board' });
  await row.waitFor();
  assert.match(await row.locator('.unread-badge').textContent(), /1 unread/);
  await noHorizontalScroll(tom.page);
  await screenshot(tom.page, 'discussions-list-phone.png');
});

test('a member who was offline catches up after reconnecting: each message once, in order', async () => {
  const { page } = tom;
  // A hash change, not a page load: nothing is being fetched when the daemon stops.
  await page.evaluate((id) => { location.hash = `#/c/valley/threads/${id}`; }, firstThread.id);
  await page.locator('h1', { hasText: FIRST_TITLE }).waitFor();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  const port = daemon.port;
  const stopped = await daemon.stop();
  daemon = null;
  assert.equal(stopped.code, 0);
  await page.locator('#conn-status[data-state="offline"]').waitFor();

  // Meanwhile, through another daemon over the same data, James writes.
  const other = await startDaemon({ dataDir });
  let ids;
  try {
    const c = await RtClient.connect(other.url);
    await c.request('auth.login', { email: 'james@demo.test', password: DEMO_PASSWORD });
    const a = await c.request('message.post', { thread: firstThread.id, body: 'While you were away: first.' });
    const b = await c.request('message.post', { thread: firstThread.id, body: 'While you were away: second.', reply_to: a.message.id });
    await c.request('message.edit', { message: a.message.id, body: 'While you were away: first, edited.' });
    ids = [a.message.id, b.message.id];
    c.close();
  } finally {
    await other.stop();
  }

  daemon = await startDaemon({ dataDir, port });
  await page.getByRole('button', { name: 'Reconnect now' }).click({ timeout: 2000 }).catch(() => {});
  await page.locator('#conn-status[data-state="online"]').waitFor();
  await messageItem(page, 'While you were away: second.').waitFor();
  await messageItem(page, 'first, edited').waitFor();
  for (const id of ids) assert.equal(await page.locator(`#message-list #msg-${id}`).count(), 1, `message ${id} shown once`);
  const order = await page.locator('#message-list li.message').evaluateAll((lis) => lis.map((li) => Number(li.dataset.messageId)));
  assert.deepEqual(order, [...order].sort((x, y) => x - y), 'oldest to newest');
  assert.deepEqual(order.slice(-2), ids);
  assert.match(await page.locator(`#msg-${ids[1]} .reply-ref`).textContent(), /In reply to James Carter/);
});

// The page must survive the attack corpora: what the daemon renders is
// inserted as HTML; nothing may run script, carry an event handler or a
// javascript:/data: URL, or load anything from elsewhere.
async function corpus() {
  const md = (await readFile(path.join(CORPORA, 'markdown-xss-payloads.txt'), 'utf8')).split('\n');
  const xss = (await readFile(path.join(CORPORA, 'xss-payload-list.txt'), 'utf8')).split('\n');
  const blns = JSON.parse(await readFile(path.join(CORPORA, 'blns.json'), 'utf8'));
  return { md: md.filter((x) => x.trim()), xss: xss.filter((x) => x.trim()), blns: blns.filter((x) => typeof x === 'string' && x.trim()) };
}

async function guardedPage() {
  const g = await openPage({ width: 1024, height: 800 });
  await g.page.addInitScript(() => {
    window.__ran = [];
    for (const name of ['alert', 'prompt', 'confirm', 'print']) {
      window[name] = (...a) => { window.__ran.push(name + ':' + a.join(',')); };
    }
  });
  g.foreign = [];
  g.page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(daemon.url + '/') && !url.startsWith('data:')) g.foreign.push(url);
  });
  g.page.on('dialog', (d) => { g.foreign.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  return g;
}

async function checkDom(page, selector) {
  return page.evaluate((sel) => {
    const bad = [];
    for (const root of document.querySelectorAll(sel)) {
      for (const el of root.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'meta', 'link', 'base', 'form', 'style', 'svg', 'math'].includes(tag)) bad.push('<' + tag + '>');
        for (const a of el.attributes) {
          if (/^on/i.test(a.name)) bad.push(tag + ' ' + a.name);
          if (/^(href|src|action|formaction|xlink:href|srcset|background|poster|data)$/i.test(a.name) &&
              /^\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(tag + ' ' + a.name + '=' + a.value.slice(0, 40));
          if (/^(src|srcset|background|poster)$/i.test(a.name) && /^\s*(https?:)?\/\//i.test(a.value)) bad.push('remote ' + tag + ' ' + a.value.slice(0, 40));
          if (a.name === 'style') bad.push(tag + ' style');
        }
      }
    }
    return { bad, ran: window.__ran };
  }, selector);
}

test('attack payloads rendered by the daemon run nothing in the thread view', async () => {
  const { md, xss, blns } = await corpus();
  // Every markdown payload, the payloads that try hardest (a handler, a
  // script or a pseudo-URL) from the big list, sampled, and naughty strings.
  const nasty = xss.filter((x) => /on\w+\s*=|<script|javascript:|data:|srcdoc|<svg|<iframe|<img/i.test(x));
  const bodies = [...md, ...nasty.filter((_, i) => i % 12 === 0), ...blns.filter((_, i) => i % 10 === 0)];
  const c = await RtClient.connect(daemon.url);
  await c.request('auth.login', { email: 'james@demo.test', password: DEMO_PASSWORD });
  const { thread } = await c.request('thread.create', { coalition: 'valley', title: 'Corpus', body: 'The attack corpus follows.' });
  let posted = 0;
  for (const body of bodies) {
    try {
      await c.request('message.post', { thread: thread.id, body });
      posted += 1;
    } catch (e) { /* refused (too long, empty once trimmed): nothing to render */ }
  }
  c.close();
  assert.ok(posted > 200, `posted ${posted} payloads`);

  const g = await guardedPage();
  try {
    await signIn(g.page, 'ana@demo.test', `#/c/valley/threads/${thread.id}`);
    await g.page.locator('h1', { hasText: 'Corpus' }).waitFor();
    await g.page.locator('#message-list li.message').first().waitFor();
    const earlier = g.page.locator('#load-earlier');
    while (await earlier.isVisible()) {
      await earlier.click();
      await g.page.waitForFunction(() => !document.getElementById('load-earlier').disabled);
    }
    assert.equal(await g.page.locator('#message-list li.message').count(), posted + 1);
    await g.page.waitForTimeout(500); // let anything that would load or run, do so
    const { bad, ran } = await checkDom(g.page, '#message-list .md');
    assert.deepEqual(ran, [], 'no script ran');
    assert.deepEqual(bad, [], 'no dangerous markup');
    assert.deepEqual(g.foreign, [], 'nothing loaded from elsewhere');
    assert.deepEqual(g.watch.problems(), [], 'no console error or CSP violation');
  } finally {
    await g.context.close();
  }
});

test('the composer preview builds safe markup from every payload', async () => {
  const { md, xss, blns } = await corpus();
  const all = [...md, ...xss, ...blns];
  const g = await guardedPage();
  try {
    await signIn(g.page, 'ana@demo.test', `#/c/valley/threads/${firstThread.id}`);
    await g.page.locator('#compose-body').waitFor();
    const n = await g.page.evaluate(async (sources) => {
      const { previewNodes } = await import('/js/views/discussions-preview.js');
      const box = document.createElement('div');
      box.id = 'corpus-preview';
      box.className = 'md';
      for (const src of sources) box.append(previewNodes(src));
      document.querySelector('main').append(box);
      return box.childElementCount;
    }, all);
    assert.ok(n > 6000);
    await g.page.waitForTimeout(500);
    const { bad, ran } = await checkDom(g.page, '#corpus-preview');
    assert.deepEqual(ran, [], 'no script ran');
    assert.deepEqual(bad, [], 'no dangerous markup');
    assert.deepEqual(g.foreign, [], 'nothing loaded from elsewhere');
    assert.deepEqual(g.watch.problems(), [], 'no console error or CSP violation');
  } finally {
    await g.context.close();
  }
});

test('no console errors or CSP violations', () => {
  for (const who of [maria, tom]) {
    // Chromium itself logs each WebSocket attempt that finds the daemon down.
    if (who) who.watch.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/);
    if (who) assert.deepEqual(who.watch.problems(), []);
  }
});
