// The user guide's screenshots (docs/images/*.png), taken from the demo
// data (taken one step further by lib.mjs arrangeShowcase: a closed and
// scored RFQ, an open decision) so the guide shows the real, current client.
//
// SHOTS is the table: one line per picture (who is signed in, the page, what
// shows it is drawn, the part to bring into view, the language and size).
// Every run draws each page, waits for its content and checks it (axe, no
// console error); the files are written only with RT_GUIDE_SHOTS=1:
//
//     RT_GUIDE_SHOTS=1 node --test tests/browser/guide.test.mjs
//
// The pictures are the browser's viewport (1280x800 or 360x740), not the
// whole page, so each file stays small (under about 150 KB).
//
// The notifications picture needs something to tell: James mentions Maria
// (named and anonymously) and opens a decision while her page is open. The
// offline picture is taken through a TCP proxy that takes the page's
// network away (lib.mjs startCutProxy) while the daemon and the other
// pictures' pages carry on; its thread is a short one Ana starts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  makeDataDir, removeDir, runDemo, startDaemon, startCutProxy, freePort, launchBrowser, watchPage, arrangeShowcase,
  checkA11y, RtClient, REPO_ROOT, DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

const IMAGES = path.join(REPO_ROOT, 'docs', 'images');
const WRITE = !!process.env.RT_GUIDE_SHOTS;
const MAX_BYTES = 150 * 1024;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

// file, who (email before @), hash(ids), ready (selector), show (selector
// scrolled to the top of the picture; none: the top of the page), lang,
// viewport, prepare(page) (optional: open a panel before the picture),
// cleanup(page) (optional: after it), proxy (the page goes through the cut
// proxy, for the offline picture).
const SHOTS = [
  { file: 'coalition.png', who: 'maria', hash: () => '#/c/valley', ready: '#member-list li.member' },
  { file: 'discussions-thread.png', who: 'ana', hash: () => '#/c/valley/threads/1', ready: '#message-list li.message' },
  { file: 'rfq-scoring.png', who: 'maria', hash: (x) => `#/c/valley/rfqs/${x.closedRfq}`, ready: '.rfq-score-form', show: '#rfq-sec-eval' },
  { file: 'rfq-results.png', who: 'maria', hash: (x) => `#/c/valley/rfqs/${x.closedRfq}`, ready: '#rfq-results-out table', show: '#rfq-sec-results' },
  { file: 'mou-signatures.png', who: 'maria', hash: () => '#/c/valley/mous/1', ready: '#mou-signatures li' },
  { file: 'mou-history.png', who: 'maria', hash: () => '#/c/valley/mous/1', ready: '#mou-history li', show: '#mou-sec-history' },
  { file: 'decision-tally.png', who: 'ana', hash: () => '#/c/valley/decisions/1', ready: '#tally-summary', show: '#results-panel' },
  { file: 'decision-rounds.png', who: 'maria', hash: () => '#/c/valley/decisions/2', ready: '#rounds li.round', show: '#results-panel' },
  { file: 'milestones.png', who: 'grace', hash: () => '#/c/valley/milestones', ready: '#ms-list li.ms-card' },
  { file: 'decision-phone.png', who: 'ana', hash: () => '#/c/valley/decisions/1', ready: '#tally-summary', show: '#ballot-panel', viewport: PHONE },
  { file: 'milestones-es.png', who: 'grace', hash: () => '#/c/valley/milestones', ready: '#ms-list li.ms-card', lang: 'es' },
  {
    file: 'home.png', who: 'maria', hash: () => '#/c/valley/home',
    ready: ['decisions', 'scores', 'mous', 'milestones', 'threads'].reduce((sel, k) => `${sel}:has(#home-${k} li.home-item)`, '.home-grid:not([hidden])'),
  },
  {
    file: 'notifications.png', who: 'maria', hash: () => '#/c/valley/home', ready: '.home-grid:not([hidden])',
    prepare: async (page) => {
      await as('james', async (james) => {
        await james.request('message.post', { thread: 1, body: '@Maria.Lopez could you bring the enrollment figures on Tuesday?' });
        await james.request('decision.create', {
          coalition: 'valley', title: 'Move the spring retreat to April', body: 'The **March** date clashes with the county meeting.',
          kind: 'proposal', eligible_roles: ['convener', 'design_team'], closes_at: inDays(12),
        });
        await james.request('message.post', { thread: 2, body: '@Maria.Lopez is the pool open to family child care homes too?', anonymous: true });
      });
      for (const kind of ['mention', 'decision_new', 'mention_anon']) {
        await page.locator(`#notify-list li.notify-item.unread[data-kind="${kind}"]`).first().waitFor({ state: 'attached' });
      }
      await page.locator('#notify-toggle').click();
      await page.locator('#notify-panel:not([hidden]) li.notify-item').first().waitFor();
    },
    cleanup: (page) => page.keyboard.press('Escape'),
  },
  {
    // A short thread Ana started (made in before()), so the message that
    // waits shows below hers, with the count in the header.
    file: 'offline.png', who: 'maria', proxy: true, hash: (x) => `#/c/valley/threads/${x.offlineThread}`, ready: '#message-list li.message',
    prepare: async (page) => {
      proxy.cut();
      await page.locator('#conn-status[data-state="offline"]').waitFor();
      await page.locator('#compose-body').fill('Yes: Valley Early Learning can keep two rooms open until 6 pm in July.');
      await page.locator('#compose-form button[type="submit"]').click();
      await page.locator('#pending-messages li.pending').waitFor();
      await page.locator('#queue-toggle:not([hidden])').waitFor();
    },
    cleanup: () => proxy.restore(),
  },
];

let dataDir;
let daemon;
let proxy;
let browser;
let ids;
const sessions = new Map(); // "who|lang|width|proxy" -> {context, page, watch}

const inDays = (days) => new Date(Date.now() + days * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// A member (email before @) over the protocol, straight to the daemon.
async function as(who, fn) {
  const c = await RtClient.connect(daemon.url);
  try {
    await c.request('auth.login', { email: `${who}@demo.test`, password: DEMO_PASSWORD });
    return await fn(c);
  } finally {
    c.close();
  }
}

async function pageFor({ who, lang = 'en', viewport = DESKTOP, proxy: viaProxy = false }) {
  const key = `${who}|${lang}|${viewport.width}|${viaProxy}`;
  if (sessions.has(key)) return sessions.get(key);
  const context = await browser.newContext({
    viewport, locale: lang === 'es' ? 'es-MX' : 'en-US', timezoneId: 'America/Denver', colorScheme: 'light',
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  // Chromium logs each WebSocket attempt refused while offline.
  if (viaProxy) watch.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/);
  await page.goto((viaProxy ? proxy.url : daemon.url) + '/#/signin');
  await page.locator('#signin-form input[type="email"]').fill(`${who}@demo.test`);
  await page.locator('#signin-form input[type="password"]').fill(DEMO_PASSWORD);
  await page.locator('#signin-form button[type="submit"]').click();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  await page.locator('#user-bar:not([hidden])').waitFor();
  const s = { context, page, watch };
  sessions.set(key, s);
  return s;
}

before(async () => {
  dataDir = await makeDataDir();
  const demo = await runDemo(dataDir);
  const port = await freePort();
  proxy = await startCutProxy(port);
  daemon = await startDaemon({ dataDir, port, extraArgs: ['--origin', proxy.url] });
  ids = await arrangeShowcase(daemon.url, demo.stdout);
  const made = await as('ana', (ana) => ana.request('thread.create', {
    coalition: 'valley', title: 'Summer hours', body: 'Can any center stay open **until 6 pm** in July? Three of our families need it.',
  }, 'guide-offline-thread'));
  ids.offlineThread = made.thread.id;
  browser = await launchBrowser();
  if (WRITE) await mkdir(IMAGES, { recursive: true });
});

after(async () => {
  for (const s of sessions.values()) await s.context.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  if (proxy) await proxy.close();
  await removeDir(dataDir);
});

for (const shot of SHOTS) {
  test(`guide picture ${shot.file}: the page is drawn and accessible${WRITE ? ', and saved' : ''}`, async () => {
    const { page, watch } = await pageFor(shot);
    await page.evaluate((h) => { location.hash = h; }, shot.hash(ids));
    await page.locator(shot.ready).first().waitFor();
    await page.locator('#conn-status[data-state="online"]').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), shot.lang || 'en');
    try {
      if (shot.prepare) await shot.prepare(page);
      if (shot.show) {
        await page.locator(shot.show).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
      } else {
        await page.evaluate(() => window.scrollTo(0, 0));
      }
      // No focus ring or caret from the navigation in the picture; let
      // fonts, charts and counts settle.
      await page.evaluate(() => document.activeElement && document.activeElement.blur());
      await page.waitForTimeout(300);
      await checkA11y(page, shot.file);
      assert.deepEqual(watch.problems(), []);
      if (!WRITE) return;
      const file = path.join(IMAGES, shot.file);
      await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
      const { size } = await stat(file);
      assert.ok(size <= MAX_BYTES, `${shot.file} is ${Math.round(size / 1024)} KB, more than ${MAX_BYTES / 1024} KB`);
    } finally {
      if (shot.cleanup) await shot.cleanup(page);
    }
  });
}
