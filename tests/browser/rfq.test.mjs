// Browser test: hub selection RFQs. Maria (a convener) starts an RFQ from the
// template, edits its questions and criteria, publishes it and invites a
// respondent; the respondent, with only the secret link and no account,
// answers in markdown, saves a draft, asks a question (which Maria sees live
// and answers), and submits final answers; Maria's counts follow live. Maria
// assigns evaluators and closes the RFQ; a second respondent's page is then
// frozen and read-only. As an evaluator Maria declares a conflict of interest
// with one respondent and scores the other on every criterion; the results
// table ranks them, the toggles recount, Grace's scores over a second
// connection reach the table live, and the hub is selected. No console error
// or CSP violation; the respondent page fits 360 px.

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
let resp; // the respondent's browser (no account)
let api; // Maria over the protocol, to check what the page says
let grace; // over the protocol
let rfqId;
let respLink;
let second; // {respondent, token} invited over the protocol

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function newPage(viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1100, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  return { context, page, watch };
}

function localInput(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  api = await RtClient.connect(daemon.url);
  await api.request('auth.login', { email: 'maria@demo.test', password: DEMO_PASSWORD });
  grace = await RtClient.connect(daemon.url);
  await grace.request('auth.login', { email: 'grace@demo.test', password: DEMO_PASSWORD });
});

after(async () => {
  for (const c of [api, grace]) if (c) c.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('a convener starts an RFQ from the template, edits it and publishes it', async () => {
  maria = await newPage();
  const { page } = maria;
  await page.goto(daemon.url + '/#/c/valley/rfqs');
  await page.getByLabel('Email').fill('maria@demo.test');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#rfq-list li').first().waitFor();
  const tpl = await api.request('rfq.template', {});

  await page.locator('#rfq-start').click();
  const editor = page.locator('#rfq-editor');
  await editor.waitFor();
  assert.equal(await page.locator('#rfq-ed-questions > li').count(), tpl.questions.length);
  assert.equal(await page.locator('#rfq-ed-criteria > li').count(), tpl.criteria.length);
  await editor.getByLabel('Title', { exact: true }).fill('Business Hub: billing, payroll and enrollment');
  await editor.getByLabel('Responses close at (your local time)').fill(localInput(new Date(Date.now() + 3 * 3600 * 1000)));
  // Remove the last question, add one, make the first criterion weigh 4.
  await page.locator('#rfq-ed-questions > li').last().getByRole('button', { name: /Remove/ }).click();
  await page.locator('#rfq-ed-add-q').click();
  const added = page.locator('#rfq-ed-questions > li').last();
  await added.getByLabel('Section').fill('Business services');
  await added.getByLabel('Question').fill('Which billing and payroll systems do you run today?');
  await page.locator('#rfq-ed-criteria > li').first().getByLabel('Weight').fill('4');
  await editor.getByRole('button', { name: 'Create the draft' }).click();

  await page.waitForURL(/#\/c\/valley\/rfqs\/\d+$/);
  rfqId = Number(page.url().match(/rfqs\/(\d+)$/)[1]);
  await page.locator('h1', { hasText: 'Business Hub' }).waitFor();
  await page.locator('#rfq-meta .rfq-status', { hasText: 'Draft' }).waitFor();
  const { rfq } = await api.request('rfq.get', { rfq: rfqId });
  assert.equal(rfq.questions.length, tpl.questions.length);
  assert.equal(rfq.questions[rfq.questions.length - 1].text, 'Which billing and payroll systems do you run today?');
  assert.equal(rfq.criteria[0].weight, 4);
  assert.equal(await page.locator('#rfq-questions li').count(), rfq.questions.length);
  assert.ok(await page.locator('#rfq-questions h3', { hasText: 'Business services' }).count() === 1, 'questions by section');

  await page.locator('#rfq-publish').click();
  await page.locator('#rfq-meta .rfq-status', { hasText: 'Open for responses' }).waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'rfq-actions-title');
});

test('an invited respondent answers with only the link, asks a question, and submits', async () => {
  const { page } = maria;
  const invite = page.locator('#rfq-invite-form');
  await invite.getByLabel('Organization').fill('Valley Family Services, Inc.');
  await invite.getByLabel('Contact email').fill('hub@vfs.example');
  await invite.getByRole('button', { name: 'Invite' }).click();
  respLink = await page.locator('#rfq-respond-link').inputValue();
  assert.match(respLink, new RegExp(`^${daemon.url}/#/respond/[^/]+$`));
  await page.locator('#rfq-respondent-list li', { hasText: 'Valley Family Services, Inc.' }).waitFor();

  resp = await newPage({ width: 360, height: 740 });
  const r = resp.page;
  await r.goto(respLink);
  await r.locator('h1', { hasText: 'Business Hub' }).waitFor();
  assert.match(await r.locator('#resp-who').textContent(), /Valley Family Services, Inc\./);
  assert.equal(await r.locator('#user-bar').isHidden(), true, 'no account, not signed in');
  assert.ok(await r.locator('.resp-section h3', { hasText: 'Track record' }).count() === 1);
  const first = r.locator('.resp-q textarea').first();
  await first.fill('Yes: **twelve years** running billing for 40 programs.');
  await r.getByLabel('Which billing and payroll systems do you run today?').fill('- One shared billing system\n- Payroll for 200 staff');
  await r.locator('#resp-save').click();
  await r.locator('#resp-save-status', { hasText: 'Draft saved' }).waitFor();
  // Maria's counts follow live: someone is answering (never what).
  await page.locator('#rfq-counts', { hasText: '1 answering' }).waitFor();

  await r.getByLabel('Your question').fill('May two organizations apply together?');
  await r.getByRole('button', { name: 'Send the question' }).click();
  await r.locator('#resp-ask-status', { hasText: 'was sent' }).waitFor();

  // Maria sees the question live and answers it for every respondent.
  const clar = page.locator('#rfq-clar-list li', { hasText: 'May two organizations apply together?' });
  await clar.waitFor();
  await clar.getByLabel('Answer').fill('Yes, with one **lead** applicant.');
  await clar.getByRole('button', { name: 'Publish the answer' }).click();
  await page.locator('#rfq-clar-list li .rfq-clar-a', { hasText: 'one lead applicant' }).waitFor();

  await r.reload();
  await r.locator('#resp-clarifications li', { hasText: 'one lead applicant' }).waitFor();
  assert.equal(await first.inputValue(), 'Yes: **twelve years** running billing for 40 programs.', 'the draft was kept');
  const overflow = await r.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
  await screenshot(r, 'rfq-respondent-phone.png');

  await r.locator('#resp-final-ok').check();
  await r.locator('#resp-final').click();
  await r.locator('#resp-state', { hasText: 'You submitted your final answers' }).waitFor();
  assert.equal(await r.locator('.resp-q textarea').count(), 0, 'frozen: read-only');
  assert.equal(await r.locator('.resp-frozen-answer strong', { hasText: 'twelve years' }).count(), 1, 'answers shown as markdown');
  await page.locator('#rfq-counts', { hasText: '1 submitted as final' }).waitFor();
});

test('evaluators are assigned; after the close answers are frozen for respondents', async () => {
  const { page } = maria;
  // Maria is typing in the invitation form when a live change arrives: she keeps her place.
  await page.locator('#rfq-inv-org').click();
  await page.keyboard.type('Half typ');
  // A second respondent, invited and answering over the protocol.
  const inv = await api.request('respondent.invite', { rfq: rfqId, organization: 'Riverbend Early Learning', email: 'rb@river.example' }, 'test-inv-2');
  await page.locator('#rfq-respondent-list li', { hasText: 'Riverbend Early Learning' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'rfq-inv-org');
  await page.keyboard.type('ed');
  assert.equal(await page.locator('#rfq-inv-org').inputValue(), 'Half typed');
  await page.locator('#rfq-inv-org').fill('');
  second = { id: inv.respondent.id, token: inv.respondent_token };
  const anon = await RtClient.connect(daemon.url);
  const got = await anon.request('response.get', { respondent_token: second.token });
  await anon.request('response.submit', { respondent_token: second.token, answers: [{ question: got.rfq.questions[0].id, body: 'A draft answer from Riverbend.' }] }, 'test-rb-draft');

  for (const [name, group] of [['Maria Lopez', 'design_team'], ['Grace Kim', '']]) {
    const form = page.locator('#rfq-assign-form');
    const value = await form.locator('#rfq-ev-member option', { hasText: name }).getAttribute('value');
    await form.getByLabel('Member').selectOption(value);
    if (group) await form.getByLabel('Group').selectOption(group);
    await form.getByRole('button', { name: 'Assign' }).click();
    await page.locator('#rfq-evaluator-list', { hasText: name }).waitFor();
  }
  assert.match(await page.locator('#rfq-evaluator-list').textContent(), /Funders: Grace Kim/);
  await page.locator('#rfq-sec-eval', { hasText: 'sealed until the RFQ closes' }).waitFor();
  // Sealed: no answers for anyone before the close.
  await assert.rejects(api.request('response.list', { rfq: rfqId }), (e) => e.error && e.error.code === 'forbidden');

  await page.locator('#rfq-close').click();
  await page.locator('#rfq-meta .rfq-status', { hasText: 'Closed' }).waitFor();

  // The second respondent's page: frozen, read-only, the draft visible.
  const other = await newPage({ width: 800, height: 800 });
  await other.page.goto(`${daemon.url}/#/respond/${encodeURIComponent(second.token)}`);
  await other.page.locator('#resp-state', { hasText: 'The deadline passed' }).waitFor();
  assert.equal(await other.page.locator('.resp-q textarea').count(), 0);
  assert.equal(await other.page.locator('#resp-save').count(), 0);
  assert.match(await other.page.locator('#resp-answers').textContent(), /A draft answer from Riverbend/);
  await assert.rejects(anon.request('response.submit', { respondent_token: second.token, answers: [] }), (e) => e.error && e.error.code === 'closed');
  anon.close();
  assert.deepEqual(other.watch.problems(), []);
  await other.context.close();
});

test('an evaluator declares a conflict, scores, and sees the results; the hub is selected', async () => {
  const { page } = maria;
  const { rfq } = await api.request('rfq.get', { rfq: rfqId });
  const firstResp = (await api.request('rfq.get', { rfq: rfqId })).respondents.find((x) => x.organization === 'Valley Family Services, Inc.');
  const panelOf = (rid) => page.locator(`#rfq-eval .rfq-eval-resp[data-respondent-id="${rid}"]`);

  // Recused from Riverbend.
  const rb = panelOf(second.id);
  await rb.waitFor();
  await rb.locator('summary', { hasText: 'Declare a conflict of interest' }).click();
  await rb.getByLabel('What is the conflict?').fill('I sit on their board.');
  await rb.getByRole('button', { name: 'Declare and recuse me' }).click();
  await panelOf(second.id).locator('.rfq-recused', { hasText: 'I sit on their board.' }).waitFor();
  assert.equal(await panelOf(second.id).locator('form.rfq-score-form').count(), 0);
  await assert.rejects(api.request('score.submit', { rfq: rfqId, respondent: second.id, criterion: rfq.criteria[0].id, score: 3 }),
    (e) => e.error && e.error.code === 'forbidden');

  // Scores for Valley Family Services: 5 on the first criterion, 4 elsewhere.
  const vfs = panelOf(firstResp.id);
  await vfs.locator('summary', { hasText: 'Read their answers' }).click();
  await vfs.locator('.rfq-answer strong', { hasText: 'twelve years' }).waitFor();
  for (const [i, c] of rfq.criteria.entries()) {
    await vfs.locator(`label[for="rfq-s-${firstResp.id}-${c.id}-${i === 0 ? 5 : 4}"]`).click();
  }
  await vfs.getByLabel('Comment (optional)').first().fill('Strong, with a clear plan.');
  await vfs.getByRole('button', { name: /Save scores/ }).click();
  await vfs.locator('.rfq-score-status', { hasText: `Scores saved: ${rfq.criteria.length} of ${rfq.criteria.length}` }).waitFor();

  // Results: the scored respondent ranks, with its weighted total.
  const row = page.locator(`#rfq-results-table tbody tr[data-respondent-id="${firstResp.id}"]`);
  await row.locator('.rfq-total').filter({ hasText: /\d/ }).waitFor();
  const results = await api.request('rfq.results', { rfq: rfqId });
  const mine = results.respondents.find((x) => x.respondent === firstResp.id);
  assert.equal((await row.locator('.rfq-rank').textContent()).trim(), String(mine.rank));
  assert.equal(Number((await row.locator('.rfq-total').textContent()).replace(/[^\d.]/g, '')), Math.round(mine.total * 100) / 100);

  // The chart of respondents across criteria: a mark per criterion at the mean.
  const marks = page.locator(`#rfq-chart .rfq-chart-mark[data-respondent="${firstResp.id}"]`);
  assert.equal(await marks.count(), rfq.criteria.length);
  assert.deepEqual((await marks.evaluateAll((ms) => ms.map((m) => Number(m.getAttribute('data-mean'))))),
    rfq.criteria.map((c) => mine.criteria.find((x) => x.criterion === c.id).mean));

  // Grace scores over her own connection: the table follows live.
  for (const c of rfq.criteria) {
    await grace.request('score.submit', { rfq: rfqId, respondent: firstResp.id, criterion: c.id, score: 2 }, `test-grace-${c.id}`);
  }
  const cell = row.locator(`td`).nth(2);
  await page.waitForFunction(() => /n=2/.test(document.querySelector('#rfq-results-table tbody tr td:nth-child(4)')?.textContent || ''));
  assert.match(await cell.textContent(), /n=2/);

  // The toggles recount.
  const before = await row.locator('.rfq-total').textContent();
  await page.getByLabel('Each stakeholder group weighs the same').check();
  const balanced = await api.request('rfq.results', { rfq: rfqId, balance_groups: true });
  const bal = balanced.respondents.find((x) => x.respondent === firstResp.id);
  await row.locator('.rfq-total', { hasText: new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(bal.total) }).waitFor();
  assert.notEqual(bal.total, mine.total);
  assert.ok(before);
  await page.getByLabel('Even out harsh and lenient evaluators').check();
  await sleep(300);
  assert.equal(await page.locator('#rfq-results-table').count(), 1);
  await screenshot(page, 'rfq-results.png');

  // Every score as CSV, names with commas intact.
  const csv = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, text: await r.text() };
  }, await page.locator('#rfq-export').getAttribute('href'));
  assert.equal(csv.status, 200);
  assert.match(csv.text, /"Valley Family Services, Inc\."/);
  assert.match(csv.text, /Strong, with a clear plan\./);

  // Side by side, then the selection.
  await page.getByLabel('Compare the answers to one question').selectOption(String(rfq.questions[0].id));
  await page.locator('#rfq-sbs-out li', { hasText: 'Riverbend' }).waitFor();
  await page.locator('#rfq-select-form').getByLabel('Valley Family Services, Inc.').check();
  await page.getByLabel('Note on the decision (optional)').fill('Chosen as the business Hub.');
  await page.getByRole('button', { name: 'Record the selection' }).click();
  await page.locator('#rfq-meta .rfq-status', { hasText: 'Decided' }).waitFor();
  await page.locator('#rfq-actions', { hasText: 'Selected: Valley Family Services, Inc.' }).waitFor();
});

test('no console errors and no CSP violations', async () => {
  assert.deepEqual(maria.watch.problems(), []);
  assert.deepEqual(resp.watch.problems(), []);
});
