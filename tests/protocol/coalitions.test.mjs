// Coalitions, invitations and roles, and the wall between coalitions: a
// member of A can read nothing of B and never receives an event of B.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, assertError, makeCoalition, addMember, unique, sleep, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './lib.mjs';

let d;
let A; // coalition 'alpha': convener (admin), conv2 (convener), dt (design_team), prov (provider)
let B; // coalition 'bravo': admin, bea (provider)

before(async () => {
  d = await startDaemon();
  A = await makeCoalition(d, {
    slug: 'alpha', name: 'Alpha Alliance', description: 'First coalition',
    members: [
      { key: 'conv2', roles: ['convener'], organization: 'Alpha Agency' },
      { key: 'dt', roles: ['design_team'], organization: 'Design Org' },
      { key: 'prov', roles: ['provider'], organization: 'Provider Home' },
    ],
  });
  B = await makeCoalition(d, {
    slug: 'bravo', name: 'Bravo Network', admin: A.admin,
    members: [{ key: 'bea', roles: ['provider'], organization: 'Bravo Center' }],
  });
});

after(async () => {
  if (d) await d.close();
});

function sortRoles(r) {
  return [...r].sort();
}

test('coalition.create by the server administrator; the creator becomes convener', async () => {
  const a = await d.admin();
  const slug = unique('made').toLowerCase();
  const r = await a.call('coalition.create', { slug, name: 'Made Here', description: 'About it' });
  assert.deepEqual(
    { slug: r.coalition.slug, name: r.coalition.name, description: r.coalition.description },
    { slug, name: 'Made Here', description: 'About it' },
  );
  const g = await a.call('coalition.get', { coalition: slug });
  assert.equal(g.coalition.slug, slug);
  assert.equal(g.coalition.name, 'Made Here');
  assert.equal(g.coalition.description, 'About it');
  assert.ok(g.me.roles.includes('convener'), `creator roles ${JSON.stringify(g.me)}`);
  assert.equal(g.members.length, 1);
  assert.equal(g.members[0].id, g.me.id);
  assert.ok(g.members[0].roles.includes('convener'));
  // Without a description.
  const slug2 = unique('bare').toLowerCase();
  const r2 = await a.call('coalition.create', { slug: slug2, name: 'Bare' });
  assert.equal(r2.coalition.slug, slug2);
  a.close();
});

test('coalition.create by a member who is not a server administrator is forbidden', async () => {
  const c = A.members.conv2.client;
  const slug = unique('nope').toLowerCase();
  assertError(await c.request('coalition.create', { slug, name: 'Not Allowed' }), 'forbidden', { what: 'create by convener non-admin' });
  const list = await A.admin.call('coalition.list', {});
  assert.ok(!list.coalitions.some((x) => x.slug === slug), 'a refused create must change nothing');
});

test('coalition.create with a slug in use is a conflict', async () => {
  assertError(await A.admin.request('coalition.create', { slug: 'alpha', name: 'Again' }), 'conflict', { what: 'duplicate slug' });
  const g = await A.admin.call('coalition.get', { coalition: 'alpha' });
  assert.equal(g.coalition.name, 'Alpha Alliance');
});

test('coalition.get shows the coalition, its members with roles and organizations, and me', async () => {
  const c = A.members.prov.client;
  const g = await c.call('coalition.get', { coalition: 'alpha' });
  assert.equal(g.coalition.slug, 'alpha');
  assert.equal(g.coalition.name, 'Alpha Alliance');
  assert.equal(g.coalition.description, 'First coalition');
  assert.equal(g.me.id, A.members.prov.id);
  assert.deepEqual(g.me.roles, ['provider']);
  const byId = new Map(g.members.map((m) => [m.id, m]));
  assert.equal(g.members.length, 4, JSON.stringify(g.members));
  for (const key of ['conv2', 'dt', 'prov']) {
    const m = A.members[key];
    const row = byId.get(m.id);
    assert.ok(row, `member ${key} missing: ${JSON.stringify(g.members)}`);
    assert.equal(row.name, m.name);
    assert.equal(row.organization, m.organization);
    assert.deepEqual(sortRoles(row.roles), sortRoles(m.roles));
  }
  for (const m of g.members) {
    assert.ok(Number.isInteger(m.id));
    assert.equal(m.password_hash, undefined);
  }
});

test('coalition.get of an unknown coalition is not_found', async () => {
  assertError(await A.admin.request('coalition.get', { coalition: 'no-such-coalition' }), 'not_found', { what: 'unknown slug' });
});

test('coalition.list shows a member only their coalitions, with their roles', async () => {
  const l = await A.members.dt.client.call('coalition.list', {});
  assert.deepEqual(l.coalitions.map((x) => x.slug), ['alpha']);
  assert.equal(l.coalitions[0].name, 'Alpha Alliance');
  assert.deepEqual(l.coalitions[0].roles, ['design_team']);
  const lb = await B.members.bea.client.call('coalition.list', {});
  assert.deepEqual(lb.coalitions.map((x) => x.slug), ['bravo']);
  const la = await A.admin.call('coalition.list', {});
  const slugs = la.coalitions.map((x) => x.slug);
  assert.ok(slugs.includes('alpha') && slugs.includes('bravo'), JSON.stringify(slugs));
});

test('member.invite by a convener returns an invite token; invite.list shows it', async () => {
  const email = `${unique('inv')}@test.example`;
  const r = await A.members.conv2.client.call('member.invite', {
    coalition: 'alpha', email, name: 'Invited Person', roles: ['funder'], organization: 'Fund Co',
  });
  assert.equal(typeof r.invite_token, 'string');
  assert.ok(Number.isInteger(r.invite.id));
  assert.equal(r.invite.email, email);
  assert.equal(r.invite.name, 'Invited Person');
  assert.deepEqual(r.invite.roles, ['funder']);
  assert.equal(r.invite.organization, 'Fund Co');
  const l = await A.admin.call('invite.list', { coalition: 'alpha' });
  const row = l.invites.find((x) => x.email === email);
  assert.ok(row, JSON.stringify(l));
  assert.equal(row.accepted_at ?? null, null);
  assert.equal(typeof row.created_at, 'string');
  assert.ok(!Number.isNaN(Date.parse(row.created_at)), `created_at RFC 3339: ${row.created_at}`);
});

test('member.invite by a non-convener is forbidden and changes nothing', async () => {
  const before = await A.admin.call('invite.list', { coalition: 'alpha' });
  for (const key of ['dt', 'prov']) {
    const email = `${unique('x')}@test.example`;
    assertError(await A.members[key].client.request('member.invite', {
      coalition: 'alpha', email, name: 'X', roles: ['provider'],
    }), 'forbidden', { what: `invite by ${key}` });
  }
  assertError(await A.members.prov.client.request('invite.list', { coalition: 'alpha' }), 'forbidden', { what: 'invite.list by provider' });
  const afterList = await A.admin.call('invite.list', { coalition: 'alpha' });
  assert.equal(afterList.invites.length, before.invites.length);
});

test('member.set_roles by a convener changes roles and organization', async () => {
  const target = await addMember(d, A, { key: 'target', roles: ['parent'] });
  const r = await A.members.conv2.client.call('member.set_roles', {
    coalition: 'alpha', member: target.id, roles: ['parent', 'observer'], organization: 'Parents United',
  });
  assert.equal(r.member.id, target.id);
  assert.deepEqual(sortRoles(r.member.roles), ['observer', 'parent']);
  assert.equal(r.member.organization, 'Parents United');
  const g = await target.client.call('coalition.get', { coalition: 'alpha' });
  assert.deepEqual(sortRoles(g.me.roles), ['observer', 'parent']);
  assert.equal(g.members.find((m) => m.id === target.id).organization, 'Parents United');
  // Roles are a set: a duplicate is either folded into one or refused.
  const r2 = await A.admin.request('member.set_roles', { coalition: 'alpha', member: target.id, roles: ['hub', 'hub'] });
  if (r2.ok) assert.deepEqual(r2.data.member.roles, ['hub']);
  else assertError(r2, 'bad_request', { field: 'roles', what: 'duplicate roles' });
  await A.admin.call('member.set_roles', { coalition: 'alpha', member: target.id, roles: ['hub'] });
  // Without organization, the organization is kept.
  const g2 = await A.admin.call('coalition.get', { coalition: 'alpha' });
  assert.equal(g2.members.find((m) => m.id === target.id).organization, 'Parents United');
});

test('member.set_roles can make a convener, who may then invite', async () => {
  const m = await addMember(d, A, { key: 'promoted', roles: ['provider'] });
  assertError(await m.client.request('member.invite', { coalition: 'alpha', email: `${unique('p')}@test.example`, name: 'P', roles: ['observer'] }),
    'forbidden', { what: 'invite before promotion' });
  await A.admin.call('member.set_roles', { coalition: 'alpha', member: m.id, roles: ['provider', 'convener'] });
  const inv = await m.client.call('member.invite', { coalition: 'alpha', email: `${unique('p')}@test.example`, name: 'P', roles: ['observer'] });
  assert.equal(typeof inv.invite_token, 'string');
  // And demoting takes the right away again, on the same connection.
  await A.admin.call('member.set_roles', { coalition: 'alpha', member: m.id, roles: ['provider'] });
  assertError(await m.client.request('member.invite', { coalition: 'alpha', email: `${unique('p')}@test.example`, name: 'P', roles: ['observer'] }),
    'forbidden', { what: 'invite after demotion' });
});

test('member.set_roles by a non-convener is forbidden', async () => {
  const prov = A.members.prov;
  assertError(await A.members.dt.client.request('member.set_roles', { coalition: 'alpha', member: prov.id, roles: ['convener'] }),
    'forbidden', { what: 'set_roles by design_team' });
  assertError(await prov.client.request('member.set_roles', { coalition: 'alpha', member: prov.id, roles: ['convener'] }),
    'forbidden', { what: 'provider promoting themself' });
  const g = await A.admin.call('coalition.get', { coalition: 'alpha' });
  assert.deepEqual(g.members.find((m) => m.id === prov.id).roles, ['provider']);
});

test('member.set_roles on someone who is not a member of that coalition is not_found', async () => {
  assertError(await A.admin.request('member.set_roles', { coalition: 'alpha', member: B.members.bea.id, roles: ['provider'] }),
    'not_found', { what: 'set_roles on a member of another coalition' });
  assertError(await A.admin.request('member.set_roles', { coalition: 'alpha', member: 987654, roles: ['provider'] }),
    'not_found', { what: 'set_roles on an unknown member id' });
  const gb = await B.admin.call('coalition.get', { coalition: 'bravo' });
  assert.deepEqual(gb.members.find((m) => m.id === B.members.bea.id).roles, ['provider']);
});

test('a member of A asking for B gets forbidden or not_found for every op', async () => {
  const c = A.members.conv2.client; // a convener of A, not a member of B
  const bea = B.members.bea;
  const ops = [
    ['coalition.get', { coalition: 'bravo' }],
    ['member.invite', { coalition: 'bravo', email: 'spy@test.example', name: 'Spy', roles: ['convener'] }],
    ['invite.list', { coalition: 'bravo' }],
    ['member.set_roles', { coalition: 'bravo', member: bea.id, roles: ['observer'] }],
    ['coalition.subscribe', { coalition: 'bravo' }],
    ['coalition.subscribe', { coalition: 'bravo', since: 0 }],
    ['audit.list', { coalition: 'bravo' }],
    ['audit.verify', { coalition: 'bravo' }],
  ];
  for (const [op, args] of ops) {
    const r = await c.request(op, args);
    assert.equal(r.ok, false, `${op} on B by a member of A succeeded: ${JSON.stringify(r)}`);
    assert.ok(['forbidden', 'not_found'].includes(r.error.code), `${op}: ${JSON.stringify(r)}`);
    // Nothing of B leaks in the error.
    assert.ok(!JSON.stringify(r).includes('Bravo Network'), `${op} leaks B's name: ${JSON.stringify(r)}`);
  }
  // Same for a plain provider of A.
  const r = await A.members.prov.client.request('coalition.get', { coalition: 'bravo' });
  assert.ok(!r.ok && ['forbidden', 'not_found'].includes(r.error.code), JSON.stringify(r));
  // B unchanged.
  const gb = await B.admin.call('coalition.get', { coalition: 'bravo' });
  assert.deepEqual(gb.members.find((m) => m.id === bea.id).roles, ['provider']);
  const ib = await B.admin.call('invite.list', { coalition: 'bravo' });
  assert.ok(!ib.invites.some((x) => x.email === 'spy@test.example'));
  const lb = await c.call('coalition.list', {});
  assert.ok(!lb.coalitions.some((x) => x.slug === 'bravo'));
});

test('a member of A asking for B and for an unknown coalition cannot tell them apart', async () => {
  const c = A.members.prov.client;
  const rb = await c.request('coalition.get', { coalition: 'bravo' });
  const rx = await c.request('coalition.get', { coalition: 'zz-does-not-exist' });
  assert.equal(rx.error.code, 'not_found');
  assert.equal(rb.error.code, rx.error.code, `existence of B leaks: ${JSON.stringify(rb)} vs ${JSON.stringify(rx)}`);
});

test('no event of B ever reaches a member of A', async () => {
  const spy = await d.connect();
  await spy.call('auth.resume', { token: A.members.conv2.token });
  const subA = await spy.call('coalition.subscribe', { coalition: 'alpha', since: 0 });
  assert.ok(Number.isInteger(subA.seq));
  const tryB = await spy.request('coalition.subscribe', { coalition: 'bravo', since: 0 });
  assert.equal(tryB.ok, false);
  // Activity in B: a new member joins, roles change.
  const bravoWatcher = await d.admin();
  await bravoWatcher.call('coalition.subscribe', { coalition: 'bravo' });
  const newcomer = await addMember(d, B, { key: 'bnew', roles: ['funder'], organization: 'Bravo Fund' });
  await B.admin.call('member.set_roles', { coalition: 'bravo', member: newcomer.id, roles: ['funder', 'observer'] });
  await B.admin.call('member.set_roles', { coalition: 'bravo', member: B.members.bea.id, roles: ['provider', 'hub'] });
  // Activity in A so we know events are flowing to the spy.
  const joined = await addMember(d, A, { key: 'anew', roles: ['observer'] });
  await spy.waitEvent((e) => e.coalition === 'alpha' && e.event === 'member.joined' && e.data?.member?.id === joined.id, 5000);
  // B's watcher did get B's events (the test is meaningful).
  await bravoWatcher.waitEvent((e) => e.coalition === 'bravo' && e.event === 'member.joined', 5000);
  await bravoWatcher.waitEvents((e) => e.coalition === 'bravo' && e.event === 'member.updated', 2, 5000);
  await sleep(300);
  const leaked = spy.messages.filter((m) => m && (m.coalition === 'bravo'
    || JSON.stringify(m).includes('Bravo Fund') || JSON.stringify(m).includes(newcomer.email)));
  assert.deepEqual(leaked, [], 'a member of A received something of B');
  assert.ok(spy.events.every((e) => e.coalition === 'alpha'), JSON.stringify(spy.events));
  spy.close();
  bravoWatcher.close();
});

test('the administrator sees coalition.list with roles for coalitions they belong to', async () => {
  const l = await A.admin.call('coalition.list', {});
  const alpha = l.coalitions.find((x) => x.slug === 'alpha');
  assert.ok(alpha.roles.includes('convener'));
  assert.equal(alpha.name, 'Alpha Alliance');
  assert.equal(alpha.description, 'First coalition');
  const who = await A.admin.call('auth.whoami', {});
  assert.equal(who.member.email, ADMIN_EMAIL);
});

// Not spelled out by the contract, but by good sense: an invitation is for
// joining; accepting one must not silently take roles away from a member, and
// the daemon's own rule that the last convener cannot drop the role must not
// be bypassed through an invitation.
test('an invitation accepted by someone who is already a member never takes their roles away', async () => {
  const m = await addMember(d, A, { key: 'already', roles: ['provider', 'design_team'], organization: 'Keep Org' });
  const inv = await A.admin.request('member.invite', { coalition: 'alpha', email: m.email, name: 'Again', roles: ['observer'] });
  if (!inv.ok) {
    assertError(inv, 'conflict', { what: 'inviting a member again' });
    return;
  }
  const c = await d.connect();
  const acc = await c.request('auth.accept_invite', { invite_token: inv.data.invite_token, password: m.password });
  if (!acc.ok) assert.equal(acc.error.code, 'conflict', JSON.stringify(acc));
  const g = await A.admin.call('coalition.get', { coalition: 'alpha' });
  const row = g.members.find((x) => x.id === m.id);
  for (const role of ['provider', 'design_team']) {
    assert.ok(row.roles.includes(role), `accepting an invitation took away ${role}: roles now ${JSON.stringify(row.roles)}`);
  }
  c.close();
});

test('accepting an invitation cannot leave a coalition without a convener', async () => {
  const a = await d.admin();
  const slug = unique('lone').toLowerCase();
  await a.call('coalition.create', { slug, name: 'Lone Convener' });
  // The only convener is invited, as an observer, into their own coalition.
  const inv = await a.request('member.invite', { coalition: slug, email: ADMIN_EMAIL, name: 'Admin Again', roles: ['observer'] });
  if (inv.ok) {
    const c = await d.connect();
    await c.request('auth.accept_invite', { invite_token: inv.data.invite_token, password: ADMIN_PASSWORD });
    c.close();
  }
  const g = await a.call('coalition.get', { coalition: slug });
  assert.ok(g.members.some((m) => m.roles.includes('convener')),
    `the coalition has no convener left: ${JSON.stringify(g.members)}`);
  a.close();
});
