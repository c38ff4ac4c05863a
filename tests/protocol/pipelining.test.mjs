// Pipelining (issue 22 item 2): a client that sends many requests with big
// replies and reads them slowly is slowed (the daemon stops reading its
// socket while its queue is full), never cut off; every reply arrives, in
// order. mou.diff's bound (issue 22 item 2): a diff over too many lines is
// too_large. A client that stops reading while events are sent to it is still
// cut off: tests/protocol/fanout.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, makeCoalition } from './lib.mjs';

let d;
let V;

before(async () => {
  // Requests of ~400 KB (190 KiB bodies, mostly quotes): past the default 256 KiB.
  d = await startDaemon({ args: ['--max-message', '1048576'] });
  V = await makeCoalition(d, { members: [{ key: 'hub', roles: ['hub'], organization: 'Hub Org' }] });
});

after(async () => {
  await d?.close();
});

// A text of `lines` lines of `width` bytes, mostly quotes (each one is two
// bytes in the JSON reply), different for each seed.
function text(seed, lines, width) {
  const out = [];
  for (let i = 0; i < lines; i++) out.push(`${seed} ${i} `.padEnd(width, '"'));
  return out.join('\n') + '\n';
}

test('40 pipelined diffs of ~1.5 MB, read slowly: every reply, in order, no close', async () => {
  const hub = V.members.hub.client;
  // Two versions of ~190 KiB each, every line changed: within mou.diff's bound.
  const a = text('first', 190, 1000);
  const b = text('second', 190, 1000);
  const c = await hub.call('mou.create', { coalition: V.slug, title: 'Big', body: a });
  const s = await hub.call('mou.save', { mou: c.mou.id, base: c.commit, body: b });
  const one = await hub.request('mou.diff', { mou: c.mou.id, from: c.commit, to: s.commit });
  assert.equal(one.ok, true);
  const size = JSON.stringify(one).length;
  assert.ok(size > 1.2e6, `a reply is big (${size} bytes)`);

  // The client stops reading, pipelines 40 diffs (~60 MB of replies, past the
  // 16 MiB queue bound), then reads them a chunk at a time.
  const sock = hub.ws._socket;
  sock.pause();
  const n = 40;
  const replies = [];
  for (let i = 0; i < n; i++) {
    replies.push(hub.request('mou.diff', { mou: c.mou.id, from: c.commit, to: s.commit }, { timeoutMs: 120000 }));
  }
  // Another client is served meanwhile.
  const other = await d.connect();
  await other.call('auth.resume', { token: V.members.hub.token });
  await other.call('mou.get', { mou: c.mou.id });
  // Slow reading: one chunk, then a pause of a few milliseconds.
  const slow = () => { sock.pause(); setTimeout(() => sock.resume(), 3).unref(); };
  sock.on('data', slow);
  sock.resume();
  const got = await Promise.all(replies);
  sock.off('data', slow);
  sock.resume();
  for (const r of got) {
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.data.diff, one.data.diff);
  }
  const ids = hub.messages.filter((m) => 'ok' in m).map((m) => m.id);
  const sent = ids.slice(-n);
  for (let i = 1; i < n; i++) assert.ok(sent[i] > sent[i - 1], `replies in order: ${sent.join(',')}`);
  assert.equal(hub.closeInfo, null, 'the connection stayed open');
  // It is still served.
  await hub.call('mou.list', { coalition: V.slug });
});

test('mou.diff over more lines than its bound is too_large (field to); smaller ones work', async () => {
  const hub = await d.connect();
  await hub.call('auth.resume', { token: V.members.hub.token });
  const a = text('a', 4100, 8);
  const b = text('b', 4100, 8);
  const c = await hub.call('mou.create', { coalition: V.slug, title: 'Many lines', body: a });
  const s = await hub.call('mou.save', { mou: c.mou.id, base: c.commit, body: b });
  const r = await hub.expectError('mou.diff', { mou: c.mou.id, from: c.commit, to: s.commit }, 'too_large', { field: 'to' });
  assert.match(r.error.message, /8200 lines/);
  // 6,000 lines in all are within the bound.
  const t = await hub.call('mou.save', { mou: c.mou.id, base: s.commit, body: text('b', 3000, 8) });
  const ok = await hub.call('mou.diff', { mou: c.mou.id, from: t.commit, to: t.commit });
  assert.equal(ok.diff, '');
  assert.equal(ok.redline.length, 3000);
  // The daemon keeps serving.
  await hub.call('mou.list', { coalition: V.slug });
});
