// The envelope: malformed frames get bad_request replies and the connection
// keeps working; oversized messages close only their own connection (1009);
// invalid UTF-8 closes with 1007, binary frames with 1003; fragments are
// gathered. The frame-level rules of RFC 6455 are in ws-conformance.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, assertError, makeCoalition, ADMIN_EMAIL, ADMIN_PASSWORD, sleep,
} from './lib.mjs';

let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, { slug: 'envelope', members: [{ key: 'ana', roles: ['provider'], organization: 'Org A' }] });
});

after(async () => {
  if (d) await d.close();
});

/** The connection still answers a real request correctly. */
async function stillWorks(c, what) {
  const r = await c.request('coalition.get', { coalition: 'envelope' });
  assert.equal(r.ok, true, `${what}: connection should keep working, got ${JSON.stringify(r)}`);
  assert.equal(r.data.coalition.slug, 'envelope');
  assert.equal(c.closeInfo, null, `${what}: connection closed`);
}

test('a reply carries the request id and ok:true with data', async () => {
  const c = await d.admin();
  const r = await c.request('coalition.get', { coalition: 'envelope' }, { id: 4242 });
  assert.equal(r.id, 4242);
  assert.equal(r.ok, true);
  assert.equal(typeof r.data, 'object');
  assert.equal(r.error, undefined);
  c.close();
});

test('a non-JSON frame gets bad_request with id null; connection keeps working', async () => {
  const c = await d.admin();
  const r = await c.sendAndWait('this is not json {');
  assertError(r, 'bad_request', { id: null, what: 'non-JSON frame' });
  await stillWorks(c, 'after non-JSON frame');
  c.close();
});

test('an empty text frame gets bad_request with id null', async () => {
  const c = await d.admin();
  const r = await c.sendAndWait('');
  assertError(r, 'bad_request', { id: null, what: 'empty frame' });
  await stillWorks(c, 'after empty frame');
  c.close();
});

test('a JSON array gets bad_request with id null; connection keeps working', async () => {
  const c = await d.admin();
  const r = await c.sendAndWait('[{"id":1,"op":"coalition.list","args":{}}]');
  assertError(r, 'bad_request', { id: null, what: 'JSON array frame' });
  await stillWorks(c, 'after JSON array');
  c.close();
});

test('JSON scalars (number, string, null) get bad_request with id null', async () => {
  const c = await d.admin();
  for (const frame of ['42', '"hello"', 'null', 'true']) {
    const r = await c.sendAndWait(frame);
    assertError(r, 'bad_request', { id: null, what: `frame ${frame}` });
  }
  await stillWorks(c, 'after JSON scalars');
  c.close();
});

test('an unknown op gets bad_request with the request id; connection keeps working', async () => {
  const c = await d.admin();
  const r = await c.request('no.such.op', {}, { id: 77 });
  assertError(r, 'bad_request', { id: 77, what: 'unknown op' });
  await stillWorks(c, 'after unknown op');
  c.close();
});

test('an unknown op before sign-in is bad_request too (not a crash)', async () => {
  const c = await d.connect();
  const r = await c.request('definitely.not.an.op', {}, { id: 5 });
  assert.equal(r.ok, false);
  assert.equal(r.id, 5);
  assert.ok(['bad_request', 'unauthenticated'].includes(r.error.code), JSON.stringify(r));
  const login = await c.request('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(login.ok, true, JSON.stringify(login));
  c.close();
});

test('an object without op gets bad_request with its id', async () => {
  const c = await d.admin();
  const r = await c.requestRaw(JSON.stringify({ id: 78, args: {} }), 78);
  assertError(r, 'bad_request', { id: 78, what: 'missing op' });
  await stillWorks(c, 'after missing op');
  c.close();
});

test('an op that is not a string gets bad_request with its id', async () => {
  const c = await d.admin();
  const r = await c.requestRaw(JSON.stringify({ id: 79, op: 12, args: {} }), 79);
  assertError(r, 'bad_request', { id: 79, what: 'numeric op' });
  await stillWorks(c, 'after numeric op');
  c.close();
});

test('args that are not an object get bad_request with the request id', async () => {
  const c = await d.admin();
  const r = await c.requestRaw(JSON.stringify({ id: 80, op: 'coalition.get', args: ['envelope'] }), 80);
  assertError(r, 'bad_request', { id: 80, what: 'args as array' });
  await stillWorks(c, 'after args array');
  c.close();
});

test('a binary frame closes that connection with 1003; the others keep working', async () => {
  const c = await d.admin();
  const other = await d.admin();
  await c.sendRaw(Buffer.from([0x00, 0x01, 0xfe, 0xff]), { binary: true });
  const { code, reason } = await c.waitClose();
  assert.equal(code, 1003, `binary frame: close code (reason ${reason})`);
  assert.match(reason, /binary/);
  assert.equal(c.unmatched.length, 0, 'no reply before the close');
  await stillWorks(other, 'another connection after a binary frame');
  other.close();
});

test('a binary frame holding valid JSON is refused, not executed', async () => {
  const c = await d.admin();
  const before = await c.call('invite.list', { coalition: 'envelope' });
  const body = JSON.stringify({
    id: 81, op: 'member.invite',
    args: { coalition: 'envelope', email: 'binary@test.example', name: 'Binary', roles: ['observer'] },
  });
  await c.sendRaw(Buffer.from(body), { binary: true });
  assert.equal((await c.waitClose()).code, 1003);
  assert.ok(!c.messages.some((m) => m.id === 81), 'no reply to the binary request');
  const again = await d.admin();
  const afterList = await again.call('invite.list', { coalition: 'envelope' });
  assert.equal(afterList.invites.length, before.invites.length, 'a binary frame must not run its request');
  assert.ok(!afterList.invites.some((i) => i.email === 'binary@test.example'));
  again.close();
});

test('a missing argument gets bad_request with error.field naming it', async () => {
  const c = await d.admin();
  assertError(await c.request('coalition.get', {}, { id: 90 }), 'bad_request',
    { id: 90, field: 'coalition', what: 'coalition.get {}' });
  assertError(await c.request('member.invite', { coalition: 'envelope', name: 'X', roles: ['provider'] }, { id: 91 }),
    'bad_request', { id: 91, field: 'email', what: 'member.invite without email' });
  assertError(await c.request('member.set_roles', { coalition: 'envelope', member: co.members.ana.id }, { id: 92 }),
    'bad_request', { id: 92, field: 'roles', what: 'member.set_roles without roles' });
  assertError(await c.request('coalition.create', { slug: 'no-name-here' }, { id: 93 }),
    'bad_request', { id: 93, field: 'name', what: 'coalition.create without name' });
  await stillWorks(c, 'after missing args');
  c.close();
});

test('a missing argument to auth.login gets bad_request field password', async () => {
  const c = await d.connect();
  assertError(await c.request('auth.login', { email: ADMIN_EMAIL }, { id: 3 }), 'bad_request',
    { id: 3, field: 'password', what: 'auth.login without password' });
  assertError(await c.request('auth.login', { password: 'x' }, { id: 4 }), 'bad_request',
    { id: 4, field: 'email', what: 'auth.login without email' });
  const ok = await c.request('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  c.close();
});

test('a mistyped argument gets bad_request with error.field naming it', async () => {
  const c = await d.admin();
  const ana = co.members.ana;
  const cases = [
    ['coalition.get', { coalition: 42 }, 'coalition'],
    ['coalition.get', { coalition: ['envelope'] }, 'coalition'],
    ['coalition.get', { coalition: null }, 'coalition'],
    ['member.invite', { coalition: 'envelope', email: 'typed@test.example', name: 'T', roles: 'provider' }, 'roles'],
    ['member.invite', { coalition: 'envelope', email: 'typed@test.example', name: 'T', roles: [7] }, 'roles'],
    ['member.invite', { coalition: 'envelope', email: 12, name: 'T', roles: ['provider'] }, 'email'],
    ['member.set_roles', { coalition: 'envelope', member: String(ana.id), roles: ['provider'] }, 'member'],
    ['member.set_roles', { coalition: 'envelope', member: ana.id, roles: { provider: true } }, 'roles'],
    ['coalition.subscribe', { coalition: 'envelope', since: 'yesterday' }, 'since'],
    ['coalition.create', { slug: 5, name: 'Five' }, 'slug'],
  ];
  let id = 100;
  for (const [op, args, field] of cases) {
    id += 1;
    const r = await c.request(op, args, { id });
    assertError(r, 'bad_request', { id, field, what: `${op} ${JSON.stringify(args)}` });
  }
  // None of them changed anything.
  const list = await c.call('invite.list', { coalition: 'envelope' });
  assert.ok(!list.invites.some((i) => i.email === 'typed@test.example'), 'a refused request must change nothing');
  const g = await c.call('coalition.get', { coalition: 'envelope' });
  const a = g.members.find((m) => m.id === ana.id);
  assert.deepEqual(a.roles, ['provider']);
  await stillWorks(c, 'after mistyped args');
  c.close();
});

test('a mistyped argument to auth.login gets bad_request field email', async () => {
  const c = await d.connect();
  assertError(await c.request('auth.login', { email: ['a@b'], password: 'x' }, { id: 6 }), 'bad_request',
    { id: 6, field: 'email', what: 'auth.login email array' });
  assertError(await c.request('auth.login', { email: ADMIN_EMAIL, password: 12345 }, { id: 7 }), 'bad_request',
    { id: 7, field: 'password', what: 'auth.login numeric password' });
  const ok = await c.request('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  c.close();
});

test('an unknown role name is refused with bad_request field roles', async () => {
  const c = await d.admin();
  const r = await c.request('member.invite', {
    coalition: 'envelope', email: 'king@test.example', name: 'King', roles: ['king'],
  });
  assertError(r, 'bad_request', { field: 'roles', what: 'role king' });
  c.close();
});

test('duplicate keys in a JSON object are refused with bad_request', async () => {
  const c = await d.admin();
  const before = await c.call('invite.list', { coalition: 'envelope' });
  const text = '{"id":120,"op":"member.invite","args":{"coalition":"envelope","email":"dup1@test.example",'
    + '"email":"dup2@test.example","name":"Dup","roles":["observer"]}}';
  const r = await c.sendAndWait(text);
  assertError(r, 'bad_request', { what: 'duplicate keys' });
  const afterList = await c.call('invite.list', { coalition: 'envelope' });
  assert.equal(afterList.invites.length, before.invites.length, 'duplicate-key request must change nothing');
  await stillWorks(c, 'after duplicate keys');
  c.close();
});

test('a request split into several WebSocket fragments is gathered and answered', async () => {
  const c = await d.admin();
  const text = JSON.stringify({ id: 130, op: 'coalition.get', args: { coalition: 'envelope' } });
  const p = new Promise((resolve) => {
    const iv = setInterval(() => {
      const m = c.messages.find((x) => x && x.id === 130);
      if (m) { clearInterval(iv); resolve(m); }
    }, 10);
  });
  await c.sendRaw(text.slice(0, 10), { fin: false });
  await sleep(50);
  await c.sendRaw(text.slice(10, 25), { fin: false });
  await sleep(50);
  await c.sendRaw(text.slice(25), { fin: true });
  const r = await p;
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.data.coalition.slug, 'envelope');
  c.close();
});

test('a large message under the limit (200 KiB) is answered, not closed', async () => {
  const c = await d.admin();
  const big = 'x'.repeat(200 * 1024);
  const r = await c.request('coalition.get', { coalition: 'envelope', padding: big });
  assert.equal(typeof r.ok, 'boolean', JSON.stringify(r).slice(0, 300));
  assert.equal(c.closeInfo, null);
  await stillWorks(c, 'after a 200 KiB message');
  c.close();
});

test('a 300 KiB message closes only that connection, with 1009', async () => {
  const bystander = await d.admin();
  const sub = await bystander.call('coalition.subscribe', { coalition: 'envelope' });
  assert.ok(Number.isInteger(sub.seq));
  const victim = await d.admin();
  const big = JSON.stringify({ id: 1, op: 'coalition.get', args: { coalition: 'envelope', padding: 'y'.repeat(300 * 1024) } });
  victim.ws.send(big, () => {});
  const info = await victim.waitClose(10000);
  assert.equal(info.code, 1009, `close code after 300 KiB message: ${JSON.stringify(info)}`);
  // The other connection keeps working, and so does the daemon.
  await stillWorks(bystander, 'bystander after 1009');
  const fresh = await d.admin();
  await stillWorks(fresh, 'new connection after 1009');
  const h = await fetch(`${d.base}/healthz`);
  assert.equal(h.status, 200);
  // The bystander still receives live events.
  const ana = co.members.ana;
  await bystander.call('member.set_roles', { coalition: 'envelope', member: ana.id, roles: ['provider', 'observer'] });
  const ev = await bystander.waitEvent((e) => e.event === 'member.updated' && e.coalition === 'envelope');
  assert.equal(ev.data.member.id, ana.id);
  await bystander.call('member.set_roles', { coalition: 'envelope', member: ana.id, roles: ['provider'] });
  bystander.close();
  fresh.close();
});

test('a 300 KiB message sent in small fragments also closes with 1009 (every time)', async () => {
  // Repeated: a close frame that only sometimes goes out is still a bug.
  const codes = [];
  for (let round = 0; round < 12; round++) {
    const victim = await d.admin();
    const chunk = 'z'.repeat(16 * 1024);
    try {
      await victim.sendRaw('{"id":1,"op":"coalition.get","args":{"coalition":"envelope","padding":"', { fin: false });
      for (let i = 0; i < 19 && victim.isOpen; i++) {
        await victim.sendRaw(chunk, { fin: false });
      }
      if (victim.isOpen) await victim.sendRaw('"}}', { fin: true });
    } catch {
      // the server may close while we are still sending
    }
    const info = await victim.waitClose(10000);
    codes.push(info.code);
  }
  assert.deepEqual(codes, codes.map(() => 1009), `close codes after fragmented 300 KiB messages: ${JSON.stringify(codes)}`);
  const other = await d.admin();
  await stillWorks(other, 'after fragmented 1009');
  other.close();
});

test('invalid UTF-8 in a text frame closes the connection with 1007', async () => {
  const bystander = await d.admin();
  const c = await d.admin();
  const bad = Buffer.concat([
    Buffer.from('{"id":1,"op":"coalition.get","args":{"coalition":"env'),
    Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    Buffer.from('"}}'),
  ]);
  c.ws.send(bad, { binary: false }, () => {});
  const info = await c.waitClose(10000);
  assert.equal(info.code, 1007, `close code after invalid UTF-8: ${JSON.stringify(info)}`);
  await stillWorks(bystander, 'bystander after 1007');
  bystander.close();
});

test('many requests in flight on one connection all get their own replies', async () => {
  const c = await d.admin();
  const ids = Array.from({ length: 50 }, (_, i) => 1000 + i);
  const replies = await Promise.all(ids.map((id) => c.request('coalition.get', { coalition: 'envelope' }, { id })));
  replies.forEach((r, i) => {
    assert.equal(r.id, ids[i]);
    assert.equal(r.ok, true);
  });
  c.close();
});

test('--max-message lowers the limit', async () => {
  const small = await startDaemon({ args: ['--max-message', '4096'] });
  try {
    const c = await small.admin();
    const r = await c.request('coalition.list', { padding: 'a'.repeat(1000) });
    assert.equal(typeof r.ok, 'boolean');
    assert.equal(c.closeInfo, null);
    c.ws.send(JSON.stringify({ id: 9, op: 'coalition.list', args: { padding: 'b'.repeat(8192) } }), () => {});
    const info = await c.waitClose(10000);
    assert.equal(info.code, 1009, `close code over --max-message: ${JSON.stringify(info)}`);
    const c2 = await small.admin();
    const ok = await c2.request('coalition.list', {});
    assert.equal(ok.ok, true);
  } finally {
    await small.close();
  }
});

test('strings over their length limit and empty required strings get bad_request with the field', async () => {
  const c = await d.admin();
  const cases = [
    ['coalition.create', { slug: 'longname', name: 'n'.repeat(100 * 1024) }, 'name'],
    ['coalition.create', { slug: `a${'b'.repeat(200)}`, name: 'Long slug' }, 'slug'],
    ['coalition.create', { slug: '', name: 'Empty slug' }, 'slug'],
    ['member.invite', { coalition: 'envelope', email: `${'e'.repeat(5000)}@test.example`, name: 'Long email', roles: ['observer'] }, 'email'],
    ['member.invite', { coalition: 'envelope', email: '', name: 'Empty email', roles: ['observer'] }, 'email'],
    ['member.invite', { coalition: 'envelope', email: 'ok-name@test.example', name: 'x'.repeat(100 * 1024), roles: ['observer'] }, 'name'],
  ];
  for (const [op, args, field] of cases) {
    const r = await c.request(op, args);
    const what = `${op} ${field} ${JSON.stringify(args).slice(0, 80)}`;
    // Over-long strings may be reported as too_large; empty ones are bad_request.
    const tooLong = String(args[field]).length > 0;
    assertError(r, tooLong && r.error?.code === 'too_large' ? 'too_large' : 'bad_request', { field, what });
  }
  const list = await c.call('coalition.list', {});
  assert.ok(!list.coalitions.some((x) => x.slug === 'longname'), 'a refused create changed something');
  await stillWorks(c, 'after long strings');
  c.close();
});

test('a slug that is not URL-safe is refused with bad_request field slug', async () => {
  const c = await d.admin();
  for (const slug of ['../evil', 'a/b', 'with space', 'UPPER', 'x', 'semi;colon', 'dot.git', '-lead']) {
    const r = await c.request('coalition.create', { slug, name: 'Bad Slug' });
    assertError(r, 'bad_request', { field: 'slug', what: `slug ${JSON.stringify(slug)}` });
  }
  c.close();
});

test('an id argument that is a fraction or out of range gets bad_request', async () => {
  const c = await d.admin();
  const ana = co.members.ana;
  for (const member of [ana.id + 0.5, 1e300, -1, true]) {
    const r = await c.request('member.set_roles', { coalition: 'envelope', member, roles: ['provider'] });
    assert.equal(r.ok, false, `member ${member}: ${JSON.stringify(r)}`);
    assert.ok(['bad_request', 'not_found'].includes(r.error.code), `member ${member}: ${JSON.stringify(r)}`);
    if (typeof member !== 'number' || !Number.isInteger(member) || member > 2 ** 53) {
      assertError(r, 'bad_request', { field: 'member', what: `member ${member}` });
    }
  }
  c.close();
});

test('a NUL character in a string is refused, not truncated', async () => {
  const c = await d.admin();
  const text = '{"id":140,"op":"coalition.create","args":{"slug":"nul-test","name":"Before\\u0000After"}}';
  const r = await c.sendAndWait(text);
  assertError(r, 'bad_request', { what: 'NUL in a string' });
  const list = await c.call('coalition.list', {});
  assert.ok(!list.coalitions.some((x) => x.slug === 'nul-test'));
  await stillWorks(c, 'after NUL');
  c.close();
});

test('deeply nested JSON is refused, not a crash', async () => {
  const c = await d.admin();
  const depth = 100000;
  const text = `{"id":141,"op":"coalition.list","args":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
  const r = await c.sendAndWait(text);
  assertError(r, 'bad_request', { what: 'nesting' });
  await stillWorks(c, 'after deep nesting');
  c.close();
});

test('a request with a very large integer id or a string id is still answered', async () => {
  const c = await d.admin();
  // Not named by the contract: only that the daemon answers and carries on.
  const r1 = await c.sendAndWait('{"id":"abc","op":"coalition.get","args":{"coalition":"envelope"}}');
  assert.equal(typeof r1.ok, 'boolean', JSON.stringify(r1));
  const r2 = await c.sendAndWait('{"id":123456789012345678901234567890,"op":"coalition.get","args":{"coalition":"envelope"}}');
  assert.equal(typeof r2.ok, 'boolean', JSON.stringify(r2));
  await stillWorks(c, 'after odd ids');
  c.close();
});
