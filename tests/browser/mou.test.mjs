// Browser test: MOUs. Maria (a convener whose organization is a party) opens
// the demo MOU, signs its current version, and sees it become fully signed
// live when Dee's organization signs over a second connection. James then
// saves a new version: Maria's page shows the signatures left on the old
// version. Maria's own edit of another paragraph is merged with James's;
// an overlapping edit gets the conflict, with the marked text in her editor
// and an explanation; she resolves it and saves. The redline between two
// versions marks insertions and deletions with <ins>/<del> and a legend.
// She also writes a new MOU from the template. No console error or CSP
// violation; the page fits 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, screenshot, RtClient,
  DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;
let maria;
let james; // over the protocol
let dee; // over the protocol
let mouId;

async function login(email) {
  const c = await RtClient.connect(daemon.url);
  await c.request('auth.login', { email, password: DEMO_PASSWORD });
  return c;
}

async function openAs(email, hash, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1100, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  await page.goto(daemon.url + '/' + hash);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, watch };
}

const party = (page, name) => page.locator('#mou-signatures li.mou-party').filter({ has: page.locator('.mou-party-name', { hasText: name }) });

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  james = await login('james@demo.test');
  dee = await login('dee@demo.test');
});

after(async () => {
  for (const c of [james, dee]) if (c) c.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('the list shows each MOU with its signature status', async () => {
  const { mous } = await james.request('mou.list', { coalition: 'valley' });
  assert.ok(mous.length >= 1, 'the demo has an MOU');
  const demo = mous[0];
  mouId = demo.id;
  maria = await openAs('maria@demo.test', '#/c/valley/mous');
  const { page } = maria;
  const item = page.locator(`#mou-list li[data-mou-id="${mouId}"]`);
  await item.waitFor();
  assert.equal((await item.locator('h3').textContent()).trim(), demo.title);
  assert.match(await item.textContent(), new RegExp(`Signed by ${demo.signed.length} of ${demo.parties.length} parties`));
  await item.getByRole('link', { name: demo.title }).click();
  await page.waitForURL(new RegExp(`#/c/valley/mous/${mouId}$`));
  await page.locator('h1', { hasText: demo.title }).waitFor();
  // Traceability: the milestones this MOU serves, when the build has milestones.
  let serves = [];
  try {
    serves = (await james.request('milestone.links_for', { coalition: 'valley', kind: 'mou', id: mouId })).milestones || [];
  } catch (e) {
    serves = [];
  }
  if (serves.length) {
    const line = page.locator('#mou-serves');
    await line.locator('a', { hasText: serves[0].title }).waitFor();
    assert.equal(await line.locator('a').count(), serves.length);
  }
});

test('a party signs the current version, and the MOU becomes fully signed live', async () => {
  const { page } = maria;
  const { mou } = await james.request('mou.get', { mou: mouId });
  const head = mou.head;
  await page.locator('#mou-sign').waitFor();
  assert.match(await page.locator('#mou-sign-hint').textContent(), new RegExp(head.slice(0, 7)));
  await page.locator('#mou-sign').click();
  const mine = party(page, 'Valley Early Learning Network');
  await mine.locator(`.mou-sig-current[data-commit="${head}"]`).waitFor();
  assert.match(await mine.textContent(), /Signed the current version/);
  assert.equal(await page.locator('#mou-sign').count(), 0, 'signed once: no button');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /signed the current version/, 'the focus lands on the result');

  // Dee signs for Little Steps over her own connection; Maria's page follows.
  const left = mou.parties.filter((p) => p !== 'Valley Early Learning Network' && !mou.signed.includes(p));
  assert.deepEqual(left, ['Little Steps Family Child Care']);
  await dee.request('mou.sign', { mou: mouId, commit: head }, 'test-dee-sign');
  await page.locator('#mou-state .mou-state-full', { hasText: 'Fully signed' }).waitFor();
  await party(page, 'Little Steps Family Child Care').locator('.mou-sig-current').waitFor();
});

test('an edit by someone else leaves the signatures on the old version', async () => {
  const { page } = maria;
  const got = await james.request('mou.get', { mou: mouId });
  const body = got.body.replace('- Shared: (for example enrollment', '- Shared: enrollment and attendance, monthly (for example enrollment');
  assert.notEqual(body, got.body);
  const saved = await james.request('mou.save', { mou: mouId, base: got.commit, body, message: 'Data: what we share monthly' }, 'test-james-1');
  await page.locator(`#mou-history li[data-commit="${saved.commit}"]`).waitFor();
  await page.locator('#mou-state', { hasText: 'Signed by 0 of 3 parties' }).waitFor();
  const mine = party(page, 'Valley Early Learning Network');
  await mine.locator(`.mou-sig-old[data-commit="${got.commit}"]`).waitFor();
  assert.match(await mine.textContent(), /earlier version/);
  assert.equal(await page.locator('#mou-doc [data-commit], #mou-doc').first().getAttribute('data-commit'), saved.commit);
  assert.match(await page.locator('#mou-doc').textContent(), /enrollment and attendance, monthly/);
  await page.locator('#mou-sign').waitFor(); // she may sign the new version
});

test('edits of different paragraphs merge; overlapping edits give a conflict to resolve', async () => {
  const { page } = maria;
  const editor = page.locator('#mou-edit-body');
  // Maria starts editing; meanwhile James changes section 6.
  const start = await editor.inputValue();
  const base = await page.locator('#mou-edit-form').getAttribute('data-base');
  await editor.fill(start.replace('- First year: ...', '- First year: monthly provider meetings and a shared calendar.'));
  // The preview follows the text as it is typed.
  await page.getByRole('button', { name: 'Show a preview' }).click();
  await page.locator('#mou-preview li', { hasText: 'monthly provider meetings' }).waitFor();
  assert.equal(await page.locator('#mou-preview h3', { hasText: 'Memorandum of Understanding' }).count(), 1);
  assert.equal(await page.locator('#mou-preview-toggle').getAttribute('aria-expanded'), 'true');
  const got = await james.request('mou.get', { mou: mouId });
  assert.equal(got.commit, base);
  await james.request('mou.save', {
    mou: mouId, base, message: 'Costs', body: got.body.replace('What members pay for the services', 'What members pay for the services (a sliding scale by size)'),
  }, 'test-james-2');
  await page.locator('#mou-edit-status', { hasText: 'James Carter saved version' }).waitFor();
  await page.locator('#mou-edit-message').fill('First-year plan');
  await page.locator('#mou-save').click();
  await page.locator('#mou-edit-status', { hasText: 'merged' }).waitFor();
  const merged = await editor.inputValue();
  assert.match(merged, /monthly provider meetings/);
  assert.match(merged, /a sliding scale by size/);

  // Now both change the same line.
  const base2 = await page.locator('#mou-edit-form').getAttribute('data-base');
  await editor.fill(merged.replace('- Review of this memorandum: every ... months', '- Review of this memorandum: every 6 months'));
  const g2 = await james.request('mou.get', { mou: mouId });
  assert.equal(g2.commit, base2);
  const jamesSave = await james.request('mou.save', {
    mou: mouId, base: base2, body: g2.body.replace('- Review of this memorandum: every ... months', '- Review of this memorandum: every 12 months'),
  }, 'test-james-3');
  await page.locator(`#mou-history li[data-commit="${jamesSave.commit}"]`).waitFor();
  await page.locator('#mou-save').click();
  const problem = page.locator('#mou-edit-error');
  await problem.waitFor();
  assert.match(await problem.textContent(), /Not saved/);
  assert.match(await problem.textContent(), /<<<<<<</);
  const conflicted = await editor.inputValue();
  assert.match(conflicted, /^<<<<<<< /m);
  assert.match(conflicted, /every 6 months/);
  assert.match(conflicted, /every 12 months/);
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#mou-edit-form').getAttribute('data-base'), jamesSave.commit);
  await screenshot(page, 'mou-conflict.png');

  // Saving with the markers left is refused by the page itself.
  await page.locator('#mou-save').click();
  await problem.filter({ hasText: 'conflict markers' }).waitFor();

  // Resolve: keep one line, drop the markers.
  const resolved = conflicted.replace(/^<<<<<<< [^\n]*\n[\s\S]*?^>>>>>>> [^\n]*\n/m, '- Review of this memorandum: every 6 months, and whenever a party asks.\n');
  assert.doesNotMatch(resolved, /<<<<<<<|>>>>>>>/);
  await editor.fill(resolved);
  await page.locator('#mou-save').click();
  await page.locator('#mou-edit-status', { hasText: 'Saved as version' }).waitFor();
  const final = await james.request('mou.get', { mou: mouId });
  assert.match(final.body, /every 6 months, and whenever a party asks/);
  assert.match(final.body, /a sliding scale by size/);
  assert.match(final.body, /monthly provider meetings/);
});

test('the redline marks insertions and deletions, with a legend', async () => {
  const { page } = maria;
  const { commits } = await james.request('mou.history', { mou: mouId });
  assert.ok(commits.length >= 5);
  // The first and the current version.
  await page.locator('#mou-diff-from').selectOption(commits[commits.length - 1].commit);
  await page.locator('#mou-diff-to').selectOption(commits[0].commit);
  await page.getByRole('button', { name: 'Show the changes' }).click();
  const out = page.locator('#mou-diff-out .mou-redline');
  await out.waitFor();
  assert.match(await page.locator('#mou-rl-legend').textContent(), /inserted text.*deleted text/s);
  assert.ok(await out.locator('ins').count() >= 3);
  assert.ok(await out.locator('del').count() >= 3);
  const inserted = (await out.locator('.mou-rl-ins ins').allTextContents()).join('\n');
  const deleted = (await out.locator('.mou-rl-del del').allTextContents()).join('\n');
  assert.match(inserted, /every 6 months, and whenever a party asks/);
  assert.match(inserted, /a sliding scale by size/);
  assert.match(deleted, /First year: \.\.\./);
  assert.doesNotMatch(inserted, /First year: \.\.\./);
  // Screen readers hear which is which.
  assert.match(await out.locator('.mou-rl-ins').first().textContent(), /Inserted:/);
  await screenshot(page, 'mou-redline.png');

  // An earlier version can be read as it was.
  const first = page.locator(`#mou-history li[data-commit="${commits[commits.length - 1].commit}"]`);
  await first.getByRole('button', { name: /Read this version/ }).click();
  await page.locator('#mou-version-note', { hasText: 'earlier version' }).waitFor();
  assert.match(await page.locator('#mou-doc').textContent(), /First year: \.\.\./);
  await page.getByRole('button', { name: 'Back to the current version' }).click();
  await page.locator('#mou-version-note', { hasText: 'The current version' }).waitFor();
});

test('a new MOU is written from the template', async () => {
  const { page } = maria;
  await page.goto(daemon.url + '/#/c/valley/mous');
  const form = page.locator('#mou-create-form');
  await form.waitFor();
  assert.match(await form.getByLabel('Text (markdown)').inputValue(), /Who will perform what tasks/);
  await form.getByLabel('Title').fill('Family child care network: data sharing');
  await form.getByLabel('Little Steps Family Child Care').check();
  await form.getByLabel('Other parties').fill('County Office of Education');
  await form.getByRole('button', { name: 'Create the MOU' }).click();
  await page.waitForURL(/#\/c\/valley\/mous\/\d+$/);
  await page.locator('h1', { hasText: 'Family child care network: data sharing' }).waitFor();
  const parties = await page.locator('#mou-signatures .mou-party-name').allTextContents();
  assert.deepEqual(parties.sort(), ['County Office of Education', 'Little Steps Family Child Care', 'Valley Early Learning Network']);
  assert.equal(await page.locator('#mou-history li').count(), 1);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
  await screenshot(page, 'mou-phone.png');
});

test('no console errors and no CSP violations', async () => {
  assert.deepEqual(maria.watch.problems(), []);
});
