// Hub selection RFQs (issue 4), black box: the template from the seed, the
// lifecycle draft -> published -> closed -> decided with addenda, respondents
// who only have a secret link token, sealed responses, clarifications,
// deadlines closing by themselves (also across a restart), evaluators with
// conflicts of interest, scores, results and the selection, and the wall
// between coalitions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, makeCoalition, assertError, rejectsWith, sleep, dbPath, sqlite, unique, run,
} from './lib.mjs';

let d;
let A; // alpha: admin (convener), dt (design_team), prov (provider), prov2 (provider), fund (funder), par (parent)
let B; // bravo: bea (provider), another coalition

before(async () => {
  d = await startDaemon();
  A = await makeCoalition(d, {
    slug: unique('rfqa').toLowerCase(),
    members: [
      { key: 'dt', roles: ['design_team'], organization: 'Design Org' },
      { key: 'prov', roles: ['provider'], organization: 'Sunrise Center' },
      { key: 'prov2', roles: ['provider'], organization: 'Little Steps' },
      { key: 'fund', roles: ['funder'], organization: 'Valley Foundation' },
      { key: 'par', roles: ['parent'] },
    ],
  });
  B = await makeCoalition(d, {
    slug: unique('rfqb').toLowerCase(),
    admin: A.admin,
    members: [{ key: 'bea', roles: ['provider'], organization: 'Bravo Center' }],
  });
});

after(async () => {
  if (d) await d.close();
});

/** RFC 3339 UTC, seconds from now. */
function iso(seconds) {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const QUESTIONS = [
  { section: 'Track record', text: 'What have you changed lately?' },
  { section: 'Mission match', text: 'Why be the Hub?' },
];
const CRITERIA = [
  { name: 'Ability to lead change', description: 'Leads change', weight: 3, max: 5 },
  { name: 'Access to providers', description: 'Knows providers', weight: 1, max: 10 },
];

/** A draft RFQ created by `by` (default the design team member). */
async function draft({ by = A.members.dt.client, closes = 3600, title = 'Hub RFQ', questions = QUESTIONS, criteria = CRITERIA } = {}) {
  const r = await by.call('rfq.create', { coalition: A.slug, title, body: 'Apply *now*', closes_at: iso(closes), questions, criteria });
  return r.rfq;
}

/** A published RFQ with respondents (organizations) invited: {rfq, resp: [{respondent, respondent_token}]}. */
async function published(orgs = ['Org One', 'Org Two'], opts = {}) {
  const rfq = await draft(opts);
  await A.admin.call('rfq.publish', { rfq: rfq.id });
  const resp = [];
  for (const organization of orgs) {
    resp.push(await A.admin.call('respondent.invite', { rfq: rfq.id, organization, email: `${unique('r')}@resp.example` }));
  }
  return { rfq, resp };
}

/** A connection that is not signed in (a respondent's browser). */
async function anon() {
  return d.connect();
}

async function subscribe(client, slug = A.slug) {
  const from = client.events.length;
  await client.call('coalition.subscribe', { coalition: slug });
  return from;
}

test('rfq.template is the hub-selection RFQ of the seed, ready for rfq.create', async () => {
  const t = await A.members.prov.client.call('rfq.template', {});
  const sections = [...new Set(t.questions.map((q) => q.section))];
  assert.deepEqual(sections, ['Track record', 'Mission match', 'Trust', 'Governance']);
  assert.ok(t.questions.some((q) => /Theory of Change/.test(q.text)), 'track record questions from the seed');
  assert.ok(t.questions.some((q) => /how we.ve always done it/.test(q.text)));
  assert.ok(t.questions.some((q) => /weigh in on decisions/.test(q.text)), 'governance questions');
  const names = t.criteria.map((c) => c.name);
  for (const n of ['Mission driven', 'Leadership and market credibility', 'Access to providers',
    'Financial reach and stability', 'Access to a variety of funding streams', 'Innovation',
    'Commitment to excellence', 'Entrepreneurial', 'Risk tolerance', 'Ability to lead change']) {
    assert.ok(names.includes(n), `criterion ${n} in ${JSON.stringify(names)}`);
  }
  const lead = t.criteria.find((c) => c.name === 'Ability to lead change');
  for (const c of t.criteria) {
    if (c !== lead) assert.ok(lead.weight > c.weight, 'ability to lead change weighs the most');
    assert.ok(c.description.length > 20, 'descriptions in the seed\'s words');
    assert.ok(Number.isInteger(c.max) && c.max >= 1);
  }
  assert.match(t.criteria.find((c) => c.name === 'Mission driven').description, /part of their mission rather than as an opportunity for increased funding/);
  // Editable before publishing: it goes straight into rfq.create.
  const r = await A.members.dt.client.call('rfq.create', { coalition: A.slug, ...t });
  assert.equal(r.rfq.status, 'draft');
  assert.equal(r.rfq.questions.length, t.questions.length);
  assert.equal(r.rfq.criteria.length, t.criteria.length);
  // rfq.template needs a signed-in connection.
  const c = await anon();
  assertError(await c.request('rfq.template', {}), 'unauthenticated');
});

test('rfq.create: convener or design team, valid arguments; refusals change nothing', async () => {
  const base = { coalition: A.slug, title: 'T', body: 'B', closes_at: iso(3600), questions: QUESTIONS, criteria: CRITERIA };
  const before = (await A.admin.call('rfq.list', { coalition: A.slug })).rfqs.length;
  await rejectsWith(A.members.prov.client.call('rfq.create', base), 'forbidden', { what: 'provider creates' });
  await rejectsWith(A.members.fund.client.call('rfq.create', base), 'forbidden', { what: 'funder creates' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, closes_at: 'next week' }), 'bad_request', { field: 'closes_at' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, closes_at: iso(-60) }), 'bad_request', { field: 'closes_at' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, questions: [] }), 'bad_request', { field: 'questions' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, criteria: [{ name: 'x', weight: -1, max: 5 }] }), 'bad_request', { field: 'criteria' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, criteria: [{ name: 'x', weight: 1, max: 0 }] }), 'bad_request', { field: 'criteria' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, questions: [{ section: 's' }] }), 'bad_request', { field: 'questions' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, questions: 'q' }), 'bad_request', { field: 'questions' });
  await rejectsWith(A.members.dt.client.call('rfq.create', { ...base, closes_at: undefined }), 'bad_request', { field: 'closes_at' });
  await rejectsWith(B.members.bea.client.call('rfq.create', base), 'not_found', { what: 'member of another coalition' });
  assert.equal((await A.admin.call('rfq.list', { coalition: A.slug })).rfqs.length, before, 'refused creates changed nothing');

  const r = await A.members.dt.client.call('rfq.create', base);
  const rfq = r.rfq;
  assert.ok(Number.isInteger(rfq.id));
  assert.equal(rfq.status, 'draft');
  assert.equal(rfq.closes_at, base.closes_at);
  assert.deepEqual(rfq.questions.map((q) => [q.section, q.text]), QUESTIONS.map((q) => [q.section, q.text]));
  assert.ok(rfq.questions.every((q) => Number.isInteger(q.id)));
  assert.deepEqual(rfq.criteria.map((c) => [c.name, c.description, c.weight, c.max]), CRITERIA.map((c) => [c.name, c.description, c.weight, c.max]));
  assert.ok(rfq.criteria.every((c) => Number.isInteger(c.id)));
  assert.equal(rfq.html.includes('<script'), false);
  // A plain string is a question without a section; questions read back (with id) can be sent again.
  const plain = await A.members.dt.client.call('rfq.create', { ...base, questions: ['Plain question?'] });
  assert.deepEqual(plain.rfq.questions.map((q) => [q.section, q.text]), [['', 'Plain question?']]);
  const again = await A.members.dt.client.call('rfq.update', { rfq: plain.rfq.id, questions: [...plain.rfq.questions, { section: 'S', text: 'New?' }], criteria: plain.rfq.criteria });
  assert.deepEqual(again.rfq.questions.map((q) => q.text), ['Plain question?', 'New?']);
  assert.equal(again.rfq.criteria.length, 2);
  await rejectsWith(A.members.dt.client.call('rfq.update', { rfq: plain.rfq.id, questions: [{ text: 'x', colour: 'red' }] }), 'bad_request', { field: 'questions' });
  assert.equal((await A.admin.call('rfq.get', { rfq: plain.rfq.id })).rfq.questions.length, 2, 'a refused update changed nothing');
  // Idempotent with a key.
  const key = unique('k');
  const a1 = await A.members.dt.client.call('rfq.create', base, { key });
  const a2 = await A.members.dt.client.call('rfq.create', base, { key });
  assert.equal(a1.rfq.id, a2.rfq.id);
  assert.equal((await A.admin.call('rfq.list', { coalition: A.slug })).rfqs.length, before + 3);
});

test('lifecycle: draft edits with rfq.update, publish, addenda every respondent sees, close, select', async () => {
  const watcher = A.members.par.client;
  const from = await subscribe(watcher);
  const rfq = await draft();
  // Draft: questions can be edited.
  const u = await A.members.dt.client.call('rfq.update', {
    rfq: rfq.id, title: 'Hub RFQ v2', questions: [...QUESTIONS, { section: 'Trust', text: 'Who trusts you?' }],
  });
  assert.equal(u.rfq.title, 'Hub RFQ v2');
  assert.equal(u.rfq.questions.length, 3);
  await rejectsWith(A.members.prov.client.call('rfq.update', { rfq: rfq.id, title: 'x' }), 'forbidden');
  await rejectsWith(A.members.prov.client.call('rfq.publish', { rfq: rfq.id }), 'forbidden');
  await rejectsWith(A.admin.call('rfq.close', { rfq: rfq.id }), 'conflict', { what: 'closing a draft' });
  await rejectsWith(A.admin.call('rfq.addendum', { rfq: rfq.id, text: 'x' }), 'conflict', { what: 'addendum to a draft' });
  const p = await A.admin.call('rfq.publish', { rfq: rfq.id });
  assert.equal(p.rfq.status, 'published');
  await rejectsWith(A.admin.call('rfq.publish', { rfq: rfq.id }), 'conflict');
  // After publishing, changes go out as addenda.
  await rejectsWith(A.members.dt.client.call('rfq.update', { rfq: rfq.id, title: 'sneaky' }), 'conflict');
  const inv = await A.admin.call('respondent.invite', { rfq: rfq.id, organization: 'Org A', email: 'a@org.example' });
  const resp = await anon();
  const g0 = await resp.call('response.get', { respondent_token: inv.respondent_token });
  assert.equal(g0.rfq.questions.length, 3);
  const ad = await A.members.dt.client.call('rfq.addendum', {
    rfq: rfq.id, text: 'We added a question on **governance**.', questions: [{ section: 'Governance', text: 'Who decides?' }],
  });
  assert.equal(ad.addendum.questions.length, 1);
  assert.match(ad.addendum.html, /<strong>governance<\/strong>/);
  const g1 = await resp.call('response.get', { respondent_token: inv.respondent_token });
  assert.equal(g1.rfq.questions.length, 4);
  assert.equal(g1.rfq.addenda.length, 1);
  assert.equal(g1.rfq.addenda[0].text, 'We added a question on **governance**.');
  assert.equal(g1.rfq.questions[3].text, 'Who decides?');
  // Close by hand, then select.
  await rejectsWith(A.admin.call('rfq.select', { rfq: rfq.id, respondents: [inv.respondent.id] }), 'conflict', { what: 'select before close' });
  await rejectsWith(A.members.prov.client.call('rfq.close', { rfq: rfq.id }), 'forbidden');
  const c = await A.admin.call('rfq.close', { rfq: rfq.id });
  assert.equal(c.rfq.status, 'closed');
  await rejectsWith(A.admin.call('rfq.close', { rfq: rfq.id }), 'closed');
  await rejectsWith(A.admin.call('rfq.addendum', { rfq: rfq.id, text: 'late' }), 'closed');
  const s = await A.admin.call('rfq.select', { rfq: rfq.id, respondents: [inv.respondent.id], note: 'Business hub' });
  assert.equal(s.rfq.status, 'decided');
  assert.equal(s.rfq.note, 'Business hub');
  assert.deepEqual(s.selected.map((x) => x.organization), ['Org A']);
  await rejectsWith(A.admin.call('rfq.select', { rfq: rfq.id, respondents: [inv.respondent.id] }), 'closed');
  const got = await watcher.call('rfq.get', { rfq: rfq.id });
  assert.equal(got.rfq.status, 'decided');
  // Every step reached a subscribed member, in order.
  const evs = await watcher.waitEvents((e) => e.coalition === A.slug && e.event.startsWith('rfq.') && e.data.rfq?.id === rfq.id, 6);
  assert.deepEqual(evs.map((e) => e.event), ['rfq.created', 'rfq.updated', 'rfq.published', 'rfq.addendum', 'rfq.closed', 'rfq.decided']);
  assert.equal(evs[3].data.addendum.text, 'We added a question on **governance**.');
  assert.deepEqual(evs[5].data.selected.map((x) => x.organization), ['Org A']);
  assert.ok(watcher.events.length > from);
});

test('respondent link: answer, save drafts, ask, read clarifications, submit final; a bad token is unauthenticated', async () => {
  const { rfq, resp: [r1, r2] } = await published();
  const conv = A.admin;
  const from = await subscribe(conv);
  const c = await anon();
  assert.equal(typeof r1.respondent_token, 'string');
  assert.ok(r1.respondent_token.length >= 32);
  assert.equal(r1.respondent.organization, 'Org One');
  const g = await c.call('response.get', { respondent_token: r1.respondent_token });
  assert.equal(g.rfq.id, rfq.id);
  assert.equal(g.rfq.title, 'Hub RFQ');
  assert.deepEqual(g.answers, []);
  assert.equal(g.open, true);
  assert.equal(g.counts, undefined);
  const [q1, q2] = g.rfq.questions;
  // Draft saves.
  const s1 = await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: q1.id, body: 'We **moved** to one billing system.' }] });
  assert.equal(s1.answers.length, 1);
  assert.match(s1.answers[0].html, /<strong>moved<\/strong>/);
  assert.equal(s1.final, false);
  await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: q1.id, body: 'Version 2' }, { question: q2.id, body: 'Mission <script>alert(1)</script>' }] });
  const g2 = await c.call('response.get', { respondent_token: r1.respondent_token });
  assert.deepEqual(g2.answers.map((a) => a.body), ['Version 2', 'Mission <script>alert(1)</script>']);
  assert.equal(g2.answers[1].html.includes('<script'), false);
  // The other respondent sees only their own (none).
  const o = await c.call('response.get', { respondent_token: r2.respondent_token });
  assert.deepEqual(o.answers, []);
  // Bad input changes nothing.
  await rejectsWith(c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: 999999, body: 'x' }] }), 'bad_request', { field: 'answers' });
  await rejectsWith(c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: q1.id, body: 'ok' }, { question: q2.id }] }), 'bad_request', { field: 'answers' });
  assert.deepEqual((await c.call('response.get', { respondent_token: r1.respondent_token })).answers.map((a) => a.body), ['Version 2', 'Mission <script>alert(1)</script>']);
  // Bad or missing tokens.
  await rejectsWith(c.call('response.get', { respondent_token: 'not-a-token' }), 'unauthenticated');
  await rejectsWith(c.call('response.submit', { respondent_token: r1.respondent_token.slice(1), answers: [] }), 'unauthenticated');
  await rejectsWith(c.call('clarification.ask', { respondent_token: 'nope', text: 'hello?' }), 'unauthenticated');
  await rejectsWith(c.call('response.get', {}), 'bad_request', { field: 'respondent_token' });
  // Clarification: asked by the respondent, answered for everyone.
  const q = await c.call('clarification.ask', { respondent_token: r2.respondent_token, text: 'May two organizations apply together?' });
  const asked = await conv.waitEvent((e) => e.event === 'clarification.asked' && e.data.clarification.id === q.clarification.id, 5000, { from });
  assert.equal(asked.data.clarification.question, 'May two organizations apply together?');
  assert.equal(JSON.stringify(asked.data).includes('Org Two'), false, 'the asker is not named');
  await rejectsWith(A.members.prov.client.call('clarification.answer', { rfq: rfq.id, clarification: q.clarification.id, text: 'x' }), 'forbidden');
  const before1 = await c.call('response.get', { respondent_token: r1.respondent_token });
  assert.equal(before1.clarifications.length, 0, 'unanswered clarifications are not published');
  const ans = await A.members.dt.client.call('clarification.answer', { rfq: rfq.id, clarification: q.clarification.id, text: 'Yes, say who leads what.' });
  assert.equal(ans.clarification.answer, 'Yes, say who leads what.');
  await rejectsWith(A.members.dt.client.call('clarification.answer', { rfq: rfq.id, clarification: q.clarification.id, text: 'again' }), 'conflict');
  const ev = await conv.waitEvent((e) => e.event === 'clarification.answered', 5000, { from });
  assert.equal(ev.data.clarification.question, 'May two organizations apply together?');
  for (const tok of [r1.respondent_token, r2.respondent_token]) {
    const x = await c.call('response.get', { respondent_token: tok });
    assert.deepEqual(x.clarifications.map((y) => [y.question, y.answer]), [['May two organizations apply together?', 'Yes, say who leads what.']]);
  }
  // Final: frozen afterwards.
  const f = await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [], final: true });
  assert.equal(f.final, true);
  assert.equal(typeof f.respondent.final_at, 'string');
  await rejectsWith(c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: q1.id, body: 'changed' }] }), 'conflict', { field: 'final' });
  assert.equal((await c.call('response.get', { respondent_token: r1.respondent_token })).answers[0].body, 'Version 2');
  // response.submitted events carry counts only.
  const subs = conv.events.slice(from).filter((e) => e.event === 'response.submitted');
  assert.ok(subs.length >= 3);
  for (const e of subs) {
    assert.deepEqual(Object.keys(e.data).sort(), ['counts', 'rfq']);
    assert.equal(JSON.stringify(e.data).includes('Version 2'), false);
  }
  assert.deepEqual(subs.at(-1).data.counts, { respondents: 2, responded: 1, submitted: 1 });
  // Only the token's hash is stored.
  const dump = await sqlite(dbPath(d.dataDir), '.dump rfq_respondents');
  assert.equal(dump.includes(r1.respondent_token), false, 'the link token is not stored');
});

test('sealed: before the close nobody signed in sees an answer, evaluators included', async () => {
  const { rfq, resp: [r1] } = await published(['Sealed Org']);
  await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.prov.id });
  const from = await subscribe(A.admin);
  const c = await anon();
  const secret = `secret answer ${unique('s')}`;
  await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: rfq.questions[0].id, body: secret }], final: true });
  await A.admin.waitEvent((e) => e.event === 'response.submitted' && e.data.rfq.id === rfq.id, 5000, { from });
  for (const who of [A.members.prov.client, A.members.dt.client, A.admin]) {
    await rejectsWith(who.call('response.list', { rfq: rfq.id }), 'forbidden', { what: 'answers before close' });
    await rejectsWith(who.call('response.list', { rfq: rfq.id, question: rfq.questions[0].id }), 'forbidden');
    await rejectsWith(who.call('rfq.results', { rfq: rfq.id }), 'forbidden');
    const g = await who.call('rfq.get', { rfq: rfq.id });
    assert.equal(JSON.stringify(g).includes(secret), false, 'rfq.get shows no answer');
    assert.deepEqual(g.rfq.counts, { respondents: 1, responded: 1, submitted: 1 });
  }
  await rejectsWith(A.members.prov.client.call('score.submit', { rfq: rfq.id, respondent: r1.respondent.id, criterion: rfq.criteria[0].id, score: 3 }), 'forbidden');
  // The replayed event log holds no answer either.
  const w = await d.login(A.members.prov.email, A.members.prov.password);
  await w.call('coalition.subscribe', { coalition: A.slug, since: 0 });
  await sleep(300);
  assert.equal(JSON.stringify(w.events).includes(secret), false);
  // After the close, evaluators read the answers side by side.
  await A.admin.call('rfq.close', { rfq: rfq.id });
  const list = await A.members.prov.client.call('response.list', { rfq: rfq.id, question: rfq.questions[0].id });
  assert.deepEqual(list.responses.map((x) => [x.organization, x.answers.map((a) => a.body)]), [['Sealed Org', [secret]]]);
  // A member who is neither organizer nor evaluator still cannot.
  await rejectsWith(A.members.prov2.client.call('response.list', { rfq: rfq.id }), 'forbidden');
  await rejectsWith(A.members.par.client.call('response.list', { rfq: rfq.id }), 'forbidden');
});

test('closes by itself at closes_at: then closed for respondents', async () => {
  const { rfq, resp: [r1] } = await published(['Late Org'], { closes: 3 });
  const from = await subscribe(A.members.par.client);
  const c = await anon();
  await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'in time' }] });
  const ev = await A.members.par.client.waitEvent((e) => e.event === 'rfq.closed' && e.data.rfq.id === rfq.id, 8000, { from });
  assert.equal(ev.data.rfq.status, 'closed');
  assert.equal(ev.data.automatic, true);
  await rejectsWith(c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'too late' }] }), 'closed');
  await rejectsWith(c.call('clarification.ask', { respondent_token: r1.respondent_token, text: 'late question' }), 'closed');
  const g = await c.call('response.get', { respondent_token: r1.respondent_token });
  assert.equal(g.rfq.status, 'closed');
  assert.equal(g.open, false);
  assert.deepEqual(g.answers.map((a) => a.body), ['in time'], 'answers frozen as they were');
  assert.equal((await A.admin.call('rfq.get', { rfq: rfq.id })).rfq.status, 'closed');
});

test('evaluators: groups, recusal for a conflict of interest, only assigned evaluators score, after the close', async () => {
  const { rfq, resp: [r1, r2] } = await published(['Conflicted Org', 'Clean Org']);
  const [crit] = rfq.criteria;
  await rejectsWith(A.members.prov.client.call('evaluator.assign', { rfq: rfq.id, member: A.members.prov.id }), 'forbidden');
  const e1 = await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.prov.id });
  assert.equal(e1.evaluator.group, 'provider');
  assert.equal((await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.fund.id })).evaluator.group, 'funder');
  assert.equal((await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.dt.id })).evaluator.group, 'design_team');
  assert.equal((await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.par.id, group: 'provider' })).evaluator.group, 'provider');
  await rejectsWith(A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.prov2.id, group: 'hub' }), 'bad_request', { field: 'group' });
  await rejectsWith(A.admin.call('evaluator.assign', { rfq: rfq.id, member: B.members.bea.id }), 'not_found', { field: 'member' });
  const c = await anon();
  await c.call('response.submit', { respondent_token: r1.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'one' }] });
  await c.call('response.submit', { respondent_token: r2.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'two' }] });
  // Conflict of interest declared while open: recorded, recused.
  const from = await subscribe(A.admin);
  const coi = await A.members.prov.client.call('coi.declare', { rfq: rfq.id, respondent: r1.respondent.id, reason: 'I sit on their board' });
  assert.equal(coi.conflict.reason, 'I sit on their board');
  await A.admin.waitEvent((e) => e.event === 'coi.declared' && e.data.conflict.respondent === r1.respondent.id, 5000, { from });
  await rejectsWith(A.members.prov.client.call('coi.declare', { rfq: rfq.id, respondent: 999999, reason: 'x' }), 'not_found', { field: 'respondent' });
  await rejectsWith(A.members.prov.client.call('coi.declare', { rfq: rfq.id, respondent: r2.respondent.id, reason: '' }), 'bad_request', { field: 'reason' });
  const g = await A.members.prov.client.call('rfq.get', { rfq: rfq.id });
  assert.deepEqual(g.me.recused, [r1.respondent.id]);
  assert.equal(g.me.group, 'provider');
  const gc = await A.admin.call('rfq.get', { rfq: rfq.id });
  assert.ok(gc.conflicts.some((x) => x.member === A.members.prov.id && x.respondent === r1.respondent.id && x.reason === 'I sit on their board'));
  await A.admin.call('rfq.close', { rfq: rfq.id });
  // Recused: refused, and nothing stored.
  await rejectsWith(A.members.prov.client.call('score.submit', { rfq: rfq.id, respondent: r1.respondent.id, criterion: crit.id, score: 4 }), 'forbidden', { field: 'respondent' });
  const ok = await A.members.prov.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 4, comment: 'solid' });
  assert.equal(ok.score.score, 4);
  assert.equal(ok.score.comment, 'solid');
  // Not assigned: refused whatever the role.
  await rejectsWith(A.members.prov2.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 4 }), 'forbidden');
  await rejectsWith(A.admin.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 4 }), 'forbidden');
  // Range and references.
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 6 }), 'bad_request', { field: 'score' });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 0 }), 'bad_request', { field: 'score' });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: -1 }), 'bad_request', { field: 'score' });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 2.5 }), 'bad_request', { field: 'score' });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: 999999, score: 2 }), 'not_found', { field: 'criterion' });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: 999999, criterion: crit.id, score: 2 }), 'not_found', { field: 'respondent' });
  // Replaceable until decided.
  await A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 2 });
  await A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 5 });
  const mine = await A.members.fund.client.call('score.list', { rfq: rfq.id });
  assert.deepEqual(mine.scores.filter((s) => s.evaluator === A.members.fund.id).map((s) => s.score), [5]);
  const res = await A.admin.call('rfq.results', { rfq: rfq.id });
  const clean = res.respondents.find((x) => x.respondent === r2.respondent.id);
  assert.equal(clean.criteria[0].n, 2);
  assert.equal(clean.criteria[0].mean, 4.5);
  const conflicted = res.respondents.find((x) => x.respondent === r1.respondent.id);
  assert.equal(conflicted.criteria[0].n, 0);
  assert.equal(conflicted.total, null);
  await A.admin.call('rfq.select', { rfq: rfq.id, respondents: [r2.respondent.id] });
  await rejectsWith(A.members.fund.client.call('score.submit', { rfq: rfq.id, respondent: r2.respondent.id, criterion: crit.id, score: 1 }), 'closed');
});

test('rfq.results: weighted totals, mean/sd/n, ranks with ties, balance_groups and normalize (hand computed)', async () => {
  // Two criteria: C0 weight 3 max 5, C1 weight 1 max 10.
  const { rfq, resp: [r1, r2, r3] } = await published(['R One', 'R Two', 'R Three']);
  const [c0, c1] = rfq.criteria;
  const c = await anon();
  for (const r of [r1, r2, r3]) {
    await c.call('response.submit', { respondent_token: r.respondent_token, answers: [{ question: rfq.questions[0].id, body: 'x' }], final: true });
  }
  const dt = A.members.dt.client;
  const prov = A.members.prov.client;
  const fund = A.members.fund.client;
  await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.dt.id });
  await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.prov.id });
  await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.fund.id, group: 'design_team' });
  await A.admin.call('rfq.close', { rfq: rfq.id });
  const put = (who, r, crit, score) => who.call('score.submit', { rfq: rfq.id, respondent: r.respondent.id, criterion: crit.id, score });
  // design team: dt and fund (as design_team); provider: prov.
  // R1: C0 5,5 | 1 ; C1 10,10 | 2     R2: C0 3,3 | 3 ; C1 6,6 | 6     R3: C0 5,5 | 1 ; C1 10,10 | 2 (ties R1)
  for (const [r, a, b, pa, pb] of [[r1, 5, 10, 1, 2], [r2, 3, 6, 3, 6], [r3, 5, 10, 1, 2]]) {
    await put(dt, r, c0, a); await put(dt, r, c1, b);
    await put(fund, r, c0, a); await put(fund, r, c1, b);
  }
  // The provider has not scored yet: evaluators_done 2 of 3.
  let res = await A.admin.call('rfq.results', { rfq: rfq.id });
  assert.equal(res.evaluators_total, 3);
  assert.equal(res.evaluators_done, 2);
  // The provider sees no figures of respondents they have not scored yet.
  const early = await prov.call('rfq.results', { rfq: rfq.id });
  assert.ok(early.respondents.every((x) => x.total === null && x.criteria.length === 0));
  for (const [r, , , pa, pb] of [[r1, 5, 10, 1, 2], [r2, 3, 6, 3, 6], [r3, 5, 10, 1, 2]]) {
    await put(prov, r, c0, pa); await put(prov, r, c1, pb);
  }
  res = await A.admin.call('rfq.results', { rfq: rfq.id });
  assert.equal(res.evaluators_done, 3);
  const by = (x) => Object.fromEntries(x.respondents.map((y) => [y.organization, y]));
  let m = by(res);
  // R1 C0: 5,5,1 -> mean 11/3, sd sqrt(((4/3)^2*2 + (8/3)^2)/3) = sqrt(32/9)/... = 1.885618
  near(m['R One'].criteria[0].mean, 11 / 3);
  near(m['R One'].criteria[0].sd, Math.sqrt(((4 / 3) ** 2 * 2 + (8 / 3) ** 2) / 3));
  assert.equal(m['R One'].criteria[0].n, 3);
  // C1: 10,10,2 -> 22/3. total = 100*(3*(11/3)/5 + 1*(22/3)/10)/4
  near(m['R One'].total, 100 * (3 * (11 / 3) / 5 + (22 / 3) / 10) / 4);
  // R2: all 3 on C0, 6 on C1 -> 100*(3*0.6 + 0.6)/4 = 60
  near(m['R Two'].total, 60);
  assert.equal(m['R One'].rank, 1);
  assert.equal(m['R Three'].rank, 1, 'ties share a rank');
  assert.equal(m['R Two'].rank, 3);
  assert.deepEqual(res.respondents.map((x) => x.rank), [1, 1, 3], 'ordered by rank');
  // balance_groups: design team (5,5) and provider (1) weigh the same: C0 mean 3, C1 mean 6 -> 60
  m = by(await A.admin.call('rfq.results', { rfq: rfq.id, balance_groups: true }));
  near(m['R One'].criteria[0].mean, 3);
  near(m['R One'].criteria[0].sd, 2);
  near(m['R One'].total, 60);
  assert.equal(m['R Two'].rank, 1, 'R Two ties once groups are balanced');
  assert.equal(m['R One'].rank, 1);
  // normalize: every evaluator's scores as z-scores (fractions of max):
  // dt/fund: 1,1,.6,.6,1,1 -> mean 13/15; prov: .2,.2,.6,.6,.2,.2 -> mean 1/3.
  const z = (x, xs) => { const mu = xs.reduce((a, b) => a + b) / xs.length; const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / xs.length); return (x - mu) / sd; };
  const hi = [1, 1, 0.6, 0.6, 1, 1];
  const lo = [0.2, 0.2, 0.6, 0.6, 0.2, 0.2];
  const n1 = (2 * z(1, hi) + z(0.2, lo)) / 3;
  const n2 = (2 * z(0.6, hi) + z(0.6, lo)) / 3;
  m = by(await A.admin.call('rfq.results', { rfq: rfq.id, normalize: true }));
  near(m['R One'].criteria[0].mean, n1);
  near(m['R One'].total, n1);
  near(m['R Two'].total, n2);
  // Both options: each group's z means weigh the same.
  m = by(await A.admin.call('rfq.results', { rfq: rfq.id, normalize: true, balance_groups: true }));
  near(m['R One'].total, (z(1, hi) + z(0.2, lo)) / 2);
  near(m['R Two'].total, (z(0.6, hi) + z(0.6, lo)) / 2);
  // Who may see results: conveners and assigned evaluators.
  await rejectsWith(A.members.prov2.client.call('rfq.results', { rfq: rfq.id }), 'forbidden');
  await rejectsWith(A.members.par.client.call('rfq.results', { rfq: rfq.id }), 'forbidden');
  const ev = await prov.call('rfq.results', { rfq: rfq.id });
  assert.equal(ev.respondents.length, 3);
  assert.ok(ev.respondents.every((x) => typeof x.total === 'number'));
  // Select two hubs: business and pedagogy.
  const s = await A.admin.call('rfq.select', { rfq: rfq.id, respondents: [r1.respondent.id, r3.respondent.id], note: 'R One for business, R Three for pedagogy' });
  assert.equal(s.rfq.status, 'decided');
  assert.deepEqual(s.selected.map((x) => x.respondent).sort(), [r1.respondent.id, r3.respondent.id].sort());
  const after = await A.admin.call('rfq.results', { rfq: rfq.id });
  assert.equal(after.status, 'decided');
  assert.deepEqual(after.respondents.filter((x) => x.selected).map((x) => x.organization).sort(), ['R One', 'R Three']);
});

function near(a, b, what = '') {
  assert.ok(typeof a === 'number' && Math.abs(a - b) < 1e-5, `${what} expected ${b}, got ${a}`);
}

test('rfq.select refuses respondents of another RFQ and changes nothing', async () => {
  const one = await published(['S One']);
  const two = await published(['S Two']);
  await A.admin.call('rfq.close', { rfq: one.rfq.id });
  await rejectsWith(A.admin.call('rfq.select', { rfq: one.rfq.id, respondents: [two.resp[0].respondent.id] }), 'not_found', { field: 'respondents' });
  await rejectsWith(A.admin.call('rfq.select', { rfq: one.rfq.id, respondents: [] }), 'bad_request', { field: 'respondents' });
  await rejectsWith(A.members.prov.client.call('rfq.select', { rfq: one.rfq.id, respondents: [one.resp[0].respondent.id] }), 'forbidden');
  assert.equal((await A.admin.call('rfq.get', { rfq: one.rfq.id })).rfq.status, 'closed');
});

test('another coalition\'s member gets not_found for every RFQ op and sees no RFQ event', async () => {
  const bea = B.members.bea.client;
  const from = await subscribe(bea, B.slug);
  const { rfq, resp: [r1] } = await published(['Private Org']);
  await A.admin.call('evaluator.assign', { rfq: rfq.id, member: A.members.dt.id });
  const calls = [
    ['rfq.get', { rfq: rfq.id }],
    ['rfq.update', { rfq: rfq.id, title: 'x' }],
    ['rfq.publish', { rfq: rfq.id }],
    ['rfq.addendum', { rfq: rfq.id, text: 'x' }],
    ['rfq.close', { rfq: rfq.id }],
    ['rfq.results', { rfq: rfq.id }],
    ['rfq.select', { rfq: rfq.id, respondents: [r1.respondent.id] }],
    ['respondent.invite', { rfq: rfq.id, organization: 'X', email: 'x@x.example' }],
    ['response.list', { rfq: rfq.id }],
    ['clarification.answer', { rfq: rfq.id, clarification: 1, text: 'x' }],
    ['evaluator.assign', { rfq: rfq.id, member: B.members.bea.id }],
    ['coi.declare', { rfq: rfq.id, respondent: r1.respondent.id, reason: 'x' }],
    ['score.submit', { rfq: rfq.id, respondent: r1.respondent.id, criterion: rfq.criteria[0].id, score: 1 }],
    ['score.list', { rfq: rfq.id }],
    ['rfq.list', { coalition: A.slug }],
  ];
  for (const [op, args] of calls) {
    await rejectsWith(bea.call(op, args), 'not_found', { what: `${op} from another coalition` });
  }
  // Same answer as for an RFQ that does not exist.
  await rejectsWith(bea.call('rfq.get', { rfq: 99999999 }), 'not_found', { field: 'rfq' });
  assert.equal((await A.admin.call('rfq.get', { rfq: rfq.id })).rfq.status, 'published', 'nothing changed');
  await sleep(300);
  assert.equal(bea.events.slice(from).some((e) => e.event.startsWith('rfq.') || e.coalition === A.slug), false);
  // Not signed in: unauthenticated.
  const c = await anon();
  assertError(await c.request('rfq.get', { rfq: rfq.id }), 'unauthenticated');
  assertError(await c.request('score.submit', { rfq: rfq.id, respondent: 1, criterion: 1, score: 1 }), 'unauthenticated');
});

test('a deadline reached while the daemon is down or restarting still closes the RFQ (read from the database)', async () => {
  const d2 = await startDaemon();
  try {
    const co = await makeCoalition(d2, { members: [{ key: 'par', roles: ['parent'] }] });
    const t = await co.admin.call('rfq.create', { coalition: co.slug, title: 'Restart', body: 'b', closes_at: iso(3), questions: QUESTIONS, criteria: CRITERIA });
    await co.admin.call('rfq.publish', { rfq: t.rfq.id });
    await d2.restart();
    await sleep(3500);
    const c = await d2.admin();
    await c.call('coalition.subscribe', { coalition: co.slug, since: 0 });
    const ev = await c.waitEvent((e) => e.event === 'rfq.closed' && e.data.rfq.id === t.rfq.id, 5000);
    assert.equal(ev.data.automatic, true);
    assert.equal((await c.call('rfq.get', { rfq: t.rfq.id })).rfq.status, 'closed');
    const v = await c.call('audit.verify', { coalition: co.slug });
    assert.equal(v.ok, true);
  } finally {
    await d2.close();
  }
});

test('demo: a published hub RFQ with two answering respondents, and a closed one scored by all three groups', async () => {
  let printed = '';
  const d3 = await startDaemon({
    admin: false,
    setup: async (dir) => {
      const r = await run(['demo', '--data', dir]);
      assert.equal(r.code, 0, r.stderr);
      printed = r.stdout;
    },
  });
  try {
    const maria = await d3.login('maria@demo.test', 'roundtable-demo');
    const { rfqs } = await maria.call('rfq.list', { coalition: 'valley' });
    const pub = rfqs.find((x) => x.status === 'published');
    const closed = rfqs.find((x) => x.status === 'closed');
    assert.ok(pub && closed, JSON.stringify(rfqs));
    const g = await maria.call('rfq.get', { rfq: pub.id });
    assert.deepEqual(g.respondents.map((x) => x.organization).sort(), ['United Way of the Valley', 'Valley Child Care Resource Center']);
    assert.equal(g.rfq.counts.responded, 2);
    assert.equal(g.rfq.questions.length, 16, 'the template');
    assert.ok(g.clarifications.some((c) => c.answer));
    // The printed respondent link token works.
    const tok = /Valley Child Care Resource Center\s+(\S{43})/.exec(printed)?.[1];
    assert.ok(tok, printed);
    const c = await d3.connect();
    const mine = await c.call('response.get', { respondent_token: tok });
    assert.equal(mine.respondent.organization, 'Valley Child Care Resource Center');
    assert.ok(mine.answers.length > 0);
    // Closed and scored by design team, funder and providers.
    const res = await maria.call('rfq.results', { rfq: closed.id, balance_groups: true });
    assert.equal(res.respondents.length, 3);
    assert.deepEqual([...new Set(res.evaluators.map((e) => e.group))].sort(), ['design_team', 'funder', 'provider']);
    assert.equal(res.evaluators_done, res.evaluators_total);
    assert.ok(res.respondents.every((x) => typeof x.total === 'number' && x.rank >= 1));
  } finally {
    await d3.close();
  }
});
