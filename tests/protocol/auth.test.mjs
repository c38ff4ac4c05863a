// Sessions: auth.login / resume / logout / whoami / accept_invite, the
// browser cookie of POST/DELETE /api/session, sign-in required for the rest,
// and the login rate limit.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, addUser, assertError, makeCoalition, addMember, http, setCookies, unique, sleep,
  ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_NAME,
} from './lib.mjs';

const USERS = {
  alice: { email: 'alice@test.example', name: 'Alice Auth', password: 'alice-password-1' },
  bob: { email: 'bob@test.example', name: 'Bob Auth', password: 'bob-password-1' },
  carol: { email: 'carol@test.example', name: 'Carol Cookie', password: 'carol-password-1' },
  dan: { email: 'dan@test.example', name: 'Dan Logout', password: 'dan-password-1' },
  erin: { email: 'erin@test.example', name: 'Erin Existing', password: 'erin-password-1' },
};

let d;

before(async () => {
  d = await startDaemon({
    setup: async (dataDir) => {
      for (const u of Object.values(USERS)) await addUser(dataDir, u);
    },
  });
});

after(async () => {
  if (d) await d.close();
});

function assertSessionShape(data, user, what) {
  assert.equal(typeof data.token, 'string', `${what}: token ${JSON.stringify(data)}`);
  assert.ok(data.token.length >= 32, `${what}: token should carry 256 random bits, got ${data.token.length} chars`);
  assert.ok(data.member && typeof data.member === 'object', `${what}: member`);
  assert.ok(Number.isInteger(data.member.id), `${what}: member.id integer ${JSON.stringify(data.member)}`);
  assert.equal(data.member.email, user.email);
  assert.equal(data.member.name, user.name);
  assert.equal(typeof data.member.admin, 'boolean', `${what}: member.admin boolean ${JSON.stringify(data.member)}`);
  assert.ok(Array.isArray(data.coalitions), `${what}: coalitions array ${JSON.stringify(data)}`);
  assert.equal(data.member.password, undefined);
  assert.equal(data.member.password_hash, undefined);
}

test('auth.login with the right password signs in', async () => {
  const c = await d.connect();
  const data = await c.call('auth.login', { email: USERS.alice.email, password: USERS.alice.password });
  assertSessionShape(data, USERS.alice, 'auth.login');
  assert.equal(data.member.admin, false);
  assert.deepEqual(data.coalitions, []);
  const list = await c.call('coalition.list', {});
  assert.ok(Array.isArray(list.coalitions));
  const who = await c.call('auth.whoami', {});
  assert.equal(who.member.id, data.member.id);
  assert.equal(who.member.email, USERS.alice.email);
  assert.equal(who.token, undefined, 'whoami must not hand out the token');
  c.close();
});

test('the server administrator signs in with admin:true', async () => {
  const c = await d.connect();
  const data = await c.call('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assertSessionShape(data, { email: ADMIN_EMAIL, name: ADMIN_NAME }, 'admin login');
  assert.equal(data.member.admin, true);
  c.close();
});

test('email matching ignores case', async () => {
  // Not named by the contract, but every mail system treats the domain so and
  // the CLI stores what it was given; accept either a sign-in or unauthenticated.
  const c = await d.connect();
  const r = await c.request('auth.login', { email: USERS.alice.email.toUpperCase(), password: USERS.alice.password });
  assert.ok(r.ok === true || r.error.code === 'unauthenticated', JSON.stringify(r));
  c.close();
});

test('a wrong password gets unauthenticated and the connection keeps working', async () => {
  const c = await d.connect();
  assertError(await c.request('auth.login', { email: USERS.bob.email, password: 'not-the-password' }, { id: 11 }),
    'unauthenticated', { id: 11, what: 'wrong password' });
  assertError(await c.request('auth.login', { email: 'nobody@test.example', password: 'whatever-123' }, { id: 12 }),
    'unauthenticated', { id: 12, what: 'unknown email' });
  // Still not signed in.
  assertError(await c.request('coalition.list', {}), 'unauthenticated', { what: 'coalition.list after failed login' });
  const ok = await c.call('auth.login', { email: USERS.bob.email, password: USERS.bob.password });
  assert.equal(ok.member.email, USERS.bob.email);
  c.close();
});

test('every op but auth.* needs a signed-in connection', async () => {
  const c = await d.connect();
  const ops = [
    ['coalition.list', {}],
    ['coalition.get', { coalition: 'anything' }],
    ['coalition.create', { slug: 'sneaky', name: 'Sneaky' }],
    ['member.invite', { coalition: 'anything', email: 'x@test.example', name: 'X', roles: ['provider'] }],
    ['member.set_roles', { coalition: 'anything', member: 1, roles: ['convener'] }],
    ['invite.list', { coalition: 'anything' }],
    ['coalition.subscribe', { coalition: 'anything' }],
    ['audit.list', { coalition: 'anything' }],
    ['audit.verify', { coalition: 'anything' }],
    ['auth.whoami', {}],
  ];
  for (const [op, args] of ops) {
    assertError(await c.request(op, args), 'unauthenticated', { what: `${op} before sign-in` });
  }
  // Nothing was created behind our back.
  const a = await d.admin();
  const list = await a.call('coalition.list', {});
  assert.ok(!list.coalitions.some((x) => x.slug === 'sneaky'));
  a.close();
  c.close();
});

test('auth.resume on a new connection gives the same member', async () => {
  const c1 = await d.connect();
  const first = await c1.call('auth.login', { email: USERS.alice.email, password: USERS.alice.password });
  const c2 = await d.connect();
  const again = await c2.call('auth.resume', { token: first.token });
  assertSessionShape(again, USERS.alice, 'auth.resume');
  assert.equal(again.member.id, first.member.id);
  assert.deepEqual(again.coalitions, first.coalitions);
  const who = await c2.call('auth.whoami', {});
  assert.equal(who.member.id, first.member.id);
  c1.close();
  c2.close();
});

test('requests sent right behind auth.resume or auth.logout, without waiting, run as who the session is by then', async () => {
  const c1 = await d.connect();
  const first = await c1.call('auth.login', { email: USERS.alice.email, password: USERS.alice.password });
  for (let round = 0; round < 5; round++) {
    const c2 = await d.connect();
    // One write: both frames reach the daemon in the same turn of its loop.
    const replies = Promise.all([
      c2.request('auth.resume', { token: first.token }),
      c2.request('auth.whoami', {}),
    ]);
    const [resumed, who] = await replies;
    assert.equal(resumed.ok, true, JSON.stringify(resumed));
    assert.equal(who.ok, true, `whoami right behind resume: ${JSON.stringify(who)}`);
    assert.equal(who.data.member.id, first.member.id);
    c2.close();
  }
  const c3 = await d.connect();
  await c3.call('auth.resume', { token: (await c1.call('auth.login', { email: USERS.alice.email, password: USERS.alice.password })).token });
  const [out, after] = await Promise.all([c3.request('auth.logout', {}), c3.request('auth.whoami', {})]);
  assert.equal(out.ok, true, JSON.stringify(out));
  assertError(after, 'unauthenticated', { what: 'whoami right behind logout' });
  c1.close();
  c3.close();
});

test('auth.resume with an unknown token gets unauthenticated', async () => {
  const c = await d.connect();
  assertError(await c.request('auth.resume', { token: 'A'.repeat(43) }), 'unauthenticated', { what: 'made-up token' });
  const empty = await c.request('auth.resume', { token: '' });
  assert.equal(empty.ok, false, JSON.stringify(empty));
  assert.ok(['unauthenticated', 'bad_request'].includes(empty.error.code), JSON.stringify(empty));
  assertError(await c.request('auth.resume', { token: 12 }), 'bad_request', { field: 'token', what: 'numeric token' });
  assertError(await c.request('coalition.list', {}), 'unauthenticated', { what: 'after failed resume' });
  c.close();
});

test('auth.logout ends the session on every connection using it', async () => {
  const co = await makeCoalition(d, { slug: unique('lo').toLowerCase() });
  const dan = await addMember(d, co, { key: 'dan', roles: ['provider'], organization: 'Logout Org' });
  const c1 = dan.client;
  const c2 = await d.connect();
  await c2.call('auth.resume', { token: dan.token });
  await c2.call('coalition.subscribe', { coalition: co.slug });
  const c3 = await d.connect(); // a separate login of the same member: another session
  const other = await c3.call('auth.login', { email: dan.email, password: dan.password });
  assert.notEqual(other.token, dan.token, 'a second login gives a new token');
  const bystander = await d.login(USERS.bob.email, USERS.bob.password);

  const out = await c1.call('auth.logout', {});
  assert.deepEqual(out, {});

  assertError(await c1.request('coalition.list', {}), 'unauthenticated', { what: 'logged-out connection' });
  assertError(await c2.request('coalition.list', {}), 'unauthenticated', { what: 'other connection of the logged-out session' });
  const c4 = await d.connect();
  assertError(await c4.request('auth.resume', { token: dan.token }), 'unauthenticated', { what: 'resume with logged-out token' });
  // Other sessions are untouched.
  const who = await c3.call('auth.whoami', {});
  assert.equal(who.member.id, dan.id);
  const b = await bystander.call('auth.whoami', {});
  assert.equal(b.member.email, USERS.bob.email);

  // The logged-out connection no longer receives the coalition's events.
  const before = c2.events.length;
  await co.admin.call('member.set_roles', { coalition: co.slug, member: dan.id, roles: ['provider', 'observer'] });
  await sleep(500);
  assert.deepEqual(c2.events.slice(before), [], 'a logged-out connection must get no more events');
  for (const c of [c1, c2, c3, c4, bystander]) c.close();
});

test('POST /api/session sets an HttpOnly SameSite=Strict cookie; a ws upgrade carrying it is signed in', async () => {
  const r = await http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: d.origin },
    body: JSON.stringify({ email: USERS.carol.email, password: USERS.carol.password }),
  });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json, `JSON body expected: ${r.text}`);
  assert.equal(r.json.member.email, USERS.carol.email);
  assert.ok(Array.isArray(r.json.coalitions));
  assert.equal(r.json.token, undefined, 'the body must not carry the session token (the cookie is HttpOnly)');
  const cookies = setCookies(r.headers);
  const sc = cookies.find((x) => /^rt_session=/.test(x));
  assert.ok(sc, `Set-Cookie rt_session expected, got ${JSON.stringify(cookies)}`);
  const attrs = sc.split(';').map((x) => x.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `HttpOnly missing: ${sc}`);
  assert.ok(attrs.includes('samesite=strict'), `SameSite=Strict missing: ${sc}`);
  assert.ok(attrs.includes('path=/'), `Path=/ missing: ${sc}`);
  const value = sc.split(';')[0];
  assert.ok(value.length > 'rt_session='.length + 20, `cookie value too short: ${value}`);

  const c = await d.connect({ origin: d.origin, headers: { cookie: value } });
  const who = await c.call('auth.whoami', {});
  assert.equal(who.member.email, USERS.carol.email);
  assert.ok(Array.isArray(who.coalitions));
  assert.equal(who.token, undefined);
  const list = await c.call('coalition.list', {});
  assert.ok(Array.isArray(list.coalitions));

  // Another cookie among others still works.
  const c2 = await d.connect({ headers: { cookie: `theme=dark; ${value}; other=1` } });
  assert.equal((await c2.call('auth.whoami', {})).member.email, USERS.carol.email);

  // DELETE /api/session signs out: cookie cleared, the session ended everywhere.
  const del = await http(d.base, '/api/session', { method: 'DELETE', headers: { cookie: value, origin: d.origin } });
  assert.equal(del.status, 200, del.text);
  const cleared = setCookies(del.headers).find((x) => /^rt_session=/.test(x));
  assert.ok(cleared, `DELETE should clear the cookie: ${JSON.stringify(setCookies(del.headers))}`);
  assert.ok(/max-age=0|expires=thu, 01 jan 1970|^rt_session=;/i.test(cleared), `cookie not cleared: ${cleared}`);
  assertError(await c.request('auth.whoami', {}), 'unauthenticated', { what: 'open cookie connection after DELETE' });
  const c3 = await d.connect({ headers: { cookie: value } });
  assertError(await c3.request('auth.whoami', {}), 'unauthenticated', { what: 'upgrade with the deleted cookie' });
  assertError(await c3.request('coalition.list', {}), 'unauthenticated', { what: 'coalition.list with deleted cookie' });
  for (const x of [c, c2, c3]) x.close();
});

test('a cookie does not get past the Origin check', async () => {
  const r = await http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: USERS.carol.email, password: USERS.carol.password }),
  });
  assert.equal(r.status, 200, r.text);
  const value = setCookies(r.headers).find((x) => /^rt_session=/.test(x)).split(';')[0];
  try {
    const c = await d.connect({ origin: 'http://evil.test', headers: { cookie: value } });
    c.close();
    assert.fail('upgrade with a foreign Origin and a valid cookie was accepted');
  } catch (e) {
    assert.equal(e.status, 403, e.message);
  }
});

test('a made-up cookie is not signed in', async () => {
  const c = await d.connect({ headers: { cookie: `rt_session=${'B'.repeat(43)}` } });
  assertError(await c.request('auth.whoami', {}), 'unauthenticated', { what: 'made-up cookie' });
  const ok = await c.call('auth.login', { email: USERS.alice.email, password: USERS.alice.password });
  assert.equal(ok.member.email, USERS.alice.email);
  c.close();
});

test('POST /api/session with a wrong password gets 401 JSON and no cookie', async () => {
  const r = await http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: USERS.carol.email, password: 'wrong-wrong' }),
  });
  assert.equal(r.status, 401, r.text);
  assert.ok(r.json?.error, `JSON error body expected: ${r.text}`);
  assert.equal(r.json.error.code, 'unauthenticated');
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(!setCookies(r.headers).some((x) => /^rt_session=[^;]+/.test(x) && !/max-age=0/i.test(x)),
    `no session cookie on failure: ${JSON.stringify(setCookies(r.headers))}`);
});

test('POST /api/session with a body that is not JSON gets 400 bad_request', async () => {
  const r = await http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'email=carol&password=x',
  });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json?.error?.code, 'bad_request', r.text);
});

test('auth.accept_invite creates the account, signs in and joins the coalition', async () => {
  const co = await makeCoalition(d, { slug: unique('inv').toLowerCase() });
  const email = `${unique('newbie')}@test.example`;
  const inv = await co.admin.call('member.invite', {
    coalition: co.slug, email, name: 'New Person', roles: ['provider', 'design_team'], organization: 'Sunny Days',
  });
  assert.equal(typeof inv.invite_token, 'string');
  assert.ok(inv.invite_token.length >= 20);
  const c = await d.connect();
  const acc = await c.call('auth.accept_invite', { invite_token: inv.invite_token, password: 'newbie-password-1', name: 'Newbie Chosen' });
  assert.equal(typeof acc.token, 'string');
  assert.equal(acc.member.email, email);
  assert.equal(acc.member.name, 'Newbie Chosen');
  assert.equal(acc.member.admin, false);
  const entry = acc.coalitions.find((x) => x.slug === co.slug);
  assert.ok(entry, JSON.stringify(acc.coalitions));
  assert.equal(entry.name, co.name);
  assert.deepEqual([...entry.roles].sort(), ['design_team', 'provider']);
  // Signed in on this connection.
  const g = await c.call('coalition.get', { coalition: co.slug });
  assert.deepEqual([...g.me.roles].sort(), ['design_team', 'provider']);
  const me = g.members.find((m) => m.id === acc.member.id);
  assert.equal(me.organization, 'Sunny Days');
  // The password works for a later login.
  const c2 = await d.connect();
  const l = await c2.call('auth.login', { email, password: 'newbie-password-1' });
  assert.equal(l.member.id, acc.member.id);
  // A used token is not_found.
  const c3 = await d.connect();
  assertError(await c3.request('auth.accept_invite', { invite_token: inv.invite_token, password: 'other-password-2' }),
    'not_found', { what: 'accept a used invite' });
  assertError(await c3.request('auth.accept_invite', { invite_token: 'nope-'.repeat(8), password: 'other-password-2' }),
    'not_found', { what: 'accept an unknown invite' });
  assertError(await c3.request('auth.accept_invite', { invite_token: inv.invite_token }),
    'bad_request', { field: 'password', what: 'accept without password' });
  // invite.list shows it accepted.
  const invites = await co.admin.call('invite.list', { coalition: co.slug });
  const row = invites.invites.find((x) => x.email === email);
  assert.ok(row, JSON.stringify(invites));
  assert.equal(typeof row.accepted_at, 'string');
  for (const x of [c, c2, c3]) x.close();
});

test('auth.accept_invite for an existing account checks its password', async () => {
  const co = await makeCoalition(d, { slug: unique('exist').toLowerCase() });
  const inv = await co.admin.call('member.invite', {
    coalition: co.slug, email: USERS.erin.email, name: 'Erin In Invite', roles: ['funder'],
  });
  const c = await d.connect();
  assertError(await c.request('auth.accept_invite', { invite_token: inv.invite_token, password: 'not-erins-password' }),
    'unauthenticated', { what: 'accept for existing account with wrong password' });
  assertError(await c.request('coalition.list', {}), 'unauthenticated', { what: 'after failed accept' });
  // The failed attempt changed nothing: the invite is still usable.
  const acc = await c.call('auth.accept_invite', { invite_token: inv.invite_token, password: USERS.erin.password });
  const l = await (await d.connect()).call('auth.login', { email: USERS.erin.email, password: USERS.erin.password });
  assert.equal(acc.member.id, l.member.id, 'the existing account joins, no new account');
  assert.ok(acc.coalitions.some((x) => x.slug === co.slug && x.roles.includes('funder')), JSON.stringify(acc.coalitions));
  // The old password still works; the account was not overwritten.
  assert.equal(l.member.email, USERS.erin.email);
  c.close();
});

test('rate_limited after repeated failed logins for one account', async () => {
  const d2 = await startDaemon({
    setup: async (dataDir) => {
      await addUser(dataDir, { email: 'victim@test.example', name: 'Victim', password: 'victim-password-1' });
      await addUser(dataDir, { email: 'other@test.example', name: 'Other', password: 'other-password-1' });
    },
  });
  try {
    const c = await d2.connect();
    for (let i = 0; i < 5; i++) {
      assertError(await c.request('auth.login', { email: 'victim@test.example', password: `wrong-${i}` }),
        'unauthenticated', { what: `failure ${i + 1}` });
    }
    const sixth = await c.request('auth.login', { email: 'victim@test.example', password: 'wrong-6' });
    assertError(sixth, 'rate_limited', { what: 'sixth attempt' });
    // The wait told is the rest of the 15 minutes since the first failure.
    assert.match(sixth.error.message, /try again in 1[45] minutes/);
    assert.ok(sixth.error.data.retry_after > 800 && sixth.error.data.retry_after <= 900, JSON.stringify(sixth.error));
    // Even the right password is held back while the account is limited.
    assertError(await c.request('auth.login', { email: 'victim@test.example', password: 'victim-password-1' }),
      'rate_limited', { what: 'right password while limited' });
    // A fresh connection changes nothing.
    const c2 = await d2.connect();
    assertError(await c2.request('auth.login', { email: 'victim@test.example', password: 'victim-password-1' }),
      'rate_limited', { what: 'right password on a new connection' });
    // The browser path is limited too.
    const r = await http(d2.base, '/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'victim@test.example', password: 'victim-password-1' }),
    });
    assert.equal(r.status, 429, 'POST /api/session must be rate limited too');
    assert.equal(r.json?.error?.code, 'rate_limited', r.text);
    assert.equal(Number(r.headers.get('retry-after')), r.json.error.data.retry_after);
    // Another account is not affected (per-address limit is higher).
    const ok = await c2.call('auth.login', { email: 'other@test.example', password: 'other-password-1' });
    assert.equal(ok.member.email, 'other@test.example');
    // The connection that was limited keeps working.
    const ok2 = await c.call('auth.login', { email: 'other@test.example', password: 'other-password-1' });
    assert.equal(ok2.member.email, 'other@test.example');
  } finally {
    await d2.close();
  }
});

test('rate_limited after 20 failed logins from one address', async () => {
  const d2 = await startDaemon({
    setup: async (dataDir) => {
      await addUser(dataDir, { email: 'fresh@test.example', name: 'Fresh', password: 'fresh-password-1' });
    },
  });
  try {
    const c = await d2.connect();
    for (let i = 0; i < 20; i++) {
      const r = await c.request('auth.login', { email: `guess${i}@test.example`, password: 'guess-password' });
      assertError(r, 'unauthenticated', { what: `address failure ${i + 1}` });
    }
    assertError(await c.request('auth.login', { email: 'fresh@test.example', password: 'fresh-password-1' }),
      'rate_limited', { what: '21st attempt from the same address' });
  } finally {
    await d2.close();
  }
});

test('logins are hashed off the event loop: other members are served during a login', async () => {
  const a = await d.admin();
  const c = await d.connect();
  const slow = c.request('auth.login', { email: USERS.alice.email, password: USERS.alice.password });
  const t0 = Date.now();
  await a.call('coalition.list', {});
  const fast = Date.now() - t0;
  await slow;
  assert.ok(fast < 2000, `coalition.list took ${fast} ms during a login`);
  a.close();
  c.close();
});

test('auth.logout on a cookie-signed connection ends the cookie session', async () => {
  const r = await http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: USERS.alice.email, password: USERS.alice.password }),
  });
  assert.equal(r.status, 200, r.text);
  const value = setCookies(r.headers).find((x) => /^rt_session=/.test(x)).split(';')[0];
  const c1 = await d.connect({ headers: { cookie: value } });
  const c2 = await d.connect({ headers: { cookie: value } });
  assert.equal((await c2.call('auth.whoami', {})).member.email, USERS.alice.email);
  assert.deepEqual(await c1.call('auth.logout', {}), {});
  assertError(await c2.request('auth.whoami', {}), 'unauthenticated', { what: 'other cookie connection after logout' });
  const c3 = await d.connect({ headers: { cookie: value } });
  assertError(await c3.request('auth.whoami', {}), 'unauthenticated', { what: 'upgrade with a logged-out cookie' });
  for (const c of [c1, c2, c3]) c.close();
});
