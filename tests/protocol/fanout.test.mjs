// Fan-out under a subscriber that stops reading: it is cut off at its queue
// bound instead of growing the daemon's memory, and the other subscribers
// keep receiving every event promptly.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BIN, startDaemon, makeCoalition } from './lib.mjs';

let d;
after(async () => { if (d) await d.stop(); });

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

test('a subscriber that never reads is cut off at its queue bound; the others keep up', async () => {
  d = await startDaemon();
  const co = await makeCoalition(d, { members: [{ key: 'ana' }, { key: 'slow' }, { key: 'fast' }] });
  const { ana, slow, fast } = co.members;
  await slow.client.call('coalition.subscribe', { coalition: co.slug });
  await fast.client.call('coalition.subscribe', { coalition: co.slug });
  const opened = await ana.client.call('thread.create', { coalition: co.slug, title: 'Big room', body: 'hi' });
  const thread = opened.thread;
  const posted = (e) => e.event === 'message.created' && e.data.message.id !== opened.message.id;

  // The slow client stops reading from its socket: the kernel buffers fill, then the daemon's queue.
  slow.client.ws._socket.pause();
  const before = rssKiB(d.proc.pid);
  const body = 'All of us, together. '.repeat(3000); // ~63 KiB of markdown, ~130 KiB per event with its html
  const n = 220; // ~28 MiB of events: past the 16 MiB queue bound plus the socket buffers
  let lastSeq = 0;
  for (let i = 0; i < n; i++) {
    const r = await ana.client.call('message.post', { thread: thread.id, body: `${i} ${body}` });
    lastSeq = r.message.id;
  }
  // The fast subscriber received every message, in order.
  const seen = await fast.client.waitEvent(
    (e) => e.event === 'message.created' && e.data.message.id === lastSeq, 20000);
  assert.ok(seen, 'the fast subscriber got the last message');
  const created = fast.client.events.filter(posted);
  assert.equal(created.length, n, 'the fast subscriber got every message');

  // The daemon let go of the slow one rather than holding its backlog.
  const metrics = await (await fetch(`${d.base}/metrics`)).text();
  const drops = Number(/^roundtable_queue_drops_total (\d+)/m.exec(metrics)[1]);
  assert.ok(drops >= 1, `a client was cut off (drops=${drops})`);
  // Resident memory says nothing under AddressSanitizer (its quarantine keeps
  // freed memory), so the bound is checked on the plain build only.
  if (!/[/]san[/]/.test(BIN)) {
    const grew = rssKiB(d.proc.pid) - before;
    assert.ok(grew < 48 * 1024, `the daemon's memory grew by ${grew} KiB, not by the whole backlog`);
  }
  slow.client.ws._socket.resume();
  await slow.client.waitClose(10000);

  // It reconnects and catches up with since.
  const again = await d.connect();
  await again.call('auth.resume', { token: slow.token });
  const sub = await again.call('coalition.subscribe', { coalition: co.slug, since: 0 });
  const last = await again.waitEvent((e) => e.seq === sub.seq, 20000);
  assert.ok(last);
  assert.equal(again.events.filter(posted).length, n,
    'after reconnecting with since it has every message');
  const start = Date.now();
  await fast.client.call('coalition.get', { coalition: co.slug });
  assert.ok(Date.now() - start < 2000, 'the others are still served promptly');
});
