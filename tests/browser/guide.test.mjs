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

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, arrangeShowcase, checkA11y,
  REPO_ROOT, DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

const IMAGES = path.join(REPO_ROOT, 'docs', 'images');
const WRITE = !!process.env.RT_GUIDE_SHOTS;
const MAX_BYTES = 150 * 1024;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

// file, who (email before @), hash(ids), ready (selector), show (selector
// scrolled to the top of the picture; none: the top of the page), lang,
// viewport, prepare(page) (optional: open a panel before the picture).
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
];

let dataDir;
let daemon;
let browser;
let ids;
const sessions = new Map(); // "who|lang|width" -> {context, page, watch}

async function pageFor({ who, lang = 'en', viewport = DESKTOP }) {
  const key = `${who}|${lang}|${viewport.width}`;
  if (sessions.has(key)) return sessions.get(key);
  const context = await browser.newContext({
    viewport, locale: lang === 'es' ? 'es-MX' : 'en-US', timezoneId: 'America/Denver', colorScheme: 'light',
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  await page.goto(daemon.url + '/#/signin');
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
  daemon = await startDaemon({ dataDir });
  ids = await arrangeShowcase(daemon.url, demo.stdout);
  browser = await launchBrowser();
  if (WRITE) await mkdir(IMAGES, { recursive: true });
});

after(async () => {
  for (const s of sessions.values()) await s.context.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

for (const shot of SHOTS) {
  test(`guide picture ${shot.file}: the page is drawn and accessible${WRITE ? ', and saved' : ''}`, async () => {
    const { page, watch } = await pageFor(shot);
    await page.evaluate((h) => { location.hash = h; }, shot.hash(ids));
    await page.locator(shot.ready).first().waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), shot.lang || 'en');
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
  });
}
