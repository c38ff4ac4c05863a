// Browser test: the home view, "what needs you now". Dee (provider, Little
// Steps Family Child Care) chooses Valley and lands on it: the demo MOU her
// organization has not signed, her unread discussions, a milestone of hers
// due in three days and an RFQ that closed with her as an evaluator who has
// not scored. Maria then opens a decision over the protocol: it appears on
// Dee's home by itself; Dee follows the link, votes, and it is gone from
// her home. Every item links to the place to act. At 360 px nothing scrolls
// sideways. No console error or CSP violation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, RtClient, screenshot,
  DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;
let context;
let page;
let watch;
let maria;
let rfqId;
let milestoneId;

const DEE = 5;
const inDays = (n) => new Date(Date.now() + n * 86400000);
const rfc3339 = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  page = await context.newPage();
  watch = await watchPage(page);
  maria = await RtClient.connect(daemon.url);
  await maria.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });

  // A milestone of Dee's due in three days.
  const ms = await maria.request('milestone.create', {
    coalition: 'valley', title: 'Enrollment packets sent to families', body: 'Every family gets the packet.',
    due: rfc3339(inDays(3)), owner: DEE,
  });
  milestoneId = ms.milestone.id;

  // An RFQ that closed with one answer, Dee assigned to score it.
  const { rfq } = await maria.request('rfq.create', {
    coalition: 'valley', title: 'Family engagement Hub', body: 'Tell us how you reach families.',
    closes_at: rfc3339(inDays(7)), questions: [{ section: 'Trust', text: 'Which families trust you, and why?' }],
    criteria: [{ name: 'Trust of families', description: 'Families know them', weight: 1, max: 5 }],
  });
  rfqId = rfq.id;
  await maria.request('rfq.publish', { rfq: rfqId });
  const inv = await maria.request('respondent.invite', { rfq: rfqId, organization: 'Familias Unidas', email: 'hub@familias.test' });
  const respondent = await RtClient.connect(daemon.url);
  await respondent.request('response.submit', {
    respondent_token: inv.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'Parents run our board.' }], final: true,
  });
  respondent.close();
  await maria.request('evaluator.assign', { rfq: rfqId, member: DEE });
  await maria.request('rfq.close', { rfq: rfqId });
});

after(async () => {
  if (maria) maria.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

const section = (key) => page.locator(`#home-${key}`);
const itemsOf = async (key) => (await section(key).locator('li.home-item > a').allTextContents()).map((s) => s.trim());

test('choosing a coalition lands on what needs you now', async () => {
  await page.goto(daemon.url + '/');
  await page.getByLabel('Email').fill('dee@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#coalition-list li[data-slug="valley"] a').click();
  await page.waitForURL(/#\/c\/valley\/home$/);
  await page.locator('h1', { hasText: 'What needs you now' }).waitFor();
  await page.locator('.home-grid:not([hidden])').waitFor();

  assert.deepEqual(await itemsOf('mous'), ['Hub and member providers: roles and responsibilities']);
  assert.match(await section('mous').textContent(), /Sign for Little Steps Family Child Care/);
  assert.deepEqual(await itemsOf('scores'), ['Family engagement Hub']);
  assert.deepEqual(await itemsOf('milestones'), ['Enrollment packets sent to families']);
  assert.match(await section('milestones').textContent(), /Due /);
  const threads = await itemsOf('threads');
  assert.deepEqual(threads.sort(), ['Substitute pool: how should we share staff?', 'Which services should the Alliance offer first?']);
  assert.match(await section('threads').textContent(), /4 unread messages/);
  // Dee voted on the demo's open decision already.
  assert.deepEqual(await itemsOf('decisions'), []);
  assert.match(await page.locator('[data-section="decisions"]').textContent(), /No open decision is waiting for your ballot/);
  assert.equal((await page.locator('#home-summary').textContent()).trim(), '5 things need you.');
  await screenshot(page, 'home-desktop.png');
});

test('every item links to the place to act', async () => {
  const links = async (key) => section(key).locator('li.home-item > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(await links('mous'), ['#/c/valley/mous/1']);
  assert.deepEqual(await links('scores'), [`#/c/valley/rfqs/${rfqId}`]);
  assert.deepEqual(await links('milestones'), ['#/c/valley/milestones']);
  for (const href of await links('threads')) assert.match(href, /^#\/c\/valley\/threads\/\d+$/);

  await section('mous').getByRole('link').click();
  await page.waitForURL(/#\/c\/valley\/mous\/1$/);
  await page.locator('h1', { hasText: 'Hub and member providers' }).waitFor();
  await page.goBack();
  await page.locator('.home-grid:not([hidden])').waitFor();
  await section('scores').getByRole('link').click();
  await page.waitForURL(new RegExp(`#/c/valley/rfqs/${rfqId}$`));
  await page.locator('h1', { hasText: 'Family engagement Hub' }).waitFor();
  await page.goBack();
  await page.locator('.home-grid:not([hidden])').waitFor();
});

test('a decision Maria opens appears by itself; once Dee has voted it is gone', async () => {
  const { decision } = await maria.request('decision.create', {
    coalition: 'valley', title: 'Pool the purchasing of classroom supplies', body: 'One order a quarter.',
    kind: 'proposal', eligible_roles: ['provider'], closes_at: rfc3339(inDays(5)),
  });
  const link = section('decisions').getByRole('link', { name: 'Pool the purchasing of classroom supplies' });
  await link.waitFor();
  assert.match(await section('decisions').textContent(), /Closes /);
  await page.locator('#home-summary', { hasText: '6 things need you.' }).waitFor();

  await link.click();
  await page.waitForURL(new RegExp(`#/c/valley/decisions/${decision.id}$`));
  await page.locator('#ballot-form button[data-choice="agree"]').click();
  await page.locator('#ballot-form button[data-choice="agree"][aria-pressed="true"]').waitFor();
  await page.goBack();
  await page.locator('.home-grid:not([hidden])').waitFor();
  await page.locator('#home-summary', { hasText: '5 things need you.' }).waitFor();
  assert.deepEqual(await itemsOf('decisions'), []);
});

test('a milestone marked achieved leaves the list live', async () => {
  await maria.request('milestone.update', { milestone: milestoneId, status: 'achieved', note: 'Sent.' });
  await page.locator('#home-summary', { hasText: '4 things need you.' }).waitFor();
  assert.deepEqual(await itemsOf('milestones'), []);
  assert.match(await page.locator('[data-section="milestones"]').textContent(), /None of your milestones is due/);
});

test('a decision closing within a day says so in words, not only in red', async () => {
  await maria.request('decision.create', {
    coalition: 'valley', title: 'Confirm the July training date', body: 'Yes or no by tonight.',
    kind: 'proposal', eligible_roles: ['provider'], closes_at: rfc3339(new Date(Date.now() + 12 * 3600000)),
  });
  const item = section('decisions').locator('li.home-item', { hasText: 'Confirm the July training date' });
  await item.waitFor();
  assert.match(await item.locator('.home-detail').textContent(), /^Closes within a day: /);
  assert.equal(await item.evaluate((li) => li.classList.contains('urgent')), true);
});

test('on a phone (360 px) nothing scrolls sideways', async () => {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.locator('.home-grid:not([hidden])').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
  // The two header lists fit too.
  await page.locator('#notify-toggle').click();
  const box = await page.locator('#notify-panel').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the notifications list fits (${JSON.stringify(box)})`);
  await page.keyboard.press('Escape');
  await screenshot(page, 'home-phone.png');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('no console errors or CSP violations', async () => {
  assert.deepEqual(watch.problems(), []);
});
