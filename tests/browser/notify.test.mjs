// Browser test: notifications. Ana (provider, Sunrise Child Care Center) has
// Valley open; Maria acts over the protocol: mentions her, opens a decision,
// asks Sunrise to sign a new MOU, closes the decision. Each shows in the
// header's badge and list, announced politely. The list opens and closes by
// keyboard; clicking a notification goes to its object and reads it. Read
// state survives a reload; what happened while Ana's page was closed comes
// in when she opens it again (subscribe with since), with a decision she has
// not voted on that closes within a day. Also in Spanish. No console error.

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
let decisionId;
let mouId;
let mentionId;

const rfc3339 = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  maria = await RtClient.connect(daemon.url);
  await maria.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
});

after(async () => {
  if (maria) maria.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

async function openPage(hash) {
  page = await context.newPage();
  watch = await watchPage(page);
  await page.goto(daemon.url + '/' + hash);
}

const badge = () => page.locator('#notify-badge');
const toggle = () => page.locator('#notify-toggle');
const items = () => page.locator('#notify-list li.notify-item');
const badgeIs = (n) => page.locator(`#notify-badge:not([hidden])`, { hasText: new RegExp(`^${n}$`) }).waitFor();

test('Ana signs in; nothing to tell yet', async () => {
  await openPage('#/c/valley/home');
  await page.getByLabel('Email').fill('ana@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.home-grid:not([hidden])').waitFor();
  assert.equal(await badge().isHidden(), true);
  assert.equal(await toggle().getAttribute('aria-expanded'), 'false');
  assert.equal((await page.locator('#notify-label').textContent()).trim(), 'Notifications');
});

test('what Maria does shows in the badge and the list', async () => {
  const posted = await maria.request('message.post', { thread: 1, body: '@Ana.Ruiz could Sunrise host the first training?' });
  mentionId = posted.message.id;
  await badgeIs(1);
  assert.equal((await page.locator('#notify-label').textContent()).trim(), 'Notifications, 1 unread');
  await page.locator('#notify-live', { hasText: 'New notification: Maria Lopez mentioned you' }).waitFor();

  const { decision } = await maria.request('decision.create', {
    coalition: 'valley', title: 'Share one substitute list', body: 'A single list for every center.',
    kind: 'proposal', eligible_roles: ['provider'], closes_at: rfc3339(5 * 86400000),
  });
  decisionId = decision.id;
  await badgeIs(2);

  const mou = await maria.request('mou.create', {
    coalition: 'valley', title: 'Shared substitutes MOU', body: '# MOU\n\nWe share substitutes.\n',
    parties: ['Valley Early Learning Network', 'Sunrise Child Care Center'],
  });
  mouId = mou.mou.id;
  await badgeIs(3);
  // An MOU Sunrise is not a party to asks nothing of Ana.
  await maria.request('mou.create', { coalition: 'valley', title: 'Hub and funder MOU', body: 'Funding.', parties: ['Valley Community Foundation'] });

  await maria.request('decision.close', { decision: decisionId });
  await badgeIs(4);

  await toggle().click();
  assert.equal(await toggle().getAttribute('aria-expanded'), 'true');
  const texts = (await items().allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
  assert.equal(texts.length, 4);
  assert.match(texts[0], /^Unread: Decision closed: Share one substitute list \(failed\)/);
  assert.match(texts[1], /^Unread: Your signature is requested: Shared substitutes MOU/);
  assert.match(texts[2], /^Unread: New decision: Share one substitute list/);
  assert.match(texts[3], /^Unread: Maria Lopez mentioned you in “Which services should the Alliance offer first\?”/);
  const hrefs = await page.locator('#notify-list a.notify-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, [
    `#/c/valley/decisions/${decisionId}`, `#/c/valley/mous/${mouId}`, `#/c/valley/decisions/${decisionId}`,
    `#/c/valley/threads/1/m/${mentionId}`,
  ]);
  await screenshot(page, 'notifications.png');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#notify-panel').isHidden(), true);
});

test('the list works by keyboard, and a click goes to the object and reads it', async () => {
  await toggle().focus();
  await page.keyboard.press('Enter');
  await page.locator('#notify-panel:not([hidden])').waitFor();
  // Tab goes from the button into the list: "Mark all as read", then the notifications.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'notify-mark-all');
  await page.keyboard.press('Tab');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /Decision closed/);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#notify-panel').isHidden(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'notify-toggle', 'focus back on the button');

  await page.keyboard.press('Enter');
  await page.locator('#notify-list a', { hasText: 'mentioned you' }).click();
  await page.waitForURL(new RegExp(`#/c/valley/threads/1/m/${mentionId}$`));
  await page.locator(`#msg-${mentionId}`).waitFor();
  assert.equal(await page.locator('#notify-panel').isHidden(), true);
  await badgeIs(3);
  // Opening the decision another way reads both of its notifications.
  await page.evaluate((id) => { location.hash = `#/c/valley/decisions/${id}`; }, decisionId);
  await badgeIs(1);
});

test('read and unread survive a reload', async () => {
  await page.reload();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  await badgeIs(1);
  await toggle().click();
  assert.equal(await items().count(), 4);
  assert.equal(await page.locator('#notify-list li.notify-item.unread').count(), 1);
  assert.match(await page.locator('#notify-list li.unread').textContent(), /Your signature is requested/);
  await page.keyboard.press('Escape');
});

test('what happened while the page was closed arrives when it opens again', async () => {
  await page.close();
  const again = await maria.request('message.post', { thread: 2, body: 'Thanks @Ana.Ruiz, see you Monday.' });
  const { decision } = await maria.request('decision.create', {
    coalition: 'valley', title: 'Approve the winter schedule', body: 'Closes tonight.',
    kind: 'proposal', eligible_roles: ['provider'], closes_at: rfc3339(3 * 3600000),
  });
  await openPage('#/c/valley/home');
  await page.locator('#conn-status[data-state="online"]').waitFor();
  // The mention and the new decision (caught up), and "closes within a day".
  await badgeIs(4);
  await toggle().click();
  const texts = (await items().allTextContents()).join('\n');
  assert.match(texts, /Maria Lopez mentioned you in “Substitute pool/);
  assert.match(texts, /New decision: Approve the winter schedule/);
  assert.match(texts, /Closes within a day, and you have not voted: Approve the winter schedule/);
  const link = page.locator('#notify-list a', { hasText: 'Substitute pool' });
  assert.equal(await link.getAttribute('href'), `#/c/valley/threads/2/m/${again.message.id}`);
  assert.ok(decision.id > decisionId);

  await page.locator('#notify-mark-all').click();
  await page.locator('#notify-badge').waitFor({ state: 'hidden' });
  assert.equal((await page.locator('#notify-label').textContent()).trim(), 'Notifications');
  assert.equal(await page.locator('#notify-list li.unread').count(), 0);
  await page.keyboard.press('Escape');
});

test('in Spanish', async () => {
  await maria.request('message.post', { thread: 2, body: '@Ana.Ruiz ¿nos vemos el lunes?' });
  await badgeIs(1);
  await page.locator('#lang-es').click();
  assert.equal((await page.locator('#notify-label').textContent()).trim(), 'Notificaciones, 1 sin leer');
  await toggle().click();
  assert.match(await items().first().textContent(), /Sin leer: Maria Lopez lo mencionó en «Substitute pool/);
  assert.equal((await page.locator('#notify-title').textContent()).trim(), 'Notificaciones');
  await page.keyboard.press('Escape');
  await page.locator('#lang-en').click();
});

test('no console errors or CSP violations', async () => {
  assert.deepEqual(watch.problems(), []);
});
