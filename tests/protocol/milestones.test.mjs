// Milestones funders follow: the template from the seeds, create / update /
// list / get with progress and the overdue and at-risk flags, updates kept as
// history (newest first), links to decisions, MOUs and threads both ways,
// the attention notice to the owner, who may do what, and the wall between
// coalitions (a member of another coalition gets not_found).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startDaemon, makeCoalition, assertError, unique, sleep, run,
} from './lib.mjs';

let d;
let A; // 'msa': admin (convener), dt (design_team), prov (provider), fund (funder), hub (hub), obs (observer)
let B; // 'msb': admin, bea (provider)

before(async () => {
  d = await startDaemon();
  A = await makeCoalition(d, {
    slug: 'msa', name: 'Milestone Alliance',
    members: [
      { key: 'dt', roles: ['design_team'], organization: 'Design Org' },
      { key: 'prov', roles: ['provider'], organization: 'Sunrise Center' },
      { key: 'fund', roles: ['funder'], organization: 'Valley Foundation' },
      { key: 'hub', roles: ['hub'], organization: 'The Hub' },
      { key: 'obs', roles: ['observer'] },
    ],
  });
  B = await makeCoalition(d, {
    slug: 'msb', name: 'Other Alliance', admin: A.admin,
    members: [{ key: 'bea', roles: ['provider'], organization: 'Bravo Center' }],
  });
});

after(async () => {
  if (d) await d.close();
});

const conv = () => A.admin;
const dt = () => A.members.dt.client;
const prov = () => A.members.prov.client;
const fund = () => A.members.fund.client;
const hub = () => A.members.hub.client;
const obs = () => A.members.obs.client;
const bea = () => B.members.bea.client;

/** An RFC 3339 time `days` from now (negative: in the past). */
function daysFromNow(days) {
  return new Date(Date.now() + days * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
}

async function create(client, args) {
  const r = await client.call('milestone.create', { coalition: 'msa', body: '', ...args });
  return r.milestone;
}

async function count() {
  return (await fund().call('milestone.list', { coalition: 'msa' })).milestones.length;
}

test('milestone.template gives the seven milestones for collective power and the Iron Triangle', async () => {
  const t = await fund().call('milestone.template', {});
  assert.deepEqual(t.milestones.map((m) => m.title), [
    'Setting the table', 'Safety and trust across members', 'Cohesion', 'Financing',
    'Directed by parents and providers', 'Advocacy progress', 'Impact for children and families',
  ]);
  for (const m of t.milestones) {
    assert.equal(typeof m.body, 'string');
    assert.ok(m.body.length > 100, `${m.title} has its description`);
    assert.ok(m.html.startsWith('<p>'), `html of ${m.title}: ${m.html.slice(0, 40)}`);
    assert.ok(!/<script/i.test(m.html));
    assert.equal(m.category, 'Collective power');
  }
  // The seed's own words.
  assert.ok(t.milestones[0].body.includes('getting the right decisionmakers in place'));
  assert.ok(t.milestones[1].body.includes('culture of authenticity'));
  assert.ok(t.milestones[3].body.includes('recognizing not all resources are money'));
  assert.ok(t.milestones[6].body.includes('real impact for children and families'));
  const metrics = t.iron_triangle.metrics;
  assert.equal(metrics.length, 3);
  assert.deepEqual(metrics.map((m) => m.metric.unit), ['% of capacity', '% of fees billed', '% of cost per child']);
  for (const m of metrics) {
    assert.equal(m.category, 'Iron Triangle');
    assert.equal(m.metric.baseline, null);
    assert.equal(m.metric.target, 100);
  }
  // A template item can be adopted as it is, once its baseline is filled in.
  const e = metrics[0];
  const made = await create(conv(), {
    title: e.title, body: e.body, category: e.category, metric: { ...e.metric, baseline: 80 },
  });
  assert.equal(made.metric.baseline, 80);
  assert.equal(made.progress, 0);
});

test('milestone ops need a signed-in connection', async () => {
  const c = await d.connect();
  assertError(await c.request('milestone.template', {}), 'unauthenticated');
  assertError(await c.request('milestone.list', { coalition: 'msa' }), 'unauthenticated');
  c.close();
});

test('milestone.create: every field, the reply, and the milestone.created event', async () => {
  const watcher = await d.login(A.members.fund.email, A.members.fund.password);
  await watcher.call('coalition.subscribe', { coalition: 'msa' });
  const due = daysFromNow(30);
  const m = await create(conv(), {
    title: 'Full enrollment', body: 'Enrollment **as a percent** of capacity',
    category: 'Iron Triangle', due, owner: A.members.prov.id,
    metric: { name: 'Enrollment', unit: '% of capacity', baseline: 78, target: 95 },
  });
  assert.ok(Number.isInteger(m.id));
  assert.equal(m.coalition, 'msa');
  assert.equal(m.title, 'Full enrollment');
  assert.equal(m.body, 'Enrollment **as a percent** of capacity');
  assert.equal(m.html, '<p>Enrollment <strong>as a percent</strong> of capacity</p>');
  assert.equal(m.category, 'Iron Triangle');
  assert.equal(m.due, due);
  assert.deepEqual(m.owner, { id: A.members.prov.id, name: A.members.prov.name });
  assert.equal(m.status, 'not_started');
  assert.deepEqual(m.metric, { name: 'Enrollment', unit: '% of capacity', baseline: 78, target: 95 });
  assert.equal(m.value, null);
  assert.equal(m.progress, 0);
  assert.equal(m.overdue, false);
  assert.deepEqual(m.attention, []);
  assert.deepEqual(m.links, []);
  assert.deepEqual(m.series, []);
  assert.equal(m.updates_count, 0);
  assert.equal(typeof m.created_at, 'string');
  const ev = await watcher.waitEvent((e) => e.event === 'milestone.created' && e.data.milestone.id === m.id);
  assert.equal(ev.coalition, 'msa');
  assert.equal(ev.data.milestone.title, 'Full enrollment');
  // A bare date means the end of that day, UTC.
  const m2 = await create(dt(), { title: 'By a date', due: '2031-05-04' });
  assert.equal(m2.due, '2031-05-04T23:59:59Z');
  assert.equal(m2.owner, null);
  assert.equal(m2.metric, null);
  assert.equal(m2.category, null);
  watcher.close();
});

test('milestone.create: conveners, the design team and the hub may; others are forbidden', async () => {
  await create(dt(), { title: 'By the design team' });
  await create(hub(), { title: 'By the hub' });
  const before = await count();
  for (const c of [prov(), fund(), obs()]) {
    assertError(await c.request('milestone.create', { coalition: 'msa', title: 'No', body: '' }), 'forbidden');
  }
  assertError(await bea().request('milestone.create', { coalition: 'msa', title: 'No', body: '' }), 'not_found');
  assert.equal(await count(), before, 'refused creates change nothing');
});

test('milestone.create: bad input is refused with the field and changes nothing', async () => {
  const before = await count();
  const base = { coalition: 'msa', title: 'T', body: '' };
  const cases = [
    [{ ...base, title: undefined }, 'bad_request', 'title'],
    [{ ...base, title: '   ' }, 'bad_request', 'title'],
    [{ ...base, title: 7 }, 'bad_request', 'title'],
    [{ ...base, body: undefined }, 'bad_request', 'body'],
    [{ ...base, due: 'next tuesday' }, 'bad_request', 'due'],
    [{ ...base, due: '2026-02-31' }, 'bad_request', 'due'],
    [{ ...base, owner: B.members.bea.id }, 'not_found', 'owner'],
    [{ ...base, owner: 999999 }, 'not_found', 'owner'],
    [{ ...base, owner: 'maria' }, 'bad_request', 'owner'],
    [{ ...base, metric: { name: 'x', baseline: 5, target: 5 } }, 'bad_request', 'metric'],
    [{ ...base, metric: { name: 'x', baseline: 5 } }, 'bad_request', 'metric'],
    [{ ...base, metric: { name: '', baseline: 1, target: 5 } }, 'bad_request', 'metric'],
    [{ ...base, metric: { name: 'x', baseline: '1', target: 5 } }, 'bad_request', 'metric'],
    [{ ...base, metric: { name: 'x', baseline: 1, target: 5, colour: 'red' } }, 'bad_request', 'metric'],
    [{ ...base, metric: [1] }, 'bad_request', 'metric'],
    [{ ...base, title: 'x'.repeat(201) }, 'too_large', 'title'],
  ];
  for (const [args, code, field] of cases) {
    assertError(await conv().request('milestone.create', args), code, { field, what: JSON.stringify(args) });
  }
  assertError(await conv().request('milestone.create', { ...base, colour: 'red' }), 'bad_request');
  assertError(await conv().request('milestone.create', { ...base, coalition: 'nope' }), 'not_found');
  assert.equal(await count(), before);
});

test('milestone.update: history newest first, value moves progress, events', async () => {
  const watcher = await d.login(A.members.obs.email, A.members.obs.password);
  await watcher.call('coalition.subscribe', { coalition: 'msa' });
  const m = await create(conv(), {
    title: 'Enrollment', owner: A.members.prov.id,
    metric: { name: 'Enrollment', unit: '%', baseline: 78, target: 95 },
  });
  const u1 = await prov().call('milestone.update', { milestone: m.id, status: 'on_track', value: 81, note: 'Two classrooms *reopened*' });
  assert.equal(u1.update.status, 'on_track');
  assert.equal(u1.update.previous_status, 'not_started');
  assert.equal(u1.update.value, 81);
  assert.equal(u1.update.html, '<p>Two classrooms <em>reopened</em></p>');
  assert.deepEqual(u1.update.author, { id: A.members.prov.id, name: A.members.prov.name });
  assert.equal(u1.milestone.status, 'on_track');
  assert.equal(u1.milestone.value, 81);
  assert.equal(u1.milestone.progress_from, 'metric');
  assert.ok(Math.abs(u1.milestone.progress - 3 / 17) < 1e-3, `progress ${u1.milestone.progress}`);
  await sleep(1100); // distinct times
  await dt().call('milestone.update', { milestone: m.id, value: 86.5, note: 'Waiting list shared' });
  await sleep(1100);
  const u3 = await conv().call('milestone.update', { milestone: m.id, status: 'at_risk', note: 'Staff shortage' });
  assert.equal(u3.update.value, null);
  assert.equal(u3.milestone.value, 86.5, 'the latest value stays');
  assert.ok(Math.abs(u3.milestone.progress - 0.5) < 1e-3);
  const g = await fund().call('milestone.get', { milestone: m.id });
  assert.deepEqual(g.updates.map((u) => u.note), ['Staff shortage', 'Waiting list shared', 'Two classrooms *reopened*']);
  assert.deepEqual(g.updates.map((u) => u.status), ['at_risk', null, 'on_track']);
  for (let i = 1; i < g.updates.length; i++) assert.ok(g.updates[i - 1].at >= g.updates[i].at);
  assert.deepEqual(g.milestone.series.map((s) => s.value), [81, 86.5], 'series oldest first');
  assert.equal(g.milestone.updates_count, 3);
  assert.equal(g.milestone.status, 'at_risk');
  assert.deepEqual(g.milestone.attention, ['at_risk']);
  const evs = await watcher.waitEvents((e) => e.event === 'milestone.updated' && e.data.milestone.id === m.id, 3);
  assert.deepEqual(evs.map((e) => e.data.update.note), ['Two classrooms *reopened*', 'Waiting list shared', 'Staff shortage']);
  watcher.close();
});

test('milestone.update: the owner, conveners and the design team may; others are forbidden', async () => {
  const m = await create(conv(), { title: 'Owned by the hub', owner: A.members.hub.id });
  await hub().call('milestone.update', { milestone: m.id, note: 'owner' });
  await conv().call('milestone.update', { milestone: m.id, note: 'convener' });
  await dt().call('milestone.update', { milestone: m.id, note: 'design team' });
  for (const c of [prov(), fund(), obs()]) {
    assertError(await c.request('milestone.update', { milestone: m.id, note: 'no', status: 'achieved' }), 'forbidden');
  }
  assertError(await bea().request('milestone.update', { milestone: m.id, note: 'no' }), 'not_found', { field: 'milestone' });
  const g = await fund().call('milestone.get', { milestone: m.id });
  assert.equal(g.updates.length, 3);
  assert.equal(g.milestone.status, 'not_started');
});

test('milestone.update: bad input is refused with the field and changes nothing', async () => {
  const plain = await create(conv(), { title: 'No metric' });
  const cases = [
    [{ milestone: plain.id }, 'bad_request', 'note'],
    [{ milestone: plain.id, note: '  \n ' }, 'bad_request', 'note'],
    [{ milestone: plain.id, note: 'x', status: 'done' }, 'bad_request', 'status'],
    [{ milestone: plain.id, note: 'x', value: 3 }, 'bad_request', 'value'],
    [{ milestone: plain.id, note: 'x', value: '3' }, 'bad_request', 'value'],
    [{ note: 'x' }, 'bad_request', 'milestone'],
    [{ milestone: 999999, note: 'x' }, 'not_found', 'milestone'],
    [{ milestone: -1, note: 'x' }, 'bad_request', 'milestone'],
  ];
  for (const [args, code, field] of cases) {
    assertError(await conv().request('milestone.update', args), code, { field, what: JSON.stringify(args) });
  }
  const g = await conv().call('milestone.get', { milestone: plain.id });
  assert.equal(g.updates.length, 0);
  assert.equal(g.milestone.status, 'not_started');
});

test('progress: from the status without a metric, falling metrics, achieved', async () => {
  const s = await create(conv(), { title: 'Status only' });
  assert.equal(s.progress, 0);
  assert.equal(s.progress_from, 'status');
  let r = await conv().call('milestone.update', { milestone: s.id, status: 'on_track', note: 'under way' });
  assert.equal(r.milestone.progress, 0.5);
  r = await conv().call('milestone.update', { milestone: s.id, status: 'achieved', note: 'done' });
  assert.equal(r.milestone.progress, 1);
  // A target below the baseline: falling toward it is progress.
  const f = await create(conv(), { title: 'Waiting list', metric: { name: 'Families waiting', unit: 'families', baseline: 40, target: 10 } });
  r = await conv().call('milestone.update', { milestone: f.id, value: 25, note: 'halfway' });
  assert.equal(r.milestone.progress, 0.5);
  r = await conv().call('milestone.update', { milestone: f.id, value: 55, note: 'worse' });
  assert.equal(r.milestone.progress, 0, 'clamped at 0');
  r = await conv().call('milestone.update', { milestone: f.id, value: 3, note: 'beyond' });
  assert.equal(r.milestone.progress, 1, 'clamped at 1');
});

test('milestone.list: every milestone in creation order, overdue and at-risk flagged', async () => {
  const late = await create(conv(), { title: 'Late one', due: daysFromNow(-3) });
  assert.equal(late.overdue, true);
  assert.deepEqual(late.attention, ['overdue']);
  const done = await create(conv(), { title: 'Late but done', due: daysFromNow(-3) });
  await conv().call('milestone.update', { milestone: done.id, status: 'achieved', note: 'done' });
  const list = (await obs().call('milestone.list', { coalition: 'msa' })).milestones;
  const ids = list.map((m) => m.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  const byId = new Map(list.map((m) => [m.id, m]));
  assert.equal(byId.get(late.id).overdue, true);
  assert.equal(byId.get(done.id).overdue, false);
  assert.deepEqual(byId.get(done.id).attention, []);
  for (const m of list) {
    assert.ok(m.progress >= 0 && m.progress <= 1);
    assert.equal(typeof m.overdue, 'boolean');
    assert.ok(Array.isArray(m.links) && Array.isArray(m.series) && Array.isArray(m.attention));
  }
  assert.ok(list.some((m) => m.attention.includes('at_risk')));
});

test('a member of another coalition gets not_found for everything', async () => {
  const m = await create(conv(), { title: 'Private to msa' });
  assertError(await bea().request('milestone.list', { coalition: 'msa' }), 'not_found');
  assertError(await bea().request('milestone.get', { milestone: m.id }), 'not_found', { field: 'milestone' });
  assertError(await bea().request('milestone.update', { milestone: m.id, note: 'x' }), 'not_found');
  assertError(await bea().request('milestone.link', { milestone: m.id, thread: 1 }), 'not_found');
  assertError(await bea().request('milestone.links_for', { coalition: 'msa', kind: 'thread', id: 1 }), 'not_found');
  // Its own coalition shows none of them.
  const theirs = await bea().call('milestone.list', { coalition: 'msb' });
  assert.deepEqual(theirs.milestones, []);
  // Unknown ids look the same as other coalitions' ids.
  assertError(await bea().request('milestone.get', { milestone: 987654 }), 'not_found', { field: 'milestone' });
});

/** Real items to link to, made through their own ops: [thread, decision, mou] ids. */
async function makeTargets(coalition, { threadBy, decisionBy, mouBy }) {
  const t = await threadBy.call('thread.create', { coalition, title: unique('Thread '), body: 'Let us talk.' });
  const dec = await decisionBy.call('decision.create', {
    coalition, title: unique('Decision '), body: 'Shall we?', kind: 'proposal',
    eligible_roles: ['provider'], closes_at: daysFromNow(7),
  });
  const m = await mouBy.call('mou.create', { coalition, title: unique('MOU '), body: '# MOU\n\nWe agree.\n' });
  return { thread: t.thread, decision: dec.decision, mou: m.mou };
}

test('milestone.link: exactly one target, links both ways, unlink, events', async () => {
  const watcher = await d.login(A.members.fund.email, A.members.fund.password);
  await watcher.call('coalition.subscribe', { coalition: 'msa' });
  const a = await create(conv(), { title: 'Linked A', owner: A.members.prov.id });
  const b = await create(conv(), { title: 'Linked B' });
  const ours = await makeTargets('msa', { threadBy: conv(), decisionBy: conv(), mouBy: conv() });
  const theirs = await makeTargets('msb', { threadBy: bea(), decisionBy: B.admin, mouBy: bea() });
  const th = ours.thread.id;
  const dec = ours.decision.id;
  const mou = ours.mou.id;
  assertError(await conv().request('milestone.link', { milestone: a.id }), 'bad_request');
  assertError(await conv().request('milestone.link', { milestone: a.id, thread: th, mou }), 'bad_request');
  assertError(await conv().request('milestone.link', { milestone: a.id, decision: 'x' }), 'bad_request', { field: 'decision' });
  assertError(await conv().request('milestone.link', { milestone: a.id, vote: th }), 'bad_request');
  for (const c of [fund(), obs()]) {
    assertError(await c.request('milestone.link', { milestone: a.id, thread: th }), 'forbidden');
  }
  // Another coalition's items, and ids that do not exist, are not_found (field: the kind).
  for (const kind of ['thread', 'decision', 'mou']) {
    assertError(await conv().request('milestone.link', { milestone: a.id, [kind]: theirs[kind].id }), 'not_found', { field: kind });
    assertError(await conv().request('milestone.link', { milestone: a.id, [kind]: 987654 }), 'not_found', { field: kind });
  }
  // The owner (a provider) and the hub may link.
  const r1 = await prov().call('milestone.link', { milestone: a.id, decision: dec });
  assert.deepEqual({ kind: r1.link.kind, id: r1.link.id, title: r1.link.title },
    { kind: 'decision', id: dec, title: ours.decision.title });
  assert.equal(r1.milestone.links.length, 1);
  const r2 = await hub().call('milestone.link', { milestone: a.id, mou });
  assert.equal(r2.link.title, ours.mou.title);
  const r3 = await conv().call('milestone.link', { milestone: a.id, thread: th });
  assert.equal(r3.link.title, ours.thread.title);
  await conv().call('milestone.link', { milestone: b.id, decision: dec });
  assertError(await conv().request('milestone.link', { milestone: a.id, decision: dec }), 'conflict', { field: 'decision' });
  const g = await obs().call('milestone.get', { milestone: a.id });
  assert.deepEqual(g.links.map((l) => [l.kind, l.id]).sort(), [['decision', dec], ['mou', mou], ['thread', th]]);
  assert.deepEqual(g.milestone.links, g.links);
  // The other way: from a decision to the milestones it serves.
  let back = await fund().call('milestone.links_for', { coalition: 'msa', kind: 'decision', id: dec });
  assert.deepEqual(back.milestones.map((m) => m.id), [a.id, b.id]);
  back = await fund().call('milestone.links_for', { coalition: 'msa', kind: 'thread', id: th });
  assert.deepEqual(back.milestones.map((m) => m.id), [a.id]);
  back = await fund().call('milestone.links_for', { coalition: 'msa', kind: 'mou', id: 987654 });
  assert.deepEqual(back.milestones, []);
  assertError(await fund().request('milestone.links_for', { coalition: 'msa', kind: 'vote', id: dec }), 'bad_request', { field: 'kind' });
  assertError(await fund().request('milestone.links_for', { coalition: 'msa', kind: 'mou' }), 'bad_request', { field: 'id' });
  // unlink
  await conv().call('milestone.unlink', { milestone: b.id, decision: dec });
  assertError(await conv().request('milestone.unlink', { milestone: b.id, decision: dec }), 'not_found');
  back = await fund().call('milestone.links_for', { coalition: 'msa', kind: 'decision', id: dec });
  assert.deepEqual(back.milestones.map((m) => m.id), [a.id]);
  const linked = await watcher.waitEvents((e) => e.event === 'milestone.linked', 4);
  assert.deepEqual(linked.map((e) => e.data.link.kind), ['decision', 'mou', 'thread', 'decision']);
  await watcher.waitEvent((e) => e.event === 'milestone.unlinked' && e.data.milestone.id === b.id);
  watcher.close();
});

test('milestone.attention: the owner alone is told once when a milestone is at risk or overdue', async () => {
  const owner = await d.login(A.members.prov.email, A.members.prov.password);
  const other = await d.login(A.members.fund.email, A.members.fund.password);
  const { seq: since } = await owner.call('coalition.subscribe', { coalition: 'msa' });
  await other.call('coalition.subscribe', { coalition: 'msa' });
  const m = await create(conv(), { title: 'Watch me', owner: A.members.prov.id });
  await conv().call('milestone.update', { milestone: m.id, status: 'at_risk', note: 'Funding delayed' });
  const ev = await owner.waitEvent((e) => e.event === 'milestone.attention' && e.data.milestone.id === m.id, 5000);
  assert.equal(ev.data.condition, 'at_risk');
  assert.equal(ev.data.milestone.status, 'at_risk');
  assert.deepEqual(ev.data.milestone.attention, ['at_risk']);
  // Overdue: due already passed.
  const late = await create(conv(), { title: 'Late watch', owner: A.members.prov.id, due: daysFromNow(-1) });
  const ev2 = await owner.waitEvent((e) => e.event === 'milestone.attention' && e.data.milestone.id === late.id, 5000);
  assert.equal(ev2.data.condition, 'overdue');
  // Not repeated: more updates and checks, still one notice per condition.
  await conv().call('milestone.update', { milestone: m.id, status: 'at_risk', note: 'Still at risk' });
  await create(conv(), { title: 'Triggers another check' });
  await sleep(2500);
  const mine = owner.events.filter((e) => e.event === 'milestone.attention');
  assert.equal(mine.filter((e) => e.data.milestone.id === m.id).length, 1);
  assert.equal(mine.filter((e) => e.data.milestone.id === late.id).length, 1);
  // Nobody else receives it, live or replayed.
  assert.equal(other.events.filter((e) => e.event === 'milestone.attention').length, 0);
  const replay = await d.login(A.members.dt.email, A.members.dt.password);
  await replay.call('coalition.subscribe', { coalition: 'msa', since });
  await sleep(500);
  assert.equal(replay.events.filter((e) => e.event === 'milestone.attention').length, 0);
  assert.ok(replay.events.some((e) => e.event === 'milestone.created'), 'replay works');
  // The owner gets it on replay too.
  const again = await d.login(A.members.prov.email, A.members.prov.password);
  await again.call('coalition.subscribe', { coalition: 'msa', since });
  await again.waitEvent((e) => e.event === 'milestone.attention' && e.data.milestone.id === m.id, 3000);
  // Recovering and falling back at risk is told again.
  await conv().call('milestone.update', { milestone: m.id, status: 'on_track', note: 'Recovered' });
  await sleep(1500);
  await conv().call('milestone.update', { milestone: m.id, status: 'at_risk', note: 'At risk again' });
  await owner.waitEvents((e) => e.event === 'milestone.attention' && e.data.milestone.id === m.id, 2, 5000);
  for (const c of [owner, other, replay, again]) c.close();
});

test('milestone.attention for a milestone without an owner goes to the conveners', async () => {
  const convener = await d.admin();
  const provider = await d.login(A.members.prov.email, A.members.prov.password);
  await convener.call('coalition.subscribe', { coalition: 'msa' });
  await provider.call('coalition.subscribe', { coalition: 'msa' });
  const m = await create(conv(), { title: 'Nobody owns me', due: daysFromNow(-2) });
  const ev = await convener.waitEvent((e) => e.event === 'milestone.attention' && e.data.milestone.id === m.id, 5000);
  assert.equal(ev.data.condition, 'overdue');
  await sleep(300);
  assert.ok(!provider.events.some((e) => e.event === 'milestone.attention' && e.data.milestone.id === m.id));
  convener.close();
  provider.close();
});

test('milestone.update with an idempotency key records one update', async () => {
  const m = await create(conv(), { title: 'Retry me' });
  const key = unique('k');
  const r1 = await conv().call('milestone.update', { milestone: m.id, note: 'once' }, { key });
  const r2 = await conv().call('milestone.update', { milestone: m.id, note: 'once' }, { key });
  assert.deepEqual(r2, r1);
  const g = await conv().call('milestone.get', { milestone: m.id });
  assert.equal(g.updates.length, 1);
});

test('the demo: seven milestones in varied states, months of updates, an Iron Triangle metric', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-ms-demo-'));
  const data = path.join(root, 'data');
  let dd;
  try {
    const r = await run(['demo', '--data', data], { timeoutMs: 120000 });
    assert.equal(r.code, 0, r.stderr);
    dd = await startDaemon({ admin: false, dataDir: data });
    const grace = await dd.login('grace@demo.test', 'roundtable-demo');
    const list = (await grace.call('milestone.list', { coalition: 'valley' })).milestones;
    const template = await grace.call('milestone.template', {});
    for (const t of template.milestones) {
      assert.ok(list.some((m) => m.title === t.title), `demo has ${t.title}`);
    }
    const statuses = new Set(list.map((m) => m.status));
    for (const s of ['not_started', 'on_track', 'at_risk', 'achieved']) assert.ok(statuses.has(s), `a demo milestone is ${s}`);
    assert.ok(list.some((m) => m.overdue), 'one is overdue');
    const metric = list.find((m) => m.metric);
    assert.equal(metric.metric.baseline, 78);
    assert.equal(metric.metric.target, 95);
    assert.ok(metric.series.length >= 4);
    const first = Date.parse(metric.series[0].at);
    const last = Date.parse(metric.series[metric.series.length - 1].at);
    assert.ok(last - first > 60 * 86400000, 'values span months');
    assert.ok(metric.progress > 0 && metric.progress < 1);
    assertError(await grace.request('milestone.update', { milestone: metric.id, note: 'funder' }), 'forbidden');
    // Backdating the demo's updates leaves the audit chain intact.
    const maria = await dd.login('maria@demo.test', 'roundtable-demo');
    const v = await maria.call('audit.verify', { coalition: 'valley' });
    assert.equal(v.ok, true, JSON.stringify(v));
    // The owner of the at-risk milestone is told.
    const risky = list.find((m) => m.status === 'at_risk');
    const login = { 'Maria Lopez': 'maria', 'James Carter': 'james', 'Ana Ruiz': 'ana', 'Tom Nguyen': 'tom' }[risky.owner.name];
    const owner = await dd.login(`${login}@demo.test`, 'roundtable-demo');
    await owner.call('coalition.subscribe', { coalition: 'valley', since: 0 });
    await owner.waitEvent((e) => e.event === 'milestone.attention' && e.data.milestone.id === risky.id, 5000);
  } finally {
    if (dd) await dd.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
