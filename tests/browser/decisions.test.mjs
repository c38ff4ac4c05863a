// Browser test of the decisions: the list (open with my ballot status,
// closed with the outcome), a closed ranked decision with its rounds, a
// convener creating a ranked decision through the form, ranking by keyboard
// and casting, the receipt verified, a second member's ballot moving the
// live tally without a reload, the proposal buttons, a secret consent vote
// with results after the close (changed with the kept receipt), and closing
// with an outcome statement seen live by the voter. No console error or CSP
// violation; usable at 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, screenshot, RtClient,
  DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;
let maria; // {context, page, watch}
let tom;
let setup; // RtClient as maria
let rankedUrl;
let consentId;

const PROPOSAL_TITLE = 'Adopt the shared substitute pool';
const RANKED_DEMO_TITLE = 'Which shared service should the Hub start first?';

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

function card(page, title) {
  return page.locator('li.decision-card').filter({ has: page.locator('a.decision-title', { hasText: title }) });
}

async function noHorizontalScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `no horizontal scrolling (${scroll} > ${width})`);
}

async function focusedText(page) {
  return page.evaluate(() => document.activeElement && (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent));
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  setup = await RtClient.connect(daemon.url);
  await setup.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
  const closes = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const made = await setup.request('decision.create', {
    coalition: 'valley', title: 'How ready are we to pool substitute staff?', body: 'Show your **fingers**.',
    kind: 'consent', eligible_roles: ['provider'], closes_at: closes, secret: true, results: 'after_close',
  });
  consentId = made.decision.id;
});

after(async () => {
  if (setup) setup.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('the list shows open decisions with my status and closed ones with their outcome', async () => {
  maria = await openPage({ width: 1280, height: 900 });
  const { page } = maria;
  await signIn(page, 'maria@demo.test', '#/c/valley');
  await page.getByRole('link', { name: 'Decisions' }).click();
  await page.waitForURL(/#\/c\/valley\/decisions$/);
  await page.locator('h1', { hasText: 'Decisions' }).waitFor();
  const proposal = page.locator('#open-decisions').locator('li.decision-card', { hasText: PROPOSAL_TITLE });
  await proposal.waitFor();
  assert.equal((await proposal.locator('.my-status').textContent()).trim(), 'Not eligible to vote');
  const consent = card(page, 'How ready are we');
  assert.equal((await consent.locator('.my-status').textContent()).trim(), 'Not eligible to vote');
  const closed = page.locator('#closed-decisions li.decision-card', { hasText: RANKED_DEMO_TITLE });
  await closed.waitFor();
  assert.match(await closed.locator('.outcome-line').textContent(), /Passed · chosen: Substitute pool/);
  assert.equal((await closed.locator('.my-status').textContent()).trim(), 'You voted');
});

test('a closed ranked decision shows its outcome, statement and rounds', async () => {
  const { page } = maria;
  await page.getByRole('link', { name: RANKED_DEMO_TITLE }).click();
  await page.locator('h1', { hasText: RANKED_DEMO_TITLE }).waitFor();
  await page.locator('#outcome-result').waitFor();
  assert.match(await page.locator('#outcome-result').textContent(), /Passed · chosen: Substitute pool/);
  assert.equal(await page.locator('#outcome-statement strong').textContent(), 'substitute pool');
  const rounds = page.locator('#rounds li.round');
  assert.equal(await rounds.count(), 3);
  assert.match(await rounds.nth(0).textContent(), /HR and payroll was eliminated/);
  assert.match(await rounds.nth(2).locator('tr[data-key="Substitute pool"]').textContent(), /3/);
  assert.match(await page.locator('#ballot-status').textContent(), /Voting has closed/);
  assert.equal(await page.locator('#ballot-form').count(), 0);
  assert.match(await page.locator('#ballots-panel').textContent(), /without names/);
});

test('a convener creates a ranked decision, ranks by keyboard, casts and verifies', async () => {
  const { page } = maria;
  await page.goto(`${daemon.url}/#/c/valley/decisions`);
  await page.locator('#create-details summary').click();
  const form = page.locator('#decision-create-form');
  await form.getByLabel('Title').fill('Where should the Hub office be?');
  await form.getByLabel('What is being decided').fill('Pick the **location** for the Hub office.');
  await form.getByLabel('Kind of vote').selectOption('ranked');
  await form.getByLabel('Options').fill('Downtown\nEastside\nNear the college');
  await form.getByLabel('Design team').check(); // provider is checked by default
  await form.getByRole('button', { name: 'Create decision' }).click();
  await page.waitForURL(/#\/c\/valley\/decisions\/\d+$/);
  rankedUrl = page.url();
  await page.locator('h1', { hasText: 'Where should the Hub office be?' }).waitFor();
  assert.equal(await page.locator('#decision-body .md strong').textContent(), 'location');
  assert.match(await page.locator('#tally-summary').textContent(), /0 of \d+ ballots cast/);

  // Rank Eastside, then Downtown, by keyboard; then move Downtown up.
  const rank = (o) => page.getByRole('button', { name: `Rank ${o}` });
  await rank('Eastside').focus();
  await page.keyboard.press('Enter');
  await rank('Downtown').focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Move Downtown up' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await focusedText(page), 'Move Downtown down', 'focus follows the moved option');
  assert.deepEqual(await page.locator('#ranking .rank-name').allTextContents(), ['Downtown', 'Eastside']);
  assert.deepEqual(await page.locator('#unranked .rank-name').allTextContents(), ['Near the college']);
  assert.match(await page.locator('#ranking-status').textContent(), /Downtown is now number 1/);
  await page.getByLabel('Reason (optional)').fill('Bus lines reach downtown.');
  await page.getByRole('button', { name: 'Cast ballot' }).click();

  const receipt = page.locator('#receipt-value');
  await receipt.waitFor();
  assert.match(await receipt.inputValue(), /^[A-Za-z0-9_-]{43}$/);
  assert.match(await page.locator('#ballot-status').textContent(), /Your ballot: 1\. Downtown\s+2\. Eastside/);
  await page.locator('#tally-summary', { hasText: '1 of' }).waitFor();
  await page.getByRole('button', { name: 'Verify my ballot' }).click();
  await page.locator('#verify-result .verified').waitFor();
  assert.match(await page.locator('#verify-result').textContent(), /counted as cast: 1\. Downtown\s+2\. Eastside/);
  assert.match(await page.locator('#verify-result').textContent(), /Round 1: counted for Downtown/);
});

test('another member\'s ballot moves the live tally without a reload', async () => {
  tom = await openPage({ width: 360, height: 740 });
  await signIn(tom.page, 'tom@demo.test', new URL(rankedUrl).hash);
  await tom.page.locator('h1', { hasText: 'Where should the Hub office be?' }).waitFor();
  await tom.page.locator('#tally-summary', { hasText: '1 of' }).waitFor();
  assert.equal(await tom.page.locator('#tally').getAttribute('aria-live'), 'polite');
  for (const o of ['Near the college', 'Eastside']) await tom.page.getByRole('button', { name: `Rank ${o}` }).click();
  await tom.page.getByRole('button', { name: 'Cast ballot' }).click();
  await tom.page.locator('#receipt-value').waitFor();
  // Maria sees it arrive: the tally and the ballots list.
  await maria.page.locator('#tally-summary', { hasText: '2 of' }).waitFor();
  await maria.page.locator('#ballot-list li', { hasText: 'Tom Nguyen' }).waitFor();
  const row = maria.page.locator('#tally tr[data-key="Near the college"] td.num');
  assert.match(await row.textContent(), /^1/);
  assert.match(await maria.page.locator('#tally-provisional').textContent(), /If it closed now/);
  await noHorizontalScroll(tom.page);
  await screenshot(tom.page, 'decisions-ranked-phone.png');
  await screenshot(maria.page, 'decisions-ranked.png');
});

test('proposal buttons cast and change a ballot', async () => {
  const { page } = tom;
  await page.goto(`${daemon.url}/#/c/valley/decisions`);
  const proposal = card(page, PROPOSAL_TITLE);
  await proposal.waitFor();
  assert.equal((await proposal.locator('.my-status').textContent()).trim(), 'Awaiting your vote');
  await proposal.getByRole('link', { name: PROPOSAL_TITLE }).click();
  await page.locator('h1', { hasText: PROPOSAL_TITLE }).waitFor();
  await page.locator('#tally-summary', { hasText: '2 of' }).waitFor();
  await page.getByLabel('Reason (optional)').fill('We need the cost split first.');
  await page.getByRole('button', { name: 'Disagree' }).click();
  await page.locator('#receipt-value').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Disagree' }).getAttribute('aria-pressed'), 'true');
  await page.locator('#tally-summary', { hasText: '3 of' }).waitFor();
  await page.getByRole('button', { name: 'Agree', exact: true }).click();
  await page.locator('#ballot-status', { hasText: 'Your ballot: Agree' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Disagree' }).getAttribute('aria-pressed'), 'false');
  await page.locator('#tally tr[data-key="agree"] td.num', { hasText: /^3/ }).waitFor();
  assert.match(await page.locator('#tally-summary').textContent(), /3 of \d+ ballots cast/);
  await page.locator('#ballot-list li', { hasText: 'Tom Nguyen' }).waitFor();
});

test('single choice and approval ballots', async () => {
  const closes = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = { coalition: 'valley', body: 'Pick.', eligible_roles: ['provider'], closes_at: closes };
  const choice = await setup.request('decision.create', { ...base, title: 'Payroll vendor', kind: 'choice', options: ['Vendor A', 'Vendor B'] });
  const approval = await setup.request('decision.create', { ...base, title: 'Meeting days', kind: 'approval', options: ['Monday', 'Wednesday', 'Friday'] });
  const { page } = tom;

  await page.goto(`${daemon.url}/#/c/valley/decisions/${choice.decision.id}`);
  await page.locator('h1', { hasText: 'Payroll vendor' }).waitFor();
  await page.getByRole('button', { name: 'Cast ballot' }).click();
  assert.match(await page.locator('#ballot-error').textContent(), /Choose an option/);
  await page.getByLabel('Vendor B').check();
  await page.getByRole('button', { name: 'Cast ballot' }).click();
  await page.locator('#receipt-value').waitFor();
  await page.locator('#tally tr[data-key="Vendor B"] td.num', { hasText: /^1/ }).waitFor();
  assert.match(await page.locator('#ballot-status').textContent(), /Your ballot: Vendor B/);

  await page.goto(`${daemon.url}/#/c/valley/decisions/${approval.decision.id}`);
  await page.locator('h1', { hasText: 'Meeting days' }).waitFor();
  await page.getByLabel('Monday').check();
  await page.getByLabel('Friday').check();
  await page.getByRole('button', { name: 'Cast ballot' }).click();
  await page.locator('#receipt-value').waitFor();
  await page.locator('#tally tr[data-key="Friday"] td.num', { hasText: /^1/ }).waitFor();
  assert.match(await page.locator('#ballot-status').textContent(), /Your ballot: Monday, Friday/);
  // Reloaded, the page knows the ballot and the receipt.
  await page.reload();
  await page.locator('#ballot-status', { hasText: 'Your ballot: Monday, Friday' }).waitFor();
  assert.equal(await page.getByLabel('Monday').isChecked(), true);
  assert.equal(await page.getByLabel('Wednesday').isChecked(), false);
  await page.locator('#receipt-value').waitFor();
});

test('a secret consent vote hides results until a convener closes it; the voter sees the close live', async () => {
  const { page } = tom;
  await page.goto(`${daemon.url}/#/c/valley/decisions/${consentId}`);
  await page.locator('h1', { hasText: 'How ready are we' }).waitFor();
  await page.locator('#results-hidden').waitFor();
  assert.match(await page.locator('#results-hidden').textContent(), /Results are shown after the close/);
  await page.getByLabel('3 · Can live with it').check();
  await page.getByRole('button', { name: 'Cast ballot' }).click();
  const receipt = page.locator('#receipt-value');
  await receipt.waitFor();
  const first = await receipt.inputValue();
  // Changing a secret ballot: the receipt kept in this browser goes along.
  await page.getByLabel('5 · Full support').check();
  await page.getByRole('button', { name: 'Change ballot' }).click();
  await page.waitForFunction((old) => document.getElementById('receipt-value') && document.getElementById('receipt-value').value !== old, first);
  assert.match(await page.locator('#ballot-status').textContent(), /Your ballot: 5 · Full support/);
  await page.locator('#results-hidden').waitFor();

  // Maria closes it with an outcome statement.
  const m = maria.page;
  await m.goto(`${daemon.url}/#/c/valley/decisions/${consentId}`);
  await m.locator('#results-hidden').waitFor();
  assert.equal(await m.locator('#ballot-form').count(), 0, 'maria is not a provider');
  await m.getByLabel('Outcome statement (optional)').fill('We are **ready**: the pool starts in January.');
  await m.getByRole('button', { name: 'Close now' }).click();
  await m.getByRole('button', { name: 'Yes, close it' }).click();
  await m.locator('#outcome-result').waitFor();
  assert.match(await m.locator('#outcome-result').textContent(), /Passed/);
  assert.equal(await m.locator('#close-panel').count(), 0);

  // Tom's page follows without a reload.
  await page.locator('#outcome-result').waitFor();
  assert.equal(await page.locator('#outcome-statement strong').textContent(), 'ready');
  assert.match(await page.locator('#tally-summary').textContent(), /1 of \d+ ballots cast/);
  assert.equal(await page.locator('#ballot-form').count(), 0);
  assert.match(await page.locator('#tally tr[data-key="5"] td.num').textContent(), /^1/);
  await page.getByRole('button', { name: 'Verify my ballot' }).click();
  await page.locator('#verify-result .verified').waitFor();
  assert.match(await page.locator('#verify-result').textContent(), /5 · Full support.*closed/s);
  await noHorizontalScroll(page);
  await screenshot(page, 'decisions-consent-phone.png');
});

test('no console errors or CSP violations', () => {
  for (const who of [maria, tom]) {
    if (who) assert.deepEqual(who.watch.problems(), []);
  }
});
