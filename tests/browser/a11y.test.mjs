// Accessibility walk: every page and state the other browser tests visit,
// in English and Spanish, at desktop (1280x800) and phone (360x740) sizes
// (and once in the dark scheme), checked by axe-core (WCAG 2.1 A/AA and best
// practices): no serious or critical violation anywhere, no horizontal
// scrolling at 360 px, no console error or CSP violation. Then what axe
// cannot see: every control reached with Tab shows where the focus is, and
// what arrives from others (messages, ballots, updates, signatures) is in a
// live region or announced. The data is the demo's, taken one step
// further (lib.mjs arrangeShowcase): a closed and scored RFQ, an open one,
// an open decision Maria votes on, an invitation; here also a decision Maria
// never votes on, so her home has something in each of its lists in every
// pass, and James mentions her (named and anonymously) so the notifications
// list has unread items. The offline states (a message waiting in a thread,
// the header's waiting list open) take the daemon away and bring it back,
// as the coalition page's offline state does.
//
// PAGES is the table: each page has an address, what shows it is drawn, and
// its states, each an action (open a form, submit it with a mistake, act)
// after which the page is checked again. Adding a page or a state is one
// entry. Set RT_A11Y_ONLY=en-desktop (es-phone, en-desktop-dark, ...) to
// walk one pass.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, arrangeShowcase, RtClient,
  a11yViolations, horizontalOverflow, DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

const LANGS = [{ tag: 'en', browser: 'en-US' }, { tag: 'es', browser: 'es-MX' }];
const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 360, height: 740 } },
];

let dataDir;
let daemon;
let browser;
let ids; // from arrangeShowcase
let mentions = 0; // how many times James mentioned Maria

// James over the protocol, on a fresh connection (the daemon restarts in
// the offline states, which closes older ones).
async function asJames(fn) {
  const james = await RtClient.connect(daemon.url);
  try {
    await james.request('auth.login', { email: 'james@demo.test', password: DEMO_PASSWORD });
    return await fn(james);
  } finally {
    james.close();
  }
}

// An error shown by the page after a refused or incomplete form.
const shownError = (page, scope) => page.locator(`${scope} .error:not([hidden]), ${scope} [role="alert"]:not([hidden]):not(:empty)`).first();

async function openDetails(page, selector) {
  const summary = page.locator(`${selector} > summary`).first();
  await summary.waitFor();
  if (!(await page.locator(selector).first().evaluate((d) => d.open))) await summary.click();
}

// The offline states: the daemon goes away (the page says it is offline),
// then starts again on the same port (as in reconnect.test.mjs) and the
// page reconnects.
let daemonDown = false;
async function goOffline(page) {
  daemonDown = true;
  await daemon.stop();
  await page.locator('#conn-status[data-state="offline"]').waitFor();
}

async function backOnline(page) {
  if (daemonDown) {
    daemon = await startDaemon({ dataDir, port: daemon.port });
    daemonDown = false;
  }
  await page.locator('#conn-retry').click({ timeout: 2000 }).catch(() => {}); // it may be back already
  await page.locator('#conn-status[data-state="online"]').waitFor();
}

// Each page: name, signedOut (visited before signing in), hash(ids), ready
// (a selector shown once the page is drawn) and states: [name, act(page)].
const PAGES = [
  {
    name: 'sign-in', signedOut: true, hash: () => '#/signin', ready: '#signin-form',
    states: [
      ['wrong password', async (page) => {
        await page.locator('#signin-form input[type="email"]').fill('ana@demo.test');
        await page.locator('#signin-form input[type="password"]').fill('not-her-password');
        await page.locator('#signin-form button[type="submit"]').click();
        await page.locator('#signin-error:not([hidden])').waitFor();
      }],
    ],
  },
  {
    name: 'invitation', signedOut: true, hash: (x) => `#/invite/${x.inviteToken}`, ready: '#accept-form',
    states: [
      ['passwords that differ', async (page) => {
        const pw = page.locator('#accept-form input[type="password"]');
        await pw.nth(0).fill('a-long-password');
        await pw.nth(1).fill('another-password');
        await page.locator('#accept-form button[type="submit"]').click();
        // The browser's own message names the mismatch (setCustomValidity).
        await page.locator('#accept-form input[name="confirm"]:invalid').waitFor();
      }],
    ],
  },
  {
    name: 'respondent', signedOut: true, hash: (x) => `#/respond/${x.respondentToken}`, ready: '#resp-form',
    states: [
      ['draft saved', async (page) => {
        await page.locator('.resp-q textarea').first().fill('We run **billing** for 40 programs.');
        await page.locator('#resp-save').click();
        await page.locator('#resp-save-status:not(:empty)').waitFor();
      }],
    ],
  },
  {
    name: 'respondent after the close', signedOut: true, hash: (x) => `#/respond/${x.closedRespondentToken}`,
    ready: '#resp-state :is(p, strong)',
  },
  { name: 'coalitions', hash: () => '#/', ready: 'main .card' },
  {
    // Where a coalition opens, with something in each of its five lists.
    name: 'home', hash: () => '#/c/valley/home',
    ready: ['decisions', 'scores', 'mous', 'milestones', 'threads'].reduce((sel, k) => `${sel}:has(#home-${k} li.home-item)`, '.home-grid:not([hidden])'),
    states: [
      ['notifications list open, with unread items', async (page) => {
        // Named in one thread, anonymously in the other (thread 2 takes
        // anonymous messages): two unread notifications for this page.
        const n = ++mentions;
        await asJames(async (james) => {
          await james.request('message.post', { thread: 1, body: `@Maria.Lopez could you check the agenda (${n})?` });
          await james.request('message.post', { thread: 2, body: `@Maria.Lopez an honest question about the pool (${n}).`, anonymous: true });
        });
        for (const kind of ['mention', 'mention_anon']) {
          await page.locator(`#notify-list li.notify-item.unread[data-kind="${kind}"]`).first().waitFor({ state: 'attached' });
        }
        await page.locator('#notify-badge:not([hidden])').waitFor();
        await page.locator('#notify-toggle').click();
        await page.locator('#notify-panel:not([hidden]) li.notify-item.unread').first().waitFor();
      }],
      ['notifications list closed with Escape', async (page) => {
        await page.keyboard.press('Escape');
        await page.locator('#notify-panel').waitFor({ state: 'hidden' });
      }],
    ],
  },
  { name: 'page not found', hash: () => '#/c/valley/nowhere', ready: 'main h1 + p' },
  {
    name: 'coalition', hash: () => '#/c/valley', ready: '#member-list li.member',
    states: [
      // The daemon goes away and comes back on the same port (as in
      // reconnect.test.mjs): the header says so and offers to retry.
      ['offline, reconnecting', async (page) => {
        await goOffline(page);
        await page.locator('#conn-retry:not([hidden])').waitFor();
      }],
      ['back online', (page) => backOnline(page)],
      ['invitation without roles', async (page) => {
        const form = page.locator('#invite-form');
        await form.locator('input[name="name"]').fill('Pat Lee');
        await form.locator('input[name="email"]').fill('pat@demo.test');
        await form.locator('button[type="submit"]').click();
        await page.locator('#invite-error:not([hidden])').waitFor();
      }],
    ],
  },
  {
    name: 'threads', hash: () => '#/c/valley/threads', ready: '#thread-list li.thread-row',
    states: [
      ['search results', async (page) => {
        await page.locator('#disc-search-q').fill('substitute');
        await page.locator('#disc-search-form button[type="submit"]').click();
        await page.locator('#disc-search-status:not(:empty)').waitFor();
        await page.waitForFunction(() => !/…$/.test(document.getElementById('disc-search-status').textContent));
      }],
      ['new thread left blank', async (page) => {
        await page.locator('#new-thread-form input[name="title"]').fill(' ');
        await page.locator('#new-thread-body').fill(' ');
        await page.locator('#new-thread-form button[type="submit"]').click();
        await page.locator('#new-thread-error:not([hidden])').waitFor();
      }],
    ],
  },
  {
    name: 'thread', hash: () => '#/c/valley/threads/1', ready: '#message-list li.message',
    states: [
      ['message posted', async (page) => {
        const before = await page.locator('#message-list li.message').count();
        await page.locator('#compose-body').fill('Thank you all. **Agreed** on the pool.');
        await page.locator('#compose-form button[type="submit"]').click();
        await page.waitForFunction((n) => document.querySelectorAll('#message-list li.message').length > n, before);
      }],
      ['editing a message', async (page) => {
        await page.locator('#message-list li.message .act-edit').last().click();
        await page.locator('#message-list .edit-form').waitFor();
      }],
      ['asked to confirm a delete', async (page) => {
        await page.locator('#message-list .edit-form button.secondary').click();
        await page.locator('#message-list li.message .act-delete').last().click();
        await page.locator('#message-list .confirm-delete').waitFor();
      }],
      ['a reply started', async (page) => {
        await page.locator('#message-list .confirm-delete button.secondary').click();
        await page.locator('#message-list li.message .act-reply').first().click();
        await page.locator('#reply-banner:not([hidden])').waitFor();
      }],
      // The daemon goes away: the reply waits on the device, in the thread
      // and counted in the header.
      ['offline, a message waiting to be sent', async (page) => {
        await goOffline(page);
        await page.locator('#compose-body').fill('Written **offline**: I can take Mondays.');
        await page.locator('#compose-form button[type="submit"]').click();
        await page.locator('#pending-messages li.pending').waitFor();
        await page.locator('#queue-toggle:not([hidden])').waitFor();
      }],
      ['offline, the waiting list open', async (page) => {
        await page.locator('#queue-toggle').click();
        await page.locator('#queue-panel:not([hidden]) li.queue-item').waitFor();
      }],
      ['back online, the message sent', async (page) => {
        await backOnline(page);
        await page.locator('#queue-toggle').waitFor({ state: 'hidden' });
        await page.locator('#pending-messages').waitFor({ state: 'hidden' });
        await page.locator('#message-list li.message', { hasText: 'I can take Mondays' }).first().waitFor();
      }],
    ],
  },
  {
    name: 'decisions', hash: () => '#/c/valley/decisions', ready: 'li.decision-card',
    states: [
      ['new decision form', (page) => openDetails(page, '#create-details')],
      ['new decision left blank', async (page) => {
        await page.locator('#decision-create-form input[name="title"]').fill(' ');
        await page.locator('#decision-create-form textarea[name="body"]').fill(' ');
        await page.locator('#decision-create-form button[type="submit"]').click();
        await shownError(page, '#decision-create-form').waitFor();
      }],
    ],
  },
  { name: 'proposal with a live tally', hash: () => '#/c/valley/decisions/1', ready: '#tally-summary' },
  { name: 'closed ranked decision', hash: () => '#/c/valley/decisions/2', ready: '#rounds li.round' },
  {
    name: 'decision to vote on', hash: (x) => `#/c/valley/decisions/${x.decision}`, ready: '#ballot-form',
    states: [
      ['ballot without a choice', async (page) => {
        if (await page.locator('#ballot-form input:checked').count()) return; // voted in an earlier pass
        await page.locator('#cast-ballot').click();
        await page.locator('#ballot-error:not([hidden])').waitFor();
      }],
      ['ballot cast and verified', async (page) => {
        await page.locator('#ballot-form input[type="radio"]').nth(1).check();
        await page.locator('#cast-ballot').click();
        await page.locator('#receipt-value').waitFor();
        await page.locator('#verify-ballot').click();
        await page.locator('#verify-result :is(.verified, .error)').waitFor();
      }],
      ['asked to confirm the close', async (page) => {
        await page.locator('#close-decision').click();
        await page.locator('#close-confirm').waitFor();
      }],
    ],
  },
  {
    name: 'proposal to vote on', hash: (x) => `#/c/valley/decisions/${x.proposal}`, ready: '#ballot-form .vote-button',
    // Each choice pressed: its colours are checked in the pressed state.
    states: ['agree', 'abstain', 'disagree', 'block'].map((choice) => [`voted ${choice}`, async (page) => {
      await page.locator(`#ballot-form .vote-button[data-choice="${choice}"]`).click();
      await page.locator(`#ballot-form .vote-button[data-choice="${choice}"][aria-pressed="true"]`).waitFor();
      await page.locator('#receipt-value').waitFor();
    }]),
  },
  {
    name: 'milestones', hash: () => '#/c/valley/milestones', ready: '#ms-list li.ms-card',
    states: [
      ['every panel open', (page) => page.evaluate(() => {
        for (const d of document.querySelectorAll('main details')) d.open = true;
      })],
      ['update without a note', async (page) => {
        const form = page.locator('.ms-update-form').first();
        await form.locator('textarea').fill(' ');
        await form.locator('button[type="submit"]').click();
        await shownError(page, '.ms-update-form').waitFor();
      }],
    ],
  },
  { name: 'MOUs', hash: () => '#/c/valley/mous', ready: '#mou-list li' },
  {
    name: 'MOU', hash: () => '#/c/valley/mous/1', ready: '#mou-history li',
    states: [
      ['redline of two versions', async (page) => {
        await page.locator('#mou-history li button[id^="mou-cmp-"]').first().click();
        await page.locator('#mou-diff-out :is(ins, del, .error, table, ol, pre)').first().waitFor();
      }],
      ['text being edited, with its preview', async (page) => {
        await page.locator('#mou-edit-body').fill('# Draft\n\nThe **Hub** keeps the books.');
        await page.locator('#mou-preview-toggle').click();
        await page.locator('#mou-preview:not([hidden])').waitFor();
      }],
    ],
  },
  {
    name: 'RFQs', hash: () => '#/c/valley/rfqs', ready: '#rfq-list li',
    states: [
      ['new RFQ from the template', async (page) => {
        await page.locator('#rfq-start').click();
        await page.locator('#rfq-editor').waitFor();
      }],
    ],
  },
  {
    name: 'open RFQ', hash: (x) => `#/c/valley/rfqs/${x.openRfq}`, ready: '#rfq-respondent-list li',
    states: [
      ['every panel open', (page) => page.evaluate(() => {
        for (const d of document.querySelectorAll('main details')) d.open = true;
      })],
      ['invitation left blank', async (page) => {
        await page.locator('#rfq-invite-form input').first().fill(' ');
        await page.locator('#rfq-invite-form input[type="email"]').fill('x@example.org');
        await page.locator('#rfq-invite-form button[type="submit"]').click();
        await shownError(page, '#rfq-invite-form').waitFor();
      }],
    ],
  },
  {
    name: 'closed RFQ being scored', hash: (x) => `#/c/valley/rfqs/${x.closedRfq}`, ready: '.rfq-score-form',
    states: [
      ['answers and conflict forms open', (page) => page.evaluate(() => {
        for (const d of document.querySelectorAll('main details')) d.open = true;
      })],
      ['results recounted', async (page) => {
        const boxes = page.locator('#rfq-results input[type="checkbox"]');
        for (let i = 0; i < await boxes.count(); i++) await boxes.nth(i).check();
        await page.locator('#rfq-results-out table').waitFor();
      }],
    ],
  },
];

// Checks the page as it is now; returns a list of problems (empty: fine).
// RT_A11Y_TIMING=1 prints how long each check takes; RT_A11Y_ALL=1 prints
// the moderate and minor findings too (they do not fail the test).
const timing = process.env.RT_A11Y_TIMING;
const everything = process.env.RT_A11Y_ALL;
async function check(page, label, phone) {
  const problems = [];
  const t0 = Date.now();
  if (everything) for (const line of await a11yViolations(page, { all: true })) console.log(`${label}: ${line}`);
  for (const line of await a11yViolations(page)) problems.push(`${label}: ${line}`);
  if (phone) {
    const overflow = await horizontalOverflow(page);
    if (overflow > 0) problems.push(`${label}: scrolls sideways by ${overflow}px at 360 px`);
  }
  if (timing) console.log(`${label}: checked in ${Date.now() - t0} ms`);
  return problems;
}

async function visit(page, { hash, ready }) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.locator(ready).first().waitFor();
  // Let the page finish what it loads after the first paint (counts, charts).
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(150);
}

async function walk({ lang, size, scheme }) {
  const context = await browser.newContext({ viewport: size.viewport, locale: lang.browser, colorScheme: scheme });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  watch.allow(/Failed to load resource: the server responded with a status of 401.*\/api\/session/);
  // Chromium logs each WebSocket attempt made while the page is offline.
  watch.allow(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/);
  const problems = [];
  const phone = size.viewport.width <= 360;
  try {
    await page.goto(daemon.url + '/#/signin');
    await page.locator('#signin-form').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), lang.tag);
    let signedIn = false;
    for (const p of PAGES) {
      if (!p.signedOut && !signedIn) {
        await page.evaluate(() => { location.hash = '#/signin'; });
        await page.locator('#signin-form input[type="email"]').fill('maria@demo.test');
        await page.locator('#signin-form input[type="password"]').fill(DEMO_PASSWORD);
        await page.locator('#signin-form button[type="submit"]').click();
        await page.locator('#user-bar:not([hidden])').waitFor();
        signedIn = true;
      }
      const where = `${p.name} [${lang.tag} ${size.name} ${scheme}]`;
      await visit(page, { hash: p.hash(ids), ready: p.ready });
      problems.push(...await check(page, where, phone));
      for (const [name, act] of p.states || []) {
        try {
          await act(page);
        } catch (e) {
          problems.push(`${where}, ${name}: could not reach this state: ${e.message.split('\n')[0]}`);
          continue;
        }
        await page.waitForTimeout(100);
        problems.push(...await check(page, `${where}, ${name}`, phone));
      }
    }
    problems.push(...watch.problems().map((s) => `[${lang.tag} ${size.name} ${scheme}] ${s}`));
  } finally {
    await context.close();
  }
  return problems;
}

before(async () => {
  dataDir = await makeDataDir();
  const demo = await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  ids = await arrangeShowcase(daemon.url, demo.stdout);
  // A decision Maria may vote on that no pass votes on, and a message in a
  // thread no pass reads: her home always has a ballot and a discussion
  // waiting.
  await asJames((james) => james.request('message.post', { thread: 2, body: 'Who can cover **Fridays** in May?' }, 'a11y-home-unread'));
  await asJames((james) => james.request('decision.create', {
    coalition: 'valley', title: 'Move the spring retreat to April', body: 'The **March** date clashes with the county meeting.',
    kind: 'proposal', eligible_roles: ['convener'], closes_at: new Date(Date.now() + 12 * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }, 'a11y-home-decision'));
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('axe is injected without relaxing the CSP and sees a real violation', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watch = await watchPage(page);
  try {
    await page.goto(daemon.url + '/#/signin');
    await page.locator('#signin-form').waitFor();
    assert.deepEqual(await a11yViolations(page), []);
    // Take the label away from the email field: axe must say so.
    await page.evaluate(() => document.querySelector('#signin-form label').remove());
    const found = (await a11yViolations(page)).join('\n');
    assert.match(found, /^label \(critical\)/m);
    assert.match(found, /input\[type="email"\]|#[\w-]+/);
    assert.deepEqual(watch.problems(), [], 'no CSP violation from the injection');
  } finally {
    await context.close();
  }
});

// Both languages at both sizes, and the dark colour scheme once (its
// colours are the other half of the contrast rules).
const PASSES = [];
for (const lang of LANGS) {
  for (const size of SIZES) PASSES.push({ lang, size, scheme: 'light' });
}
PASSES.push({ lang: LANGS[0], size: SIZES[0], scheme: 'dark' });

const only = process.env.RT_A11Y_ONLY;
for (const p of PASSES) {
  const name = `${p.lang.tag}-${p.size.name}${p.scheme === 'dark' ? '-dark' : ''}`;
  const title = `every page and state, ${p.lang.tag === 'en' ? 'English' : 'Spanish'}, ${p.size.name}` +
    `${p.scheme === 'dark' ? ', dark scheme' : ''}: no serious or critical axe violation`;
  test(title, { skip: only && only !== name ? `RT_A11Y_ONLY=${only}` : false }, async () => {
    const problems = await walk(p);
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}

// --- what axe cannot see -------------------------------------------------------

async function signedInPage(email, options = {}) {
  const context = await browser.newContext({ viewport: SIZES[0].viewport, locale: 'en-US', ...options });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  await page.goto(daemon.url + '/#/signin');
  await page.locator('#signin-form input[type="email"]').fill(email);
  await page.locator('#signin-form input[type="password"]').fill(DEMO_PASSWORD);
  await page.locator('#signin-form button[type="submit"]').click();
  await page.locator('#user-bar:not([hidden])').waitFor();
  return { context, page, watch };
}

// The focused element, and whether it is drawn with a focus indicator: an
// outline at least 2px wide, or a box shadow it does not have unfocused;
// and whether it has a size on screen.
function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const look = () => {
      const cs = getComputedStyle(el);
      return { outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2, shadow: cs.boxShadow };
    };
    const focused = look();
    el.blur();
    const resting = look();
    el.focus(); // after a key press, programmatic focus is focus-visible again
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return {
      what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${name}"`,
      ring: focused.outline || focused.shadow !== resting.shadow,
      shown: r.width > 0 && r.height > 0 && cs.visibility !== 'hidden',
    };
  });
}

const TAB_PAGES = ['home', 'coalition', 'threads', 'thread', 'decision to vote on', 'proposal to vote on', 'milestones', 'MOU', 'open RFQ', 'closed RFQ being scored'];
const MAX_TABS = 60;

test('keyboard: every control reached with Tab is on screen and shows a focus ring', async () => {
  const { context, page, watch } = await signedInPage('maria@demo.test');
  const problems = [];
  try {
    for (const p of PAGES.filter((x) => TAB_PAGES.includes(x.name))) {
      await visit(page, { hash: p.hash(ids), ready: p.ready });
      await page.evaluate(() => window.scrollTo(0, 0));
      let stops = 0;
      for (let i = 0; i < MAX_TABS; i++) {
        await page.keyboard.press('Tab');
        const f = await focusInfo(page);
        if (!f) break; // back to the start of the document
        stops++;
        if (!f.shown) problems.push(`${p.name}: Tab reaches ${f.what}, which is not on screen`);
        else if (!f.ring) problems.push(`${p.name}: ${f.what} has no visible focus indicator`);
      }
      assert.ok(stops > 3, `${p.name}: Tab moves through the page (${stops} stops)`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
    // The check does see a missing ring (a rule added through the CSSOM,
    // which the CSP allows).
    await page.evaluate(() => document.styleSheets[0].insertRule('main button:focus-visible { outline: none !important; }'));
    await visit(page, { hash: `#/c/valley/decisions/${ids.decision}`, ready: '#cast-ballot' });
    await page.locator('#cast-ballot').focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const f = await focusInfo(page);
    assert.match(f.what, /#cast-ballot/);
    assert.equal(f.ring, false, 'a button without its outline is seen');
    assert.deepEqual(watch.problems(), []);
  } finally {
    await context.close();
  }
});

test('what others do arrives in live regions: a message, a ballot, a milestone update, a signature', async () => {
  const { context, page, watch } = await signedInPage('maria@demo.test');
  const others = {};
  try {
    for (const who of ['ana', 'dee', 'james']) {
      others[who] = await RtClient.connect(daemon.url);
      await others[who].request('auth.login', { email: `${who}@demo.test`, password: DEMO_PASSWORD });
    }
    const announced = () => page.locator('#announcer').textContent();
    const liveOf = (selector) => page.locator(selector).first().evaluate((el) => {
      const region = el.closest('[aria-live], [role="status"], [role="log"], [role="alert"]');
      return region ? region.getAttribute('aria-live') || region.getAttribute('role') : null;
    });

    // A message from Ana, in the thread Maria reads.
    await visit(page, { hash: '#/c/valley/threads/1', ready: '#message-list li.message' });
    await others.ana.request('message.post', { thread: 1, body: 'The **pool** starts Monday.' }, 'a11y-live-msg');
    const msg = page.locator('#message-list li.message', { hasText: 'starts Monday' });
    await msg.waitFor();
    assert.equal(await liveOf('#message-list li.message >> nth=-1'), 'polite');
    await page.waitForFunction(() => /Ana Ruiz/.test(document.getElementById('announcer').textContent));

    // A ballot from Dee moves the tally Maria is looking at.
    await visit(page, { hash: `#/c/valley/decisions/${ids.decision}`, ready: '#tally-summary' });
    const before = await page.locator('#tally-summary').textContent();
    await others.dee.request('ballot.cast', { decision: ids.decision, choice: 'Saturday mornings' }, 'a11y-live-ballot');
    await page.waitForFunction((b) => document.getElementById('tally-summary').textContent !== b, before);
    assert.equal(await liveOf('#tally-summary'), 'polite');

    // An update from James on a milestone.
    await visit(page, { hash: '#/c/valley/milestones', ready: '#ms-list li.ms-card' });
    const { milestones } = await others.james.request('milestone.list', { coalition: 'valley' });
    await others.james.request('milestone.update', { milestone: milestones[0].id, note: 'Met with the **funders** today.' }, 'a11y-live-ms');
    await page.locator('#ms-latest li', { hasText: 'funders' }).first().waitFor();
    assert.equal(await liveOf('#ms-latest li'), 'polite');
    await page.waitForFunction(() => document.getElementById('announcer').textContent.trim() !== '');

    // Dee signs the MOU for Little Steps.
    await visit(page, { hash: '#/c/valley/mous/1', ready: '#mou-signatures li' });
    const { mou } = await others.dee.request('mou.get', { mou: 1 });
    await others.dee.request('mou.sign', { mou: 1, commit: mou.head }, 'a11y-live-sign');
    await page.waitForFunction(() => /Little Steps/.test(document.getElementById('announcer').textContent));
    assert.equal(await liveOf('#mou-signatures li'), 'polite');
    assert.match(await announced(), /Little Steps/);
    assert.deepEqual(watch.problems(), []);
  } finally {
    for (const c of Object.values(others)) c.close();
    await context.close();
  }
});
