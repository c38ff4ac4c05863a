// Markdown is rendered once, when written, and never holds the event loop
// (issue 15, item 2), black box:
// - a respondent (a link, no account) saves 16 hostile 64 KiB answers, each
//   a construct discount is quadratic on or recurses on; the answers come
//   back rendered (as escaped text), and reading them again and again from 8
//   connections does not keep /healthz waiting: it answers before the last read;
// - reads return the HTML stored at the write: changing the stored HTML in
//   the database changes what response.get, decision.get, milestone.get and
//   mou.get return (nothing renders again on a read);
// - a database of schema 6 (no stored HTML) is upgraded: every markdown text
//   is rendered once, at the upgrade or, for MOU versions (their text lives
//   in git), at start-up;
// - respondents' clarification questions and milestone update notes have
//   limits (4 KiB and 20 unanswered; 16 KiB).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, makeCoalition, rejectsWith, dbPath, sqlite, unique } from './lib.mjs';

let d;
let A;

before(async () => {
  d = await startDaemon();
  A = await makeCoalition(d, {
    slug: unique('md').toLowerCase(),
    members: [{ key: 'dt', roles: ['design_team', 'hub'], organization: 'Hub Org' }],
  });
});

after(async () => {
  if (d) await d.close();
});

const iso = (s) => new Date(Date.now() + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** unit repeated to just under size bytes. */
const fill = (unit, size = 64 * 1024) => unit.repeat(Math.floor(size / unit.length));

// The worst constructs found (bench/RESULTS.md, "worst markdown input"): 64 KiB
// of each took 0.2 s to 16 s in discount, "> >" crashed it (stack).
const HOSTILE = [
  fill('<a\t'), fill('<a '), fill('<a\n'), fill('</ '), fill('<!-- '), fill('> >'), fill('- '),
  fill('1. '), fill('['), fill('[a\n'), fill('_a'), fill('*a'), fill('`'), fill('__\n'),
  fill('<http://a'), fill('![a]('),
];

async function publishedRfq(questions) {
  const rfq = (await A.admin.call('rfq.create', {
    coalition: A.slug, title: unique('RFQ '), body: 'Apply *now*', closes_at: iso(3600),
    questions, criteria: [{ name: 'Fit', description: 'Fit', weight: 1, max: 5 }],
  })).rfq;
  await A.admin.call('rfq.publish', { rfq: rfq.id });
  const inv = await A.admin.call('respondent.invite', { rfq: rfq.id, organization: unique('Org '), email: `${unique('r')}@resp.example` });
  const full = (await A.admin.call('rfq.get', { rfq: rfq.id })).rfq;
  return { rfq: full, token: inv.respondent_token };
}

test('16 hostile answers from a respondent link: rendered once, read without rendering, /healthz answers meanwhile', { timeout: 300000 }, async () => {
  const { rfq, token } = await publishedRfq(HOSTILE.map((_, i) => ({ section: 'S', text: `Question ${i + 1}?` })));
  const resp = await d.connect(); // no account: the link's token only
  for (let i = 0; i < HOSTILE.length; i++) {
    await resp.call('response.submit', { respondent_token: token, answers: [{ question: rfq.questions[i].id, body: HOSTILE[i] }] });
  }
  const got = await resp.call('response.get', { respondent_token: token });
  assert.equal(got.answers.length, HOSTILE.length);
  for (const [i, a] of got.answers.entries()) {
    assert.equal(a.body, HOSTILE[i]);
    assert.equal(typeof a.html, 'string');
    // the guard chose the escaped text: one paragraph, no markup of the input
    assert.ok(a.html.startsWith('<p>') && a.html.endsWith('</p>'), `answer ${i + 1}: ${a.html.slice(0, 80)}`);
    assert.ok(a.html.length <= 6 * a.body.length + 16, `answer ${i + 1}: ${a.html.length} bytes of HTML`);
    assert.ok(!/<(?!\/?(p|br)>)/.test(a.html), `answer ${i + 1} holds markup: ${a.html.slice(0, 200)}`);
  }

  // 8 readers read them 3 times each, one read after the other; /healthz,
  // asked when the first read is answered, answers before the last read.
  const readers = await Promise.all(Array.from({ length: 8 }, () => d.connect()));
  const order = [];
  let health;
  const reads = readers.map(async (c) => {
    for (let round = 0; round < 3; round++) {
      const r = await c.call('response.get', { respondent_token: token }, { timeoutMs: 240000 });
      order.push('get');
      health ??= fetch(`${d.base}/healthz`).then((h) => { order.push('healthz'); return h; });
      assert.deepEqual(r.answers.map((a) => a.html), got.answers.map((a) => a.html));
    }
  });
  await Promise.all(reads);
  assert.equal((await health).status, 200);
  assert.ok(order.indexOf('healthz') < order.length - 1, `order of the replies: ${order.join(' ')}`);
  for (const c of readers) c.close();

  // Reads return the stored HTML: change it in the database, read it back.
  const db = dbPath(d.dataDir);
  await sqlite(db, `UPDATE rfq_answers SET html = '<p>stored ' || question_id || '</p>' WHERE question_id IN (${rfq.questions.map((q) => q.id).join(',')});`);
  const again = await resp.call('response.get', { respondent_token: token });
  assert.deepEqual(again.answers.map((a) => a.html), rfq.questions.map((q) => `<p>stored ${q.id}</p>`));
  resp.close();
});

test('decision, milestone, MOU and clarification reads return the HTML stored at the write', async () => {
  const dec = (await A.admin.call('decision.create', {
    coalition: A.slug, title: 'Stored', body: 'Some **text**', kind: 'proposal', eligible_roles: ['provider'], closes_at: iso(3600),
  })).decision;
  assert.equal(dec.html, '<p>Some <strong>text</strong></p>');
  const ms = (await A.admin.call('milestone.create', { coalition: A.slug, title: unique('M '), body: 'A *goal*' })).milestone;
  assert.equal(ms.html, '<p>A <em>goal</em></p>');
  await A.admin.call('milestone.update', { milestone: ms.id, note: 'Went *well*' });
  const mou = await A.members.dt.client.call('mou.create', { coalition: A.slug, title: unique('MOU '), body: '# Roles\n\nThe *Hub* bills.\n', parties: ['Hub Org'] });
  const m1 = await A.admin.call('mou.get', { mou: mou.mou.id });
  assert.ok(m1.html.includes('<em>Hub</em>'), m1.html);

  const db = dbPath(d.dataDir);
  await sqlite(db, `UPDATE decisions SET html = '<p>stored decision</p>' WHERE id = ${dec.id};` +
    ` UPDATE milestones SET html = '<p>stored milestone</p>' WHERE id = ${ms.id};` +
    ` UPDATE milestone_updates SET html = '<p>stored note</p>' WHERE milestone_id = ${ms.id};` +
    ` UPDATE mou_html SET html = '<p>stored mou</p>' WHERE mou_id = ${mou.mou.id};`);
  assert.equal((await A.admin.call('decision.get', { decision: dec.id })).decision.html, '<p>stored decision</p>');
  const list = await A.admin.call('decision.list', { coalition: A.slug });
  assert.equal(list.decisions.find((x) => x.id === dec.id).html, '<p>stored decision</p>');
  const mg = await A.admin.call('milestone.get', { milestone: ms.id });
  assert.equal(mg.milestone.html, '<p>stored milestone</p>');
  assert.deepEqual(mg.updates.map((u) => u.html), ['<p>stored note</p>']);
  assert.equal((await A.admin.call('mou.get', { mou: mou.mou.id })).html, '<p>stored mou</p>');
  assert.equal((await A.admin.call('mou.get', { mou: mou.mou.id, commit: mou.commit })).html, '<p>stored mou</p>');
});

test('clarification questions: at most 4 KiB and 20 unanswered per respondent; update notes at most 16 KiB', async () => {
  const { rfq, token } = await publishedRfq([{ section: 'S', text: 'Q?' }]);
  const resp = await d.connect();
  await rejectsWith(resp.call('clarification.ask', { respondent_token: token, text: 'x'.repeat(4097) }), 'too_large', { field: 'text' });
  const asked = [];
  for (let i = 0; i < 20; i++) {
    asked.push((await resp.call('clarification.ask', { respondent_token: token, text: `Question *${i}* ${'why '.repeat(1000)}` })).clarification);
  }
  assert.ok(asked[0].question_html.startsWith('<p>Question <em>0</em>'), asked[0].question_html.slice(0, 40));
  await rejectsWith(resp.call('clarification.ask', { respondent_token: token, text: 'one more' }), 'bad_request', { field: 'text' });
  const ans = await A.admin.call('clarification.answer', { rfq: rfq.id, clarification: asked[0].id, text: 'An *answer*' });
  assert.equal(ans.clarification.answer_html, '<p>An <em>answer</em></p>');
  await resp.call('clarification.ask', { respondent_token: token, text: 'one more' }); // 19 open again before it
  await rejectsWith(resp.call('clarification.ask', { respondent_token: token, text: 'and another' }), 'bad_request', { field: 'text' });
  resp.close();

  const ms = (await A.admin.call('milestone.create', { coalition: A.slug, title: unique('M '), body: 'Goal' })).milestone;
  await rejectsWith(A.admin.call('milestone.update', { milestone: ms.id, note: 'n'.repeat(16 * 1024 + 1) }), 'too_large', { field: 'note' });
  await A.admin.call('milestone.update', { milestone: ms.id, note: 'n'.repeat(16 * 1024) });
});

test('texts stored without HTML (written before schema 7) are rendered once at start', { timeout: 120000 }, async () => {
  const { rfq, token } = await publishedRfq([{ section: 'S', text: 'Q?' }]);
  const resp = await d.connect();
  await resp.call('response.submit', { respondent_token: token, answers: [{ question: rfq.questions[0].id, body: 'An *answer*' }] });
  const c = (await resp.call('clarification.ask', { respondent_token: token, text: 'A *question*' })).clarification;
  await A.admin.call('clarification.answer', { rfq: rfq.id, clarification: c.id, text: 'Its *answer*' });
  await A.admin.call('rfq.addendum', { rfq: rfq.id, text: 'An *addendum*' });
  const dec = (await A.admin.call('decision.create', {
    coalition: A.slug, title: 'Old', body: 'Old **body**', kind: 'proposal', eligible_roles: ['provider'], closes_at: iso(3600),
  })).decision;
  await A.admin.call('decision.close', { decision: dec.id, outcome_statement: 'We *stop*.' });
  const ms = (await A.admin.call('milestone.create', { coalition: A.slug, title: unique('M '), body: 'Old *goal*' })).milestone;
  await A.admin.call('milestone.update', { milestone: ms.id, note: 'Old *note*' });
  const mou = await A.members.dt.client.call('mou.create', { coalition: A.slug, title: unique('MOU '), body: 'Old *MOU*\n', parties: ['Hub Org'] });
  const saved = await A.members.dt.client.call('mou.save', { mou: mou.mou.id, base: mou.commit, body: 'New *MOU*\n' });
  resp.close();

  const before = {
    response: await (async () => { const c2 = await d.connect(); const r = await c2.call('response.get', { respondent_token: token }); c2.close(); return r; })(),
    rfq: await A.admin.call('rfq.get', { rfq: rfq.id }),
    decision: (await A.admin.call('decision.get', { decision: dec.id })).decision,
    milestone: await A.admin.call('milestone.get', { milestone: ms.id }),
    mou1: (await A.admin.call('mou.get', { mou: mou.mou.id, commit: mou.commit })).html,
    mou2: (await A.admin.call('mou.get', { mou: mou.mou.id, commit: saved.commit })).html,
  };
  assert.equal(before.mou1, '<p>Old <em>MOU</em></p>');
  assert.equal(before.mou2, '<p>New <em>MOU</em></p>');

  // As if written before schema 7 (whose migration only adds the columns):
  // no stored HTML anywhere.
  await d.stop();
  const db = dbPath(d.dataDir);
  await sqlite(db, [
    'UPDATE decisions SET html = NULL, outcome_statement_html = NULL',
    'UPDATE milestones SET html = NULL', 'UPDATE milestone_updates SET html = NULL',
    'UPDATE rfqs SET html = NULL', 'UPDATE rfq_addenda SET html = NULL', 'UPDATE rfq_answers SET html = NULL',
    'UPDATE rfq_clarifications SET question_html = NULL, answer_html = NULL',
    'DELETE FROM mou_html',
  ].join('; ') + ';');
  const logFrom = d.output.length;
  await d.restart();
  assert.match(d.output.slice(logFrom), /rendered \d+ MOU version\(s\) once/);
  for (const t of ['decisions', 'milestones', 'milestone_updates', 'rfqs', 'rfq_addenda', 'rfq_answers']) {
    assert.equal((await sqlite(db, `SELECT count(*) FROM ${t} WHERE html IS NULL`)).trim(), '0', `${t} rendered at start`);
  }
  const admin = await d.admin();
  const c3 = await d.connect();
  const after_ = {
    response: await c3.call('response.get', { respondent_token: token }),
    rfq: await admin.call('rfq.get', { rfq: rfq.id }),
    decision: (await admin.call('decision.get', { decision: dec.id })).decision,
    milestone: await admin.call('milestone.get', { milestone: ms.id }),
    mou1: (await admin.call('mou.get', { mou: mou.mou.id, commit: mou.commit })).html,
    mou2: (await admin.call('mou.get', { mou: mou.mou.id, commit: saved.commit })).html,
  };
  assert.deepEqual(after_.response.answers, before.response.answers);
  assert.deepEqual(after_.response.clarifications, before.response.clarifications);
  assert.equal(after_.rfq.rfq.html, before.rfq.rfq.html);
  assert.deepEqual(after_.rfq.rfq.addenda, before.rfq.rfq.addenda);
  assert.equal(after_.decision.html, '<p>Old <strong>body</strong></p>');
  assert.equal(after_.decision.outcome_statement_html, before.decision.outcome_statement_html);
  assert.equal(after_.milestone.milestone.html, '<p>Old <em>goal</em></p>');
  assert.deepEqual(after_.milestone.updates.map((u) => u.html), ['<p>Old <em>note</em></p>']);
  assert.equal(after_.mou1, before.mou1);
  assert.equal(after_.mou2, before.mou2);
  const rows = await sqlite(db, 'SELECT count(*) FROM mou_html;');
  assert.ok(Number(rows.trim()) >= 2, rows);
  c3.close();
  admin.close();
});
