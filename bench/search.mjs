// Search cost, before and after issue 22 (items 1 and 4). Figures are
// reported, never asserted. RT_BIN=path/to/roundtable node bench/search.mjs
//
//  - scope: a member of beta searches a word absent from beta but used in
//    2,000 of valley's messages, against a word used nowhere;
//  - hostile: one 60 KB message of 8,500 distinct words starting with `l`,
//    then `l*`, `la*`, `laa*`; one message of a word repeated 21,000 times.

import { startDaemon, makeCoalition } from '../tests/protocol/lib.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(client, args, n) {
  const ms = [];
  let outcome = 'ok';
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await client.request('search', args, { timeoutMs: 600000 });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!r.ok) outcome = r.error.code;
  }
  return { ms: median(ms), outcome };
}

const d = await startDaemon();
try {
  const valley = await makeCoalition(d, { members: [{ key: 'pat', roles: ['parent'] }] });
  const beta = await makeCoalition(d, { admin: valley.admin, members: [{ key: 'bea', roles: ['provider'] }] });
  const pat = valley.members.pat.client;
  const bea = beta.members.bea.client;
  const { thread } = await pat.call('thread.create', { coalition: valley.slug, title: 'Private', body: 'Opening' });
  for (let i = 0; i < 2000; i += 100) {
    const p = [];
    for (let k = i; k < i + 100; k++) p.push(pat.call('message.post', { thread: thread.id, body: `valleysecret note ${k}` }));
    await Promise.all(p);
  }
  await bea.call('thread.create', { coalition: beta.slug, title: 'Ours', body: 'Our own words' });
  for (let i = 0; i < 20; i++) await bea.request('search', { coalition: beta.slug, q: 'warmup' });
  const used = await timed(bea, { coalition: beta.slug, q: 'valleysecret' }, 400);
  const unused = await timed(bea, { coalition: beta.slug, q: 'nowhereword' }, 400);
  console.log(`scope: beta searches a word in 2,000 of valley's messages: median ${used.ms.toFixed(3)} ms; an unused word: ${unused.ms.toFixed(3)} ms`);

  const words = [];
  for (let i = 0; words.length < 8500; i++) {
    let w = '';
    for (let k = 0, n = i; k < 6; k++, n = Math.floor(n / 26)) w = String.fromCharCode(97 + (n % 26)) + w;
    words.push(`l${w}`);
  }
  await pat.call('message.post', { thread: thread.id, body: words.join(' ').slice(0, 60000) });
  for (const q of ['l*', 'la*', 'laa*']) {
    const r = await timed(pat, { coalition: valley.slug, q, limit: 1 }, 3);
    console.log(`hostile: 8,500 l-words, search ${q}: median ${r.ms.toFixed(1)} ms (${r.outcome})`);
  }
  await pat.call('message.post', { thread: thread.id, body: 'ab '.repeat(21000) });
  const rep = await timed(pat, { coalition: valley.slug, q: 'ab', limit: 1 }, 3);
  console.log(`hostile: one word 21,000 times, search it: median ${rep.ms.toFixed(1)} ms (${rep.outcome})`);
} finally {
  await d.close();
}
