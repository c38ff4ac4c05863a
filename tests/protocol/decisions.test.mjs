// Decisions: every op (decision.create, list, get, tally, ballot.cast,
// decision.close, decision.verify), every kind, eligibility, replacing a
// ballot, results after_close hidden from everyone, secret ballots (frames,
// audit and the SQLite file carry no voter next to a choice), receipts,
// one ballot per organization, MOU adoption (only of a version of an MOU of
// the same coalition), the close by timer (also across a restart) and
// exactly-once casting under 50 parallel requests.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, makeCoalition, rejectsWith, unique, sleep, dbPath, sqlite, run, dataDigester, changedKeys, idemTag,
} from './lib.mjs';

let d;
let co;
let other;
const M = {};

/** An RFC 3339 time seconds from now (whole seconds, UTC). */
function inSeconds(s) {
  return new Date(Date.now() + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: 'dec',
    members: [
      { key: 'des', roles: ['design_team'], organization: 'Design Org' },
      { key: 'ana', roles: ['provider'], organization: 'Sunrise' },
      { key: 'ana2', roles: ['provider'], organization: 'Sunrise' },
      { key: 'dee', roles: ['provider'], organization: 'Little Steps' },
      { key: 'tom', roles: ['provider'], organization: 'Bright Futures' },
      { key: 'fun', roles: ['funder'], organization: 'Foundation' },
      { key: 'par', roles: ['parent'] },
      { key: 'par2', roles: ['parent'] },
    ],
  });
  for (const [k, v] of Object.entries(co.members)) M[k] = v.client;
  M.conv = co.admin;
  other = await makeCoalition(d, { slug: 'dec-other', members: [{ key: 'out', roles: ['provider'], organization: 'Sunrise' }] });
  M.out = other.members.out.client;
});

after(async () => {
  if (d) await d.close();
});

async function latestSeq(slug = 'dec') {
  const r = await co.admin.call('coalition.subscribe', { coalition: slug });
  return r.seq;
}

/** A fresh connection of the convener subscribed to the coalition. */
async function watcher(client = co.admin) {
  const c = await d.connect();
  await c.call('auth.resume', { token: client.token });
  await c.call('coalition.subscribe', { coalition: 'dec' });
  return c;
}

async function create(args = {}, by = M.conv) {
  const base = {
    coalition: 'dec', title: 'A proposal', body: 'Some **text**', kind: 'proposal',
    eligible_roles: ['provider'], closes_at: inSeconds(3600),
  };
  const r = await by.call('decision.create', { ...base, ...args });
  return r.decision;
}

test('decision.create: checks every argument, refuses non-members and roles, changes nothing when refused', async () => {
  const seq = await latestSeq();
  const base = { coalition: 'dec', title: 'T', body: 'B', kind: 'proposal', eligible_roles: ['provider'], closes_at: inSeconds(600) };
  const bad = [
    [{ kind: 'vote' }, 'kind'],
    [{ kind: 'choice' }, 'options'],
    [{ kind: 'choice', options: ['only one'] }, 'options'],
    [{ kind: 'ranked', options: ['A', 'A'] }, 'options'],
    [{ kind: 'approval', options: ['A', ''] }, 'options'],
    [{ options: ['A', 'B'] }, 'options'],
    [{ eligible_roles: [] }, 'eligible_roles'],
    [{ eligible_roles: ['king'] }, 'eligible_roles'],
    [{ closes_at: inSeconds(-10) }, 'closes_at'],
    [{ closes_at: 'tomorrow' }, 'closes_at'],
    [{ threshold: 'most' }, 'threshold'],
    [{ quorum: 101 }, 'quorum'],
    [{ quorum: -1 }, 'quorum'],
    [{ results: 'sometimes' }, 'results'],
    [{ commit: 'a'.repeat(40) }, 'mou'],
    [{ mou: 1, commit: 'xyz' }, 'commit'],
    [{ title: '' }, 'title'],
    [{ secret: 'yes' }, 'secret'],
  ];
  for (const [extra, field] of bad) {
    await M.conv.expectError('decision.create', { ...base, ...extra }, 'bad_request', { field });
  }
  await M.ana.expectError('decision.create', base, 'forbidden');
  await M.out.expectError('decision.create', base, 'not_found');
  assert.equal(await latestSeq(), seq, 'refused creates add no event');
  // design_team may create
  const dec = await create({ title: 'By design' }, M.des);
  assert.equal(dec.created_by.id, co.members.des.id);
});

test('decision.create: the reply and the decision.created event carry the decision', async () => {
  const w = await watcher();
  const dec = await create({
    kind: 'ranked', options: ['A', 'B', 'C'], quorum: 40, threshold: 'two_thirds', secret: true,
    results: 'after_close', per_organization: true, eligible_roles: ['provider', 'parent'], title: 'Full',
  });
  assert.equal(typeof dec.id, 'number');
  assert.equal(dec.kind, 'ranked');
  assert.deepEqual(dec.options, ['A', 'B', 'C']);
  assert.deepEqual(dec.eligible_roles, ['provider', 'parent']);
  assert.equal(dec.quorum, 40);
  assert.equal(dec.threshold, 'two_thirds');
  assert.equal(dec.secret, true);
  assert.equal(dec.results, 'after_close');
  assert.equal(dec.per_organization, true);
  assert.equal(dec.status, 'open');
  assert.equal(dec.coalition, 'dec');
  assert.match(dec.html, /<strong>text<\/strong>/);
  const ev = await w.waitEvent((e) => e.event === 'decision.created' && e.data.decision.id === dec.id);
  assert.equal(ev.coalition, 'dec');
  assert.equal(ev.data.decision.title, 'Full');
  // defaults
  const p = await create({ kind: 'consent' });
  assert.equal(p.threshold, 'no_blocks');
  assert.equal(p.results, 'live');
  assert.equal(p.secret, false);
  assert.equal(p.quorum, 0);
  // listed, with my position
  const l = await M.ana.call('decision.list', { coalition: 'dec', status: 'open' });
  const mine = l.decisions.find((x) => x.id === dec.id);
  assert.ok(mine);
  assert.deepEqual(mine.me, { eligible: true, voted: false });
  const lf = await M.fun.call('decision.list', { coalition: 'dec' });
  assert.equal(lf.decisions.find((x) => x.id === dec.id).me.eligible, false);
  await M.out.expectError('decision.list', { coalition: 'dec' }, 'not_found');
  w.close();
});

test('proposal, live: cast, replace, events, tally, eligibility, verify', async () => {
  const dec = await create({ title: 'Live one', quorum: 50 });
  const w = await watcher(M.dee);
  const outsider = await d.connect();
  await outsider.call('auth.resume', { token: M.out.token });
  await outsider.call('coalition.subscribe', { coalition: 'dec-other' });
  const from = w.events.length;
  await M.fun.expectError('ballot.cast', { decision: dec.id, choice: 'agree' }, 'forbidden');
  await M.par.expectError('ballot.cast', { decision: dec.id, choice: 'agree' }, 'forbidden');
  await M.out.expectError('ballot.cast', { decision: dec.id, choice: 'agree' }, 'not_found');
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 'yes' }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 3 }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: 999999, choice: 'agree' }, 'not_found');
  await M.ana.expectError('ballot.cast', { decision: dec.id }, 'bad_request', { field: 'choice' });
  let t = await M.conv.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 0, 'refused casts changed nothing');

  const r1 = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'disagree', reason: 'Too costly' });
  assert.equal(typeof r1.receipt, 'string');
  assert.equal(r1.ballot.replaced, false);
  const ev = await w.waitEvent((e) => e.event === 'ballot.cast' && e.data.decision === dec.id, 5000, { from });
  assert.equal(ev.data.voter.id, co.members.ana.id);
  assert.equal(ev.data.choice, 'disagree');
  const tu = await w.waitEvent((e) => e.event === 'tally.updated' && e.data.decision === dec.id, 5000, { from });
  assert.equal(tu.data.tally.counts.disagree, 1);

  t = await M.dee.call('decision.tally', { decision: dec.id });
  assert.equal(t.eligible, 4); // ana, ana2, dee, tom
  assert.equal(t.cast, 1);
  assert.equal(t.quorum_met, false);
  assert.equal(t.outcome.result, 'open');

  // replace
  const r2 = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  assert.equal(r2.ballot.replaced, true);
  assert.notEqual(r2.receipt, r1.receipt);
  await M.dee.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  t = await M.tom.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 2);
  assert.deepEqual(t.counts, { agree: 2, abstain: 0, disagree: 0, block: 0 });
  assert.equal(t.quorum_met, true);
  assert.equal(t.outcome.provisional.result, 'passed');

  // get: my ballot, everyone's open ballots
  const g = await M.ana.call('decision.get', { decision: dec.id });
  assert.equal(g.decision.id, dec.id);
  assert.equal(g.me.voted, true);
  assert.equal(g.me.ballot.choice, 'agree');
  assert.equal(g.ballots.length, 2);
  assert.ok(g.ballots.every((b) => b.voter && b.choice === 'agree'));
  assert.equal(g.tally.cast, 2);

  // verify
  const v = await M.ana.call('decision.verify', { decision: dec.id, receipt: r2.receipt });
  assert.equal(v.status, 'counted');
  assert.equal(v.counted, true);
  assert.equal(v.counted_as, 'agree');
  assert.equal(v.final, false);
  const vOld = await M.ana.call('decision.verify', { decision: dec.id, receipt: r1.receipt });
  assert.equal(vOld.status, 'replaced');
  assert.equal(vOld.counted, false);
  await M.dee.expectError('decision.verify', { decision: dec.id, receipt: r2.receipt }, 'not_found', { field: 'receipt' });
  await M.ana.expectError('decision.verify', { decision: dec.id, receipt: 'nonsense' }, 'bad_request', { field: 'receipt' });
  await M.out.expectError('decision.verify', { decision: dec.id, receipt: r2.receipt }, 'not_found');
  await M.out.expectError('decision.get', { decision: dec.id }, 'not_found');
  await M.out.expectError('decision.tally', { decision: dec.id }, 'not_found');
  await M.out.expectError('coalition.subscribe', { coalition: 'dec' }, 'not_found');
  assert.deepEqual(outsider.events.filter((e) => e.data?.decision !== undefined), [],
    'a member of another coalition gets no event of this one');
  outsider.close();
  w.close();
});

test('the demo has an open proposal with ballots and a closed ranked choice', async () => {
  const demo = await startDaemon({
    admin: false,
    setup: async (dir) => {
      const r = await run(['demo', '--data', dir]);
      assert.equal(r.code, 0, r.stderr);
    },
  });
  try {
    const ana = await demo.login('ana@demo.test', 'roundtable-demo');
    const l = await ana.call('decision.list', { coalition: 'valley' });
    const open = l.decisions.find((x) => x.title === 'Adopt the shared substitute pool');
    assert.equal(open.status, 'open');
    assert.equal(open.kind, 'proposal');
    assert.equal(open.results, 'live');
    assert.deepEqual(open.eligible_roles, ['provider']);
    assert.deepEqual(open.me, { eligible: true, voted: true, ballot: { choice: 'agree', reason: open.me.ballot.reason } });
    const t = await ana.call('decision.tally', { decision: open.id });
    assert.equal(t.cast, 2);
    const ranked = l.decisions.find((x) => x.kind === 'ranked');
    assert.equal(ranked.status, 'closed');
    assert.equal(ranked.secret, true);
    assert.equal(ranked.outcome.winner, 'Substitute pool');
    const rt = await ana.call('decision.tally', { decision: ranked.id });
    assert.equal(rt.rounds.length, 3);
    const g = await ana.call('decision.get', { decision: ranked.id });
    assert.match(g.decision.outcome_statement_html, /<strong>substitute pool<\/strong>/);
    const luis = await demo.login('luis@demo.test', 'roundtable-demo');
    await luis.expectError('ballot.cast', { decision: open.id, choice: 'agree' }, 'forbidden');
  } finally {
    await demo.close();
  }
});

test('decision.close: convener or creator, outcome statement, event, then closed', async () => {
  const dec = await create({ title: 'To close' }, M.des);
  await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  await M.dee.call('ballot.cast', { decision: dec.id, choice: 'block' });
  await M.tom.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  const w = await watcher(M.fun);
  const from = w.events.length;
  await M.ana.expectError('decision.close', { decision: dec.id }, 'forbidden');
  await M.out.expectError('decision.close', { decision: dec.id }, 'not_found');
  const c = await M.des.call('decision.close', { decision: dec.id, outcome_statement: 'We go *ahead*.' }); // creator
  assert.equal(c.decision.status, 'closed');
  assert.equal(c.decision.outcome_statement, 'We go *ahead*.');
  assert.match(c.decision.outcome_statement_html, /<em>ahead<\/em>/);
  assert.equal(c.tally.outcome.result, 'passed'); // majority: 2 agree vs 1 block
  const ev = await w.waitEvent((e) => e.event === 'decision.closed' && e.data.decision.id === dec.id, 5000, { from });
  assert.equal(ev.data.outcome.result, 'passed');
  assert.equal(ev.data.decision.closed_by.id, co.members.des.id);
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 'block' }, 'closed');
  await M.conv.expectError('decision.close', { decision: dec.id }, 'closed');
  const t = await M.par.call('decision.tally', { decision: dec.id });
  assert.equal(t.outcome.result, 'passed');
  assert.equal(t.cast, 3);
  const g = await M.fun.call('decision.get', { decision: dec.id });
  assert.equal(g.decision.outcome.result, 'passed');
  w.close();
});

test('results after_close: nothing of the tally is shown to anyone before the close', async () => {
  const dec = await create({ title: 'Hidden', results: 'after_close' });
  const w = await watcher(M.conv);
  const wd = await watcher(M.dee);
  const wa = await watcher(M.ana);
  const fromC = w.events.length;
  const r = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree', reason: 'why not' });
  await M.tom.call('ballot.cast', { decision: dec.id, choice: 'disagree' });
  for (const who of [M.conv, M.ana, M.dee]) {
    const t = await who.call('decision.tally', { decision: dec.id });
    assert.equal(t.cast, null);
    assert.equal(t.counts, null);
    assert.equal(t.quorum_met, null);
    assert.equal(t.outcome.result, 'open');
    assert.equal(t.outcome.provisional, undefined);
    const g = await who.call('decision.get', { decision: dec.id });
    assert.equal(g.ballots, undefined);
    assert.equal(g.tally.cast, null);
  }
  await sleep(300);
  const seen = w.events.slice(fromC).filter((e) => e.data?.decision === dec.id);
  assert.deepEqual(seen, [], 'the convener sees no ballot events before the close');
  assert.equal(wd.events.filter((e) => e.data?.decision === dec.id).length, 0, 'another voter sees none either');
  const own = await wa.waitEvent((e) => e.event === 'ballot.cast' && e.data.decision === dec.id);
  assert.equal(own.data.voter.id, co.members.ana.id, 'the voter alone gets their ballot.cast');
  assert.equal(own.data.cast, undefined);
  assert.equal(wa.events.filter((e) => e.event === 'tally.updated' && e.data.decision === dec.id).length, 0);
  // the voter's own ballot is known to them
  const v = await M.ana.call('decision.verify', { decision: dec.id, receipt: r.receipt });
  assert.equal(v.counted_as, 'agree');
  assert.equal(v.rounds, undefined);
  await M.conv.call('decision.close', { decision: dec.id });
  const t = await M.dee.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 2);
  assert.equal(t.counts.agree, 1);
  assert.equal(t.outcome.result, 'tied');
  w.close();
  wd.close();
  wa.close();
});

test('secret ballots: no voter next to a choice in frames, audit or the database; change needs the receipt', async () => {
  const dec = await create({ title: 'Secret', secret: true, threshold: 'no_blocks' });
  const w = await watcher(M.conv);
  const from = w.messages.length;
  const key = unique('secret-key');
  const r1 = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree', reason: 'A good idea' }, { key });
  const rDee = await M.dee.call('ballot.cast', { decision: dec.id, choice: 'block', reason: 'Not yet' });
  assert.equal(typeof r1.receipt, 'string');
  // the same key again: the first reply, nothing changes
  const again = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree', reason: 'A good idea' }, { key });
  assert.deepEqual(again, r1);
  let t = await M.conv.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 2);
  // casting again without the receipt: conflict; with it: replaced
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 'abstain' }, 'conflict', { field: 'receipt' });
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 'abstain', receipt: rDee.receipt }, 'conflict', { field: 'receipt' });
  const r2 = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'abstain', receipt: r1.receipt });
  assert.equal(r2.ballot.replaced, true);
  await M.ana.expectError('ballot.cast', { decision: dec.id, choice: 'agree', receipt: r1.receipt }, 'conflict', { field: 'receipt' });
  t = await M.conv.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 2);
  assert.equal(t.counts.abstain, 1);
  assert.equal(t.counts.block, 1);
  assert.equal(t.counts.agree, 0);
  // verify: the voter's receipt tells how it counts; nobody else's works
  const v = await M.ana.call('decision.verify', { decision: dec.id, receipt: r2.receipt });
  assert.equal(v.counted_as, 'abstain');
  assert.equal((await M.ana.call('decision.verify', { decision: dec.id, receipt: r1.receipt })).status, 'replaced');
  await M.conv.expectError('decision.verify', { decision: dec.id, receipt: r2.receipt }, 'not_found');
  // get: reasons without voters; me.voted without the ballot
  const g = await M.conv.call('decision.get', { decision: dec.id });
  assert.equal(g.ballots, undefined);
  assert.equal(g.reasons.length, 1); // ana's replacement has no reason
  assert.deepEqual(Object.keys(g.reasons[0]).sort(), ['choice', 'reason']);
  const ga = await M.ana.call('decision.get', { decision: dec.id });
  assert.equal(ga.me.voted, true);
  assert.equal(ga.me.ballot, undefined);
  const gt = await M.tom.call('decision.get', { decision: dec.id });
  assert.equal(gt.me.voted, false);

  // frames: events of this decision name nobody and carry no choice
  await sleep(300);
  const frames = w.messages.slice(from).filter((m) => m.event && m.data?.decision === dec.id);
  assert.ok(frames.some((m) => m.event === 'ballot.cast'));
  for (const m of frames) {
    if (m.event === 'ballot.cast') {
      assert.equal(m.data.voter, null);
      assert.equal(m.data.choice, undefined);
      assert.equal(m.data.reason, undefined);
    }
    const text = JSON.stringify(m);
    for (const who of ['ana', 'dee']) {
      assert.ok(!text.includes(co.members[who].name), `${m.event} names ${who}`);
    }
  }
  // replayed events too
  const c2 = await d.connect();
  await c2.call('auth.resume', { token: M.conv.token });
  await c2.call('coalition.subscribe', { coalition: 'dec', since: 0 });
  await sleep(300);
  for (const m of c2.events.filter((e) => e.event === 'ballot.cast' && e.data.decision === dec.id)) {
    assert.equal(m.data.voter, null);
  }
  c2.close();
  // audit: no actor on the ballot entries
  const audit = await M.conv.call('audit.list', { coalition: 'dec', limit: 1000 });
  const seqs = new Set(frames.filter((m) => m.event === 'ballot.cast').map((m) => m.seq));
  const ballotEntries = audit.entries.filter((x) => seqs.has('event_seq' in x ? x.event_seq : x.seq));
  assert.equal(ballotEntries.length, seqs.size);
  for (const e of ballotEntries) assert.equal(e.actor, null);

  // the database: the ballot rows hold no member id, unit, organization or time
  const db = dbPath(d.dataDir);
  const rows = (await sqlite(db, `SELECT quote(member_id), quote(unit), quote(organization), quote(cast_at), length(owner) FROM decision_ballots WHERE decision_id = ${dec.id}`))
    .trim().split('\n');
  assert.equal(rows.length, 2);
  for (const row of rows) assert.equal(row, 'NULL|NULL|NULL|NULL|32');
  // no event row of a ballot names an actor, and nothing in the database holds a receipt
  const actors = await sqlite(db, `SELECT count(*) FROM events WHERE type = 'ballot.cast' AND actor IS NOT NULL AND payload LIKE '%"decision":${dec.id},%'`);
  assert.equal(actors.trim(), '0');
  const dump = await sqlite(db, '.dump');
  for (const rc of [r1.receipt, r2.receipt, rDee.receipt]) assert.ok(!dump.includes(rc), 'a receipt is stored in clear');
  const idem = await sqlite(db, `SELECT count(*) FROM idempotency WHERE hex(tag) = '${idemTag(M.ana.member.id, key)}'`);
  assert.equal(idem.trim(), '0', 'the generic idempotency table does not hold the secret cast');
  w.close();
});

test('per_organization: one ballot per organization, cast and changed by its first voter', async () => {
  const dec = await create({ title: 'Per org', per_organization: true, eligible_roles: ['provider', 'parent'] });
  let t = await M.conv.call('decision.tally', { decision: dec.id });
  assert.equal(t.eligible, 5); // Sunrise, Little Steps, Bright Futures, and two parents without an organization
  await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  await M.ana2.expectError('ballot.cast', { decision: dec.id, choice: 'block' }, 'conflict');
  await M.ana.call('ballot.cast', { decision: dec.id, choice: 'disagree' });
  await M.par.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  await M.par2.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  t = await M.conv.call('decision.tally', { decision: dec.id });
  assert.equal(t.cast, 3);
  assert.equal(t.counts.disagree, 1);
  const g = await M.ana2.call('decision.get', { decision: dec.id });
  assert.equal(g.me.voted, true);
  assert.equal(g.me.voted_by.id, co.members.ana.id);
  assert.equal(g.ballots.find((b) => b.organization === 'Sunrise').voter.id, co.members.ana.id);

  // secret too
  const s = await create({ title: 'Per org secret', per_organization: true, secret: true });
  const r = await M.ana2.call('ballot.cast', { decision: s.id, choice: 'agree' });
  await M.ana.expectError('ballot.cast', { decision: s.id, choice: 'block' }, 'conflict');
  await M.ana.expectError('ballot.cast', { decision: s.id, choice: 'block', receipt: r.receipt }, 'conflict');
  await M.ana2.call('ballot.cast', { decision: s.id, choice: 'block', receipt: r.receipt });
  t = await M.conv.call('decision.tally', { decision: s.id });
  assert.equal(t.cast, 1);
  assert.equal(t.eligible, 3);
  assert.equal(t.counts.block, 1);
});

test('choice, approval, ranked and consent: choices checked, counted, ranked round by round', async () => {
  const ch = await create({ kind: 'choice', options: ['North', 'South'] });
  await M.ana.expectError('ballot.cast', { decision: ch.id, choice: 'East' }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: ch.id, choice: ['North'] }, 'bad_request', { field: 'choice' });
  await M.ana.call('ballot.cast', { decision: ch.id, choice: 'North' });
  await M.dee.call('ballot.cast', { decision: ch.id, choice: 'South' });
  let t = await M.conv.call('decision.tally', { decision: ch.id });
  assert.deepEqual(t.counts, { North: 1, South: 1 });
  assert.equal(t.outcome.provisional.result, 'tied');

  const ap = await create({ kind: 'approval', options: ['A', 'B', 'C'] });
  await M.ana.expectError('ballot.cast', { decision: ap.id, choice: [] }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: ap.id, choice: ['A', 'A'] }, 'bad_request', { field: 'choice' });
  await M.ana.call('ballot.cast', { decision: ap.id, choice: ['A', 'B'] });
  await M.dee.call('ballot.cast', { decision: ap.id, choice: ['B'] });
  await M.tom.call('ballot.cast', { decision: ap.id, choice: ['C', 'B'] });
  t = await M.conv.call('decision.tally', { decision: ap.id });
  assert.deepEqual(t.counts, { A: 1, B: 3, C: 1 });
  assert.equal(t.outcome.provisional.winner, 'B');

  const co2 = await create({ kind: 'consent' });
  await M.ana.expectError('ballot.cast', { decision: co2.id, choice: 6 }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: co2.id, choice: 'five' }, 'bad_request', { field: 'choice' });
  await M.ana.call('ballot.cast', { decision: co2.id, choice: 5 });
  await M.dee.call('ballot.cast', { decision: co2.id, choice: 0 });
  const closed = await M.conv.call('decision.close', { decision: co2.id });
  assert.equal(closed.tally.outcome.result, 'failed');
  assert.equal(closed.tally.outcome.reason, 'blocked');
  assert.equal(closed.tally.counts['0'], 1);

  const rk = await create({ kind: 'ranked', options: ['A', 'B', 'C'], eligible_roles: ['provider', 'parent'] });
  await M.ana.expectError('ballot.cast', { decision: rk.id, choice: ['A', 'D'] }, 'bad_request', { field: 'choice' });
  await M.ana.expectError('ballot.cast', { decision: rk.id, choice: 'A' }, 'bad_request', { field: 'choice' });
  await M.ana.call('ballot.cast', { decision: rk.id, choice: ['A'] });
  await M.ana2.call('ballot.cast', { decision: rk.id, choice: ['A', 'B'] });
  await M.dee.call('ballot.cast', { decision: rk.id, choice: ['B', 'A'] });
  await M.tom.call('ballot.cast', { decision: rk.id, choice: ['B'] });
  const rc = await M.par.call('ballot.cast', { decision: rk.id, choice: ['C', 'B'] });
  const c = await M.conv.call('decision.close', { decision: rk.id });
  // round 1: A2 B2 C1 -> C out; round 2: A2 B3 -> B
  assert.equal(c.tally.rounds.length, 2);
  assert.deepEqual(c.tally.rounds[0].counts, { A: 2, B: 2, C: 1 });
  assert.equal(c.tally.rounds[0].eliminated, 'C');
  assert.deepEqual(c.tally.rounds[1].counts, { A: 2, B: 3 });
  assert.equal(c.tally.outcome.result, 'passed');
  assert.equal(c.tally.outcome.winner, 'B');
  const v = await M.par.call('decision.verify', { decision: rk.id, receipt: rc.receipt });
  assert.deepEqual(v.rounds, [{ round: 1, counted_for: 'C' }, { round: 2, counted_for: 'B' }]);
  assert.equal(v.final, true);
  assert.equal(v.outcome.winner, 'B');
});

/** A real MOU of the coalition, saved twice: {id, first, head}. */
async function makeMou(by = M.conv, coalition = 'dec') {
  const c = await by.call('mou.create', { coalition, title: unique('MOU '), body: '# MOU\n\nThe Hub does billing.\n' });
  const s = await by.call('mou.save', { mou: c.mou.id, base: c.commit, body: '# MOU\n\nThe Hub does billing and payroll.\n' });
  assert.notEqual(s.commit, c.commit);
  return { id: c.mou.id, first: c.commit, head: s.commit };
}

test('a passing decision about an MOU commit adopts it; a failing one does not', async () => {
  const mou = await makeMou();
  const yes = await create({ title: 'Adopt MOU v2', mou: mou.id, commit: mou.head });
  assert.equal(yes.mou, mou.id);
  assert.equal(yes.commit, mou.head);
  await M.ana.call('ballot.cast', { decision: yes.id, choice: 'agree' });
  const c = await M.conv.call('decision.close', { decision: yes.id });
  assert.deepEqual(c.tally.outcome.adopted, { mou: mou.id, commit: mou.head });
  // an earlier version may be put to the vote too
  const no = await create({ title: 'Go back to MOU v1', mou: mou.id, commit: mou.first });
  assert.equal(no.commit, mou.first);
  await M.ana.call('ballot.cast', { decision: no.id, choice: 'disagree' });
  const c2 = await M.conv.call('decision.close', { decision: no.id });
  assert.equal(c2.tally.outcome.result, 'failed');
  assert.equal(c2.tally.outcome.adopted, undefined);
  const rows = await sqlite(dbPath(d.dataDir), 'SELECT decision_id, mou_id, mou_commit FROM decision_adoptions');
  assert.equal(rows.trim(), `${yes.id}|${mou.id}|${mou.head}`);
});

test('decision.create about an MOU: another coalition\'s MOU, an unknown MOU or a commit not of the MOU is refused and changes nothing', async () => {
  const own = await makeMou();
  const foreign = await makeMou(M.out, 'dec-other');
  const g = dataDigester(d.dataDir);
  try {
    const before = await g.digest();
    const refused = [
      [{ mou: foreign.id }, 'mou'],
      [{ mou: foreign.id, commit: foreign.head }, 'mou'],
      [{ mou: foreign.id + own.id + 1000 }, 'mou'],
      [{ mou: own.id, commit: foreign.head }, 'commit'],
      [{ mou: own.id, commit: 'ab'.repeat(20) }, 'commit'],
      [{ mou: own.id, commit: 'ab'.repeat(32) }, 'commit'],
    ];
    const replies = [];
    for (const [extra, field] of refused) {
      replies.push(await M.conv.expectError('decision.create', { coalition: 'dec', title: 'T', body: 'B', kind: 'proposal',
        eligible_roles: ['provider'], closes_at: inSeconds(600), ...extra }, 'not_found', { field }));
    }
    // another coalition's MOU gets word for word the answer of one that does not exist
    assert.deepEqual(replies[0].error, replies[2].error);
    assert.deepEqual(replies[1].error, replies[2].error);
    assert.deepEqual(changedKeys(before, await g.digest()), [], 'a refused decision.create changed the data');
  } finally {
    g.stop();
  }
});

test('decision.create about an MOU without a commit names the MOU\'s head, and adopts that exact version', async () => {
  const mou = await makeMou();
  const dec = await create({ title: 'Adopt the MOU as it stands', mou: mou.id });
  assert.equal(dec.mou, mou.id);
  assert.equal(dec.commit, mou.head);
  // a later save does not move what the decision is about
  const later = await M.des.call('mou.save', { mou: mou.id, base: mou.head, body: '# MOU\n\nThe Hub does payroll.\n' });
  assert.notEqual(later.commit, mou.head);
  await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  const c = await M.conv.call('decision.close', { decision: dec.id });
  assert.deepEqual(c.tally.outcome.adopted, { mou: mou.id, commit: mou.head });
  const g = await M.dee.call('decision.get', { decision: dec.id });
  assert.equal(g.decision.commit, mou.head);
});

test('decisions close by themselves at closes_at', async () => {
  const w = await watcher(M.par);
  const from = w.events.length;
  const dec = await create({ title: 'Timer', closes_at: inSeconds(3) });
  await M.ana.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  const ev = await w.waitEvent((e) => e.event === 'decision.closed' && e.data.decision.id === dec.id, 6000, { from });
  assert.equal(ev.data.outcome.result, 'passed');
  assert.equal(ev.data.decision.closed_by, null);
  await M.dee.expectError('ballot.cast', { decision: dec.id, choice: 'agree' }, 'closed');
  const g = await M.ana.call('decision.get', { decision: dec.id });
  assert.equal(g.decision.status, 'closed');
  w.close();
});

test('exactly once: 50 parallel casts of the same ballot over several connections count once', async () => {
  const conns = [];
  for (let i = 0; i < 5; i++) conns.push(await d.login(co.members.tom.email, co.members.tom.password));
  const open = await create({ title: 'Race open' });
  const secret = await create({ title: 'Race secret', secret: true });
  const run = (dec, keyOf) => Promise.all(Array.from({ length: 50 }, (_, i) =>
    conns[i % conns.length].request('ballot.cast', { decision: dec.id, choice: 'agree' }, { key: keyOf(i) })));

  // open ballot, different keys: each replaces the one before; one ballot remains
  let replies = await run(open, (i) => unique(`k${i}`));
  assert.ok(replies.every((r) => r.ok), JSON.stringify(replies.find((r) => !r.ok)));
  assert.equal((await M.conv.call('decision.tally', { decision: open.id })).cast, 1);
  // open ballot, one key: the same reply fifty times
  const k = unique('same');
  replies = await run(open, () => k);
  assert.ok(replies.every((r) => r.ok));
  assert.equal(new Set(replies.map((r) => r.data.receipt)).size, 1);
  assert.equal((await M.conv.call('decision.tally', { decision: open.id })).cast, 1);

  // secret ballot, one key: one ballot, one receipt
  const ks = unique('same-secret');
  replies = await run(secret, () => ks);
  assert.ok(replies.every((r) => r.ok));
  assert.equal(new Set(replies.map((r) => r.data.receipt)).size, 1);
  assert.equal((await M.conv.call('decision.tally', { decision: secret.id })).cast, 1);
  // secret ballot, different keys and no receipt: the voter already voted: all conflict
  replies = await run(secret, (i) => unique(`s${i}`));
  assert.ok(replies.every((r) => !r.ok && r.error.code === 'conflict'));
  assert.equal((await M.conv.call('decision.tally', { decision: secret.id })).cast, 1);
  // a fresh secret decision, different keys: exactly one succeeds
  const secret2 = await create({ title: 'Race secret 2', secret: true });
  replies = await run(secret2, (i) => unique(`t${i}`));
  assert.equal(replies.filter((r) => r.ok).length, 1);
  assert.equal(replies.filter((r) => !r.ok && r.error.code === 'conflict').length, 49);
  assert.equal((await M.conv.call('decision.tally', { decision: secret2.id })).cast, 1);
  const n = await sqlite(dbPath(d.dataDir), `SELECT count(*) FROM decision_ballots WHERE decision_id IN (${open.id}, ${secret.id}, ${secret2.id})`);
  assert.equal(n.trim(), '3');
  for (const c of conns) c.close();
});

test('live results: a burst of ballots sends one tally.updated a second at most, and the last one counts every ballot', async () => {
  const dec = await create({ title: 'Burst', results: 'live' });
  const w = await watcher();
  const from = w.events.length;
  const voters = ['ana', 'ana2', 'dee', 'tom'];
  // all at once: one group commit, within one second
  const replies = await Promise.all(voters.map((k) => M[k].call('ballot.cast', { decision: dec.id, choice: 'agree' })));
  assert.equal(replies.length, 4);
  const casts = await w.waitEvents((e) => e.event === 'ballot.cast' && e.data.decision === dec.id, 4);
  assert.deepEqual(casts.map((e) => e.data.cast).sort(), [1, 2, 3, 4], 'each ballot.cast says how many are in');
  // within the tick that follows, a tally with all four
  const last = await w.waitEvent((e) => e.event === 'tally.updated' && e.data.decision === dec.id && e.data.tally.cast === 4,
    5000, { from });
  assert.equal(last.data.tally.counts.agree, 4);
  const tallies = w.events.slice(from).filter((e) => e.event === 'tally.updated' && e.data.decision === dec.id);
  assert.ok(tallies.length < 4, `${tallies.length} tally.updated for 4 ballots in one second`);
  w.close();
});

// Last: restarts the daemon.
test('a decision due while the daemon was down closes after the restart; ballots survive', async () => {
  const dec = await create({ title: 'Across a restart', closes_at: inSeconds(3), kind: 'choice', options: ['X', 'Y'] });
  const later = await create({ title: 'Later', closes_at: inSeconds(10) });
  const r = await M.ana.call('ballot.cast', { decision: dec.id, choice: 'Y' });
  await M.ana.call('ballot.cast', { decision: later.id, choice: 'agree' });
  await d.stop();
  await sleep(3500);
  await d.restart();
  const ana = await d.login(co.members.ana.email, co.members.ana.password);
  let g;
  for (let i = 0; i < 40; i++) {
    g = await ana.call('decision.get', { decision: dec.id });
    if (g.decision.status === 'closed') break;
    await sleep(100);
  }
  assert.equal(g.decision.status, 'closed');
  assert.equal(g.tally.outcome.winner, 'Y');
  const v = await ana.call('decision.verify', { decision: dec.id, receipt: r.receipt });
  assert.equal(v.counted_as, 'Y');
  // the other one closes on time in the restarted daemon
  const w = await d.connect();
  await w.call('auth.resume', { token: co.members.ana.token });
  await w.call('coalition.subscribe', { coalition: 'dec', since: 0 });
  const ev = await w.waitEvent((e) => e.event === 'decision.closed' && e.data.decision.id === later.id, 12000);
  assert.equal(ev.data.outcome.result, 'passed');
  await rejectsWith(ana.call('ballot.cast', { decision: later.id, choice: 'agree' }), 'closed');
});

