// Search cost and scope (issue 22 items 1 and 4): a member's search reads
// only their own coalition's part of the index, prefixes are bounded (at
// least 2 letters; a longer prefix expanding to more than 500 words is
// too_large), and snippets cost time linear in the message: one hostile
// message (thousands of distinct words with one initial, or one word
// repeated 30,000 times) no longer costs seconds of the event loop.
// No timing is asserted; bench/search.mjs reports the figures.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, makeCoalition } from './lib.mjs';

let d;
let valley;
let beta;

before(async () => {
  d = await startDaemon();
  valley = await makeCoalition(d, { members: [{ key: 'pat', roles: ['parent'] }] });
  beta = await makeCoalition(d, { admin: valley.admin, members: [{ key: 'bea', roles: ['provider'] }] });
});

after(async () => { if (d) await d.close(); });

/** count distinct lowercase words of `len` letters after `stem`, space-separated. */
function distinctWords(stem, count, len = 3) {
  const out = [];
  for (let i = 0; out.length < count; i++) {
    let w = '';
    for (let k = 0, n = i; k < len; k++, n = Math.floor(n / 26)) w = String.fromCharCode(97 + (n % 26)) + w;
    out.push(stem + w);
  }
  return out.join(' ');
}

test('a hostile message costs a search no more than its own size', async () => {
  const pat = valley.members.pat.client;
  const { thread } = await pat.call('thread.create', { coalition: valley.slug, title: 'Words', body: 'Opening' });
  // ~8,500 distinct words starting with l, 60 KB: "l*" took 5-6.7 s.
  const body = distinctWords('l', 8500, 6).slice(0, 60000);
  await pat.call('message.post', { thread: thread.id, body });
  await pat.expectError('search', { coalition: valley.slug, q: 'l*', limit: 1 }, 'bad_request', { field: 'q' });
  await pat.expectError('search', { coalition: valley.slug, q: 'budget l*' }, 'bad_request', { field: 'q' });
  for (const q of ['la*', 'laa*']) {
    const r = await pat.call('search', { coalition: valley.slug, q, limit: 1 });
    assert.equal(r.hits.length, 1, q);
    assert.ok(r.hits[0].snippet.length < 600, `${q}: a short snippet, got ${r.hits[0].snippet.length} chars`);
    assert.match(r.hits[0].snippet, /<mark>la/);
  }
  // 4 letters and more expand over the coalition's words: at most 500.
  await pat.call('message.post', { thread: thread.id, body: distinctWords('mmmm', 700) });
  await pat.expectError('search', { coalition: valley.slug, q: 'mmmm*' }, 'too_large', { field: 'q' });
  assert.equal((await pat.call('search', { coalition: valley.slug, q: 'mmmmb*' })).hits.length, 1);
  // One word 30,000 times: FTS5's snippet() is quadratic in the matches.
  await pat.call('message.post', { thread: thread.id, body: 'ab '.repeat(21000) });
  const r = await pat.call('search', { coalition: valley.slug, q: 'ab' });
  assert.equal(r.hits.length, 1);
  assert.match(r.hits[0].snippet, /^<mark>ab<\/mark> <mark>ab<\/mark>/);
  assert.ok(r.hits[0].snippet.split('<mark>').length <= 17, r.hits[0].snippet);
});

test('search never reaches another coalition: a word used 2,000 times in valley is absent for beta', async () => {
  const pat = valley.members.pat.client;
  const bea = beta.members.bea.client;
  const { thread } = await pat.call('thread.create', { coalition: valley.slug, title: 'Private', body: 'Opening' });
  for (let i = 0; i < 2000; i += 100) {
    const posts = [];
    for (let k = i; k < i + 100; k++) posts.push(pat.call('message.post', { thread: thread.id, body: `valleysecret note ${k}` }));
    await Promise.all(posts);
  }
  const { thread: bt } = await bea.call('thread.create', { coalition: beta.slug, title: 'Ours', body: 'valleyside betaword' });
  for (const q of ['valleysecret', 'valleys*', 'val*', 'va*', 'note', 'opening valleysecret']) {
    const r = await bea.call('search', { coalition: beta.slug, q });
    for (const h of r.hits) assert.equal(h.thread.id, bt.id, `${q}: only beta's own messages`);
    assert.ok(!JSON.stringify(r).includes('valleysecret'), `${q}: nothing of valley`);
  }
  assert.equal((await bea.call('search', { coalition: beta.slug, q: 'vall*' })).hits.length, 1);
  assert.equal((await pat.call('search', { coalition: valley.slug, q: 'valleysecret', limit: 100 })).hits.length, 100);
  assert.equal((await pat.call('search', { coalition: valley.slug, q: 'betaword' })).hits.length, 0);
  await bea.expectError('search', { coalition: valley.slug, q: 'valleysecret' }, 'not_found');
});
