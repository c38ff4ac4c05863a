// mou.diff's cost on the event loop, before and after its bound (issue 22
// item 2). Figures are reported, never asserted.
// RT_BIN=path/to/roundtable node bench/diff.mjs
//
//  - short: two 192 KiB versions of ~16,000 short lines each, every line
//    changed (what the outside pass sent; over the bound now: too_large);
//  - bound: two 192 KiB versions of 3,999 lines each, every line changed:
//    the worst diff the bound (8,000 lines, 384 KiB in all) lets through.
// For each: the median time of one diff (it runs on the loop: the loop's
// turn), the reply's size, and the slowest /healthz while 40 diffs are
// pipelined over 4 connections.

import { startDaemon, makeCoalition } from '../tests/protocol/lib.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function text(seed, lines, bytes) {
  const out = [];
  const width = Math.floor(bytes / lines) - 1;
  for (let i = 0; i < lines; i++) out.push(`${seed}${i} `.padEnd(width, seed));
  return out.join('\n') + '\n';
}

const d = await startDaemon();
try {
  const co = await makeCoalition(d, { members: [{ key: 'hub', roles: ['hub'], organization: 'Hub Org' }] });
  const hub = co.members.hub;
  const clients = [hub.client];
  for (let i = 0; i < 3; i++) {
    const c = await d.connect();
    await c.call('auth.resume', { token: hub.token });
    clients.push(c);
  }
  for (const [name, lines] of [['short', 16000], ['bound', 3999]]) {
    const a = text('a', lines, 192 * 1024);
    const b = text('b', lines, 192 * 1024);
    const m = await hub.client.call('mou.create', { coalition: co.slug, title: name, body: a });
    const s = await hub.client.call('mou.save', { mou: m.mou.id, base: m.commit, body: b });
    const args = { mou: m.mou.id, from: m.commit, to: s.commit };
    const ms = [];
    let r;
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      r = await hub.client.request('mou.diff', args, { timeoutMs: 600000 });
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const outcome = r.ok ? 'ok' : r.error.code;
    const size = JSON.stringify(r).length;
    let done = false;
    const pending = [];
    for (let i = 0; i < 40; i++) pending.push(clients[i % 4].request('mou.diff', args, { timeoutMs: 600000 }));
    const all = Promise.all(pending).then(() => { done = true; });
    let worst = 0;
    while (!done) {
      const t0 = process.hrtime.bigint();
      await fetch(`${d.base}/healthz`);
      worst = Math.max(worst, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    await all;
    console.log(`diff_${name} lines=${lines}x2 bytes=${a.length + b.length} outcome=${outcome} ` +
      `diff_ms=${median(ms).toFixed(1)} reply_bytes=${size} healthz_worst_ms_40_pipelined=${worst.toFixed(1)}`);
  }
} finally {
  await d.close();
}
