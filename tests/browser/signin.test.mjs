// Browser test: sign in through the real page in headless chromium, see the
// Valley coalition with its members and your roles, invite a member as a
// convener, accept the invitation in a second browser, watch the new member
// appear live, and sign out. No console error or CSP violation anywhere.

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
let rosa;
let inviteLink;

const DEMO_MEMBERS = [
  ['Maria Lopez', 'Valley Early Learning Network', ['Convener', 'Design team']],
  ['James Carter', 'Child Care Resource & Referral', ['Design team']],
  ['Ana Ruiz', 'Sunrise Child Care Center', ['Provider']],
  ['Dee Williams', 'Little Steps Family Child Care', ['Provider']],
  ['Tom Nguyen', 'Bright Futures Preschool', ['Design team', 'Provider']],
  ['Grace Kim', 'Valley Community Foundation', ['Funder']],
  ['Luis Ortega', null, ['Parent']],
];

async function openPage(viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  return { context, page, watch };
}

function member(page, name) {
  return page.locator('#member-list li.member').filter({ has: page.locator('.member-name', { hasText: name }) });
}

async function chipTexts(locator) {
  return (await locator.locator('.chip').allTextContents()).map((s) => s.trim());
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('the page is served with a CSP and shows the sign-in form, online', async () => {
  maria = await openPage({ width: 1280, height: 900 });
  const { page } = maria;
  const res = await page.goto(daemon.url + '/');
  assert.equal(res.status(), 200);
  const headers = res.headers();
  assert.match(headers['content-security-policy'] || '', /script-src 'self'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  await page.locator('#signin-form').waitFor();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  assert.equal((await page.locator('#conn-text').textContent()).trim(), 'Online');
  assert.equal(await page.locator('#user-bar').isHidden(), true);
});

test('a wrong password is refused with a readable message', async () => {
  const { page, watch } = maria;
  // The browser itself logs the 401 of this one request; nothing else may appear.
  watch.allow(/Failed to load resource: the server responded with a status of 401.*\/api\/session/);
  await page.getByLabel('Email').fill('maria@demo.test');
  await page.getByLabel('Password').fill('not-her-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const error = page.locator('#signin-error');
  await error.waitFor();
  assert.match(await error.textContent(), /do not match/);
  assert.equal(await page.locator('#user-bar').isHidden(), true);
});

test('maria signs in and sees the Valley coalition, its members and her roles', async () => {
  const { page } = maria;
  await page.getByLabel('Email').fill('maria@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  const card = page.locator('#coalition-list li[data-slug="valley"]');
  await card.waitFor();
  assert.equal((await card.locator('h2').textContent()).trim(), 'Valley Shared Services Alliance');
  assert.deepEqual(await chipTexts(card), ['Convener', 'Design team']);
  assert.match(await page.locator('#who').textContent(), /Maria Lopez/);
  await page.locator('#conn-status[data-state="online"]').waitFor();

  // A coalition opens at its home (what needs you now); members are one link away.
  await card.getByRole('link', { name: 'Valley Shared Services Alliance' }).click();
  await page.waitForURL(/#\/c\/valley\/home$/);
  await page.locator('#home-summary', { hasText: /need/ }).waitFor();
  await page.getByRole('link', { name: 'Members and roles' }).click();
  await page.waitForURL(/#\/c\/valley$/);
  await page.locator('h1', { hasText: 'Valley Shared Services Alliance' }).waitFor();
  await member(page, 'Luis Ortega').waitFor();

  assert.deepEqual(await chipTexts(page.locator('#my-roles')), ['Convener', 'Design team']);
  for (const [name, org, roles] of DEMO_MEMBERS) {
    const row = member(page, name);
    assert.equal(await row.count(), 1, `${name} is listed once`);
    if (org) assert.equal((await row.locator('.member-org').textContent()).trim(), org);
    assert.deepEqual(await chipTexts(row), roles, `${name}'s roles`);
  }
  assert.equal(await page.locator('#member-list li.member').count(), DEMO_MEMBERS.length);
  assert.equal(await member(page, 'Sam Admin').count(), 0, 'the server administrator is not a member');
  assert.match(await member(page, 'Maria Lopez').getAttribute('class'), /is-me/);
  assert.equal((await page.locator('#conn-text').textContent()).trim(), 'Online');
  await page.locator('#invite-form').waitFor();
  await screenshot(page, 'coalition-desktop.png');
});

test('a convener invites a member, and the link signs the new member in', async () => {
  const { page } = maria;
  const form = page.locator('#invite-form');
  await form.getByLabel('Name').fill('Rosa Martínez');
  await form.getByLabel('Email').fill('rosa@example.test');
  await form.getByLabel('Organization (optional)').fill('Casa de los Niños');
  await form.getByLabel('Provider').check();
  await form.getByLabel('Hub').check();
  await form.getByRole('button', { name: 'Create invitation' }).click();

  const link = page.locator('#invite-link');
  await link.waitFor();
  inviteLink = await link.inputValue();
  assert.match(inviteLink, new RegExp(`^${daemon.url}/#/invite/[^/]+$`));
  const pending = page.locator('#invite-list li.invite', { hasText: 'rosa@example.test' });
  await pending.waitFor();
  assert.match(await pending.textContent(), /Waiting since/);
  assert.deepEqual(await chipTexts(pending), ['Provider', 'Hub']);

  // Rosa opens the link in her own browser, on a phone.
  rosa = await openPage({ width: 360, height: 740 });
  await rosa.page.goto(inviteLink);
  const accept = rosa.page.locator('#accept-form');
  await accept.waitFor();
  await accept.getByLabel('Password', { exact: true }).fill('a long secret for rosa');
  await accept.getByLabel('Password again').fill('a long secret for rosa');
  await accept.getByRole('button', { name: 'Accept invitation' }).click();

  await rosa.page.waitForURL(/#\/c\/valley$/);
  await rosa.page.locator('h1', { hasText: 'Valley Shared Services Alliance' }).waitFor();
  await member(rosa.page, 'Rosa Martínez').waitFor();
  assert.deepEqual(await chipTexts(rosa.page.locator('#my-roles')), ['Provider', 'Hub']);
  assert.equal(await rosa.page.locator('#invite-form').count(), 0, 'a provider sees no invite form');
  await rosa.page.locator('#conn-status[data-state="online"]').waitFor();
  assert.match(await rosa.page.locator('#who').textContent(), /Rosa Martínez/);
  const overflow = await rosa.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
  await screenshot(rosa.page, 'coalition-phone.png');

  // Maria's page learns of Rosa through the member.joined event, without a reload.
  const joined = member(page, 'Rosa Martínez');
  await joined.waitFor();
  assert.equal((await joined.locator('.member-org').textContent()).trim(), 'Casa de los Niños');
  assert.deepEqual(await chipTexts(joined), ['Provider', 'Hub']);
  await page.locator('#invite-list li.invite.accepted', { hasText: 'rosa@example.test' }).waitFor();

  // The cookie keeps Rosa signed in across a reload; the used link is gone from the address.
  await rosa.page.reload();
  await member(rosa.page, 'Maria Lopez').waitFor();
  assert.match(rosa.page.url(), /#\/c\/valley$/);
});

test('a used invitation link is refused', async () => {
  const other = await openPage({ width: 800, height: 700 });
  try {
    await other.page.goto(inviteLink);
    const accept = other.page.locator('#accept-form');
    await accept.getByLabel('Password', { exact: true }).fill('another long password');
    await accept.getByLabel('Password again').fill('another long password');
    await accept.getByRole('button', { name: 'Accept invitation' }).click();
    const error = other.page.locator('#accept-error');
    await error.waitFor();
    assert.match(await error.textContent(), /not valid|already been used/);
    assert.deepEqual(other.watch.problems(), []);
  } finally {
    await other.context.close();
  }
});

test('names are shown as text, never as markup', async () => {
  const { page } = maria;
  const form = page.locator('#invite-form');
  // Angle brackets are refused by the name rule (docs/protocol.md, Names);
  // entities, quotes and ampersands are allowed and must stay text.
  const refused = '<img src=x onerror="window.__pwned=1">Eve';
  await form.getByLabel('Name').fill(refused);
  await form.getByLabel('Email').fill('eve@example.test');
  await form.getByLabel('Observer').check();
  await form.getByRole('button', { name: 'Create invitation' }).click();
  await page.locator('#invite-error:not([hidden])').waitFor();
  const nasty = 'Eve &lt;b&gt; "O\'Brien" & Co';
  await form.getByLabel('Name').fill(nasty);
  await form.getByRole('button', { name: 'Create invitation' }).click();
  const row = page.locator('#invite-list li.invite', { hasText: 'eve@example.test' });
  await row.waitFor();
  assert.equal((await row.locator('.member-name').textContent()), nasty);
  assert.equal(await page.locator('#invite-list img, #invite-list b').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
});

test('a change of roles shows up live', async () => {
  const { page } = maria;
  const ana = member(page, 'Ana Ruiz');
  const anaId = Number(await ana.getAttribute('data-member-id'));
  assert.ok(anaId > 0);
  const client = await RtClient.connect(daemon.url);
  try {
    await client.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
    await client.request('member.set_roles', { coalition: 'valley', member: anaId, roles: ['provider', 'hub'] }, 'browser-test-ana-hub');
  } finally {
    client.close();
  }
  await ana.locator('.chip[data-role="hub"]').waitFor();
  assert.deepEqual(await chipTexts(ana), ['Provider', 'Hub']);
  assert.equal(await page.locator('#member-list li.member').count(), DEMO_MEMBERS.length + 1);
});

test('signing in and out reaches the other tabs of the browser', async () => {
  const { page } = maria;
  const tab = await maria.context.newPage();
  const tabWatch = await watchPage(tab);
  await tab.goto(daemon.url + '/#/c/valley');
  await member(tab, 'Luis Ortega').waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin-form').waitFor();
  assert.equal(await page.locator('#user-bar').isHidden(), true);

  // The other tab learns that the session ended and asks to sign in again.
  await tab.locator('#signin-form').waitFor();
  assert.match(await tab.locator('main').textContent(), /session has ended/);
  assert.equal(await tab.locator('#member-list').count(), 0);

  // Signing in there brings this tab back too.
  await tab.getByLabel('Email').fill('maria@demo.test');
  await tab.getByLabel('Password').fill(DEMO_PASSWORD);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await member(tab, 'Luis Ortega').waitFor();
  await page.locator('#coalition-list li[data-slug="valley"]').waitFor();
  assert.deepEqual(tabWatch.problems(), []);
  await tab.close();
});

test('after signing out, a reload stays signed out', async () => {
  const { page } = maria;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin-form').waitFor();
  await page.reload();
  await page.locator('#signin-form').waitFor();
  await page.locator('#conn-status[data-state="online"]').waitFor();
  assert.equal(await page.locator('#user-bar').isHidden(), true);
});

test('no console errors and no CSP violations', async () => {
  assert.deepEqual(maria.watch.problems(), []);
  assert.deepEqual(rosa.watch.problems(), []);
});
