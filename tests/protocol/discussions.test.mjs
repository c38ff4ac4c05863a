// Discussions, black box: threads, messages, pages, unread counts, edits and
// their history, tombstones, anonymity (every frame checked for the author),
// mentions, search (ranking, snippets, hostile queries), roles, coalition
// boundaries and live fan-out to other subscribers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, makeCoalition, collectUntilSeq, assertStrictlyIncreasing, unique, sqlite, dbPath,
} from './lib.mjs';

let d;
let co;
let other;
const SLUG = 'disc';

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: SLUG,
    members: [
      { key: 'ana', name: 'Ana Ruiz', roles: ['provider'], organization: 'Sunrise' },
      { key: 'dee', name: 'Dee Williams', roles: ['provider'], organization: 'Little Steps' },
      { key: 'tom', name: 'Tom Nguyen', roles: ['design_team'] },
      { key: 'olga', name: 'Olga Observer', roles: ['observer'] },
    ],
  });
  other = await makeCoalition(d, {
    slug: 'disc-other',
    admin: co.admin,
    members: [{ key: 'stan', name: 'Stan Stranger', roles: ['convener'] }],
  });
});

after(async () => {
  if (d) await d.close();
});

const ana = () => co.members.ana.client;
const dee = () => co.members.dee.client;
const tom = () => co.members.tom.client;
const olga = () => co.members.olga.client;
const stan = () => other.members.stan.client;
const conv = () => co.admin;

async function newThread(c = ana(), extra = {}) {
  return c.call('thread.create', { coalition: SLUG, title: unique('Thread '), body: 'Opening words', ...extra });
}

async function subscribed(member) {
  const c = await d.connect();
  await c.call('auth.resume', { token: member.token });
  await c.call('coalition.subscribe', { coalition: SLUG });
  return c;
}

function unreadOf(list, id) {
  const t = list.threads.find((x) => x.id === id);
  assert.ok(t, `thread ${id} in ${JSON.stringify(list)}`);
  return t.unread;
}

test('thread.create and message.post reply with body + html and reach a second subscriber live', async () => {
  const watcher = await subscribed(co.members.dee);
  const from = watcher.events.length;
  const r = await ana().call('thread.create', {
    coalition: SLUG, title: 'Which services first?', body: 'Billing **first**? <script>alert(1)</script>',
  });
  assert.equal(r.thread.title, 'Which services first?');
  assert.equal(r.thread.allow_anonymous, true);
  assert.equal(r.thread.message_count, 1);
  assert.equal(r.message.thread, r.thread.id);
  assert.deepEqual(r.message.author, { id: co.members.ana.id, name: 'Ana Ruiz' });
  assert.equal(r.message.anonymous, false);
  assert.equal(r.message.mine, true);
  assert.match(r.message.html, /<strong>first<\/strong>/);
  assert.doesNotMatch(r.message.html, /<script/i);
  assert.equal(typeof r.message.created_at, 'string');

  const created = await watcher.waitEvent((e) => e.event === 'thread.created' && e.data.thread.id === r.thread.id, 5000, { from });
  assert.equal(created.coalition, SLUG);
  assert.equal(created.data.thread.title, 'Which services first?');
  assert.equal(created.data.thread.unread, undefined, 'no per-member state in a shared event');
  const first = await watcher.waitEvent((e) => e.event === 'message.created' && e.data.message.id === r.message.id, 5000, { from });
  assert.equal(first.data.message.mine, undefined, 'events never carry mine');
  assert.ok(first.seq > created.seq);

  const p = await dee().call('message.post', { thread: r.thread.id, body: 'Purchasing for homes', reply_to: r.message.id });
  assert.equal(p.message.reply_to, r.message.id);
  assert.equal(p.message.author.name, 'Dee Williams');
  const live = await watcher.waitEvent((e) => e.event === 'message.created' && e.data.message.id === p.message.id, 5000, { from });
  assert.equal(live.data.message.body, 'Purchasing for homes');
  assert.equal(live.data.message.html, '<p>Purchasing for homes</p>');

  // The same events again after a reconnect, in order, exactly once.
  const late = await d.connect();
  await late.call('auth.resume', { token: co.members.tom.token });
  const sub = await late.call('coalition.subscribe', { coalition: SLUG, since: created.seq - 1 });
  const replayed = await collectUntilSeq(late, SLUG, sub.seq);
  assertStrictlyIncreasing(replayed, 'replay');
  const mine = replayed.filter((e) => [created.seq, first.seq, live.seq].includes(e.seq));
  assert.deepEqual(mine.map((e) => e.event), ['thread.created', 'message.created', 'message.created']);
  watcher.close();
  late.close();
});

test('thread.get pages by message id: newest page first, oldest to newest inside, more flag', async () => {
  const { thread, message: first } = await newThread();
  const ids = [first.id];
  for (let i = 1; i <= 129; i++) {
    const m = await (i % 2 ? ana() : dee()).call('message.post', { thread: thread.id, body: `message ${i}` });
    ids.push(m.message.id);
  }
  const p1 = await olga().call('thread.get', { thread: thread.id });
  assert.equal(p1.messages.length, 50, 'limit defaults to 50');
  assert.deepEqual(p1.messages.map((m) => m.id), ids.slice(80));
  assert.equal(p1.more, true);
  assert.equal(p1.thread.message_count, 130);
  const p2 = await olga().call('thread.get', { thread: thread.id, before: p1.messages[0].id, limit: 50 });
  assert.deepEqual(p2.messages.map((m) => m.id), ids.slice(30, 80));
  assert.equal(p2.more, true);
  const p3 = await olga().call('thread.get', { thread: thread.id, before: p2.messages[0].id, limit: 50 });
  assert.deepEqual(p3.messages.map((m) => m.id), ids.slice(0, 30));
  assert.equal(p3.more, false);
  const big = await olga().call('thread.get', { thread: thread.id, limit: 200 });
  assert.equal(big.messages.length, 130);
  assert.equal(big.more, false);
  await olga().expectError('thread.get', { thread: thread.id, limit: 201 }, 'bad_request', { field: 'limit' });
  await olga().expectError('thread.get', { thread: thread.id, limit: 0 }, 'bad_request', { field: 'limit' });
  await olga().expectError('thread.get', { thread: thread.id, before: 'x' }, 'bad_request', { field: 'before' });
});

test('unread counts per member and thread.read markers', async () => {
  const { thread, message: first } = await newThread(ana());
  const m2 = (await dee().call('message.post', { thread: thread.id, body: 'two' })).message;
  const m3 = (await dee().call('message.post', { thread: thread.id, body: 'three' })).message;
  assert.equal(unreadOf(await ana().call('thread.list', { coalition: SLUG }), thread.id), 2, 'her own message is not unread');
  assert.equal(unreadOf(await tom().call('thread.list', { coalition: SLUG }), thread.id), 3);
  const read = await tom().call('thread.read', { thread: thread.id, upto: m2.id });
  assert.equal(read.thread.unread, 1);
  assert.equal(read.thread.read_upto, m2.id);
  assert.equal(unreadOf(await tom().call('thread.list', { coalition: SLUG }), thread.id), 1);
  // Never backwards.
  await tom().call('thread.read', { thread: thread.id, upto: m3.id });
  const back = await tom().call('thread.read', { thread: thread.id, upto: first.id });
  assert.equal(back.thread.read_upto, m3.id);
  assert.equal(back.thread.unread, 0);
  // Other members' markers are theirs.
  assert.equal(unreadOf(await conv().call('thread.list', { coalition: SLUG }), thread.id), 3);
  const g = await tom().call('thread.get', { thread: thread.id });
  assert.equal(g.thread.unread, 0);
  // A message of another thread is not a marker here.
  const t2 = await newThread(ana());
  await tom().expectError('thread.read', { thread: thread.id, upto: t2.message.id }, 'bad_request', { field: 'upto' });
  await tom().expectError('thread.read', { thread: thread.id, upto: 99999999 }, 'bad_request', { field: 'upto' });
  // thread.list orders by latest activity.
  const list = await tom().call('thread.list', { coalition: SLUG });
  assert.equal(list.threads[0].id, t2.thread.id);
  for (const t of list.threads) {
    for (const k of ['id', 'title', 'message_count', 'last_message_at', 'unread']) assert.ok(k in t, `${k} in ${JSON.stringify(t)}`);
  }
});

test('message.edit keeps the history; message.history shows it; only the author edits', async () => {
  const watcher = await subscribed(co.members.tom);
  const { thread } = await newThread(ana());
  const m = (await dee().call('message.post', { thread: thread.id, body: 'Draft *one*' })).message;
  await ana().expectError('message.edit', { message: m.id, body: 'hijack' }, 'forbidden');
  await conv().expectError('message.edit', { message: m.id, body: 'hijack' }, 'forbidden');
  await dee().expectError('message.edit', { message: m.id, body: '   ' }, 'bad_request', { field: 'body' });
  const e1 = await dee().call('message.edit', { message: m.id, body: 'Draft two' });
  assert.equal(e1.message.body, 'Draft two');
  assert.equal(e1.message.html, '<p>Draft two</p>');
  assert.equal(typeof e1.message.edited_at, 'string');
  const ev = await watcher.waitEvent((e) => e.event === 'message.edited' && e.data.message.id === m.id);
  assert.equal(ev.data.message.body, 'Draft two');
  await dee().call('message.edit', { message: m.id, body: 'Final' });
  const h = await olga().call('message.history', { message: m.id });
  assert.equal(h.message.body, 'Final');
  assert.deepEqual(h.versions.map((v) => v.body), ['Draft *one*', 'Draft two', 'Final']);
  assert.equal(h.versions[0].html, '<p>Draft <em>one</em></p>');
  for (const v of h.versions) assert.equal(typeof v.at, 'string');
  // A refused edit changed nothing.
  const g = await ana().call('thread.get', { thread: thread.id });
  assert.equal(g.messages.find((x) => x.id === m.id).body, 'Final');
  watcher.close();
});

test('message.delete leaves a tombstone in place; author or convener only', async () => {
  const watcher = await subscribed(co.members.olga);
  const { thread } = await newThread(ana());
  const a = (await dee().call('message.post', { thread: thread.id, body: 'to be removed' })).message;
  const reply = (await ana().call('message.post', { thread: thread.id, body: 'a reply', reply_to: a.id })).message;
  const b = (await dee().call('message.post', { thread: thread.id, body: 'convener removes this' })).message;
  await ana().expectError('message.delete', { message: a.id }, 'forbidden');
  await olga().expectError('message.delete', { message: a.id }, 'forbidden');
  const del = await dee().call('message.delete', { message: a.id });
  assert.equal(del.message.deleted, true);
  assert.equal(del.message.body, '');
  assert.equal(del.message.html, '');
  const ev = await watcher.waitEvent((e) => e.event === 'message.deleted' && e.data.message.id === a.id);
  assert.equal(ev.data.deleted_by, 'author');
  assert.equal(ev.data.message.body, '');
  const byConv = await conv().call('message.delete', { message: b.id });
  assert.equal(byConv.message.deleted, true);
  const ev2 = await watcher.waitEvent((e) => e.event === 'message.deleted' && e.data.message.id === b.id);
  assert.equal(ev2.data.deleted_by, 'convener');
  const g = await ana().call('thread.get', { thread: thread.id });
  assert.deepEqual(g.messages.map((m) => m.id), [g.messages[0].id, a.id, reply.id, b.id], 'tombstones keep their place');
  assert.equal(g.messages[1].deleted, true);
  assert.equal(g.messages[2].reply_to, a.id, 'the reply still points at it');
  assert.equal(g.thread.message_count, 2, 'tombstones are not counted');
  await dee().expectError('message.edit', { message: a.id, body: 'back' }, 'conflict');
  const h = await ana().call('message.history', { message: a.id });
  assert.deepEqual(h.versions, []);
  // Deleting again changes nothing and appends no event.
  const before = watcher.events.length;
  await dee().call('message.delete', { message: a.id });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(watcher.events.slice(before).filter((e) => e.event === 'message.deleted').length, 0);
  watcher.close();
});

test('anonymous messages name their author in no reply, event frame, search hit, history or audit entry', async () => {
  const dm = co.members.dee;
  const watchers = await Promise.all([co.members.ana, co.members.tom, co.members.olga, dm].map(subscribed));
  const convWatch = await d.connect();
  await convWatch.call('auth.resume', { token: (await d.admin()).token });
  await convWatch.call('coalition.subscribe', { coalition: SLUG });
  watchers.push(convWatch);
  const marks = watchers.map((w) => w.rawMessages.length);
  const { thread } = await newThread(ana());
  const secretWord = unique('zebracorn');
  const anonKey = unique('anon-key');
  // Idempotency records are found by a tag derived from the key (docs/protocol.md): count Dee's.
  const deeKeys = async () => (await sqlite(dbPath(d.dataDir), `SELECT count(*) FROM idempotency WHERE member_id = ${dm.id}`)).trim();
  const keysBefore = await deeKeys();
  const p = await dm.client.call('message.post', {
    thread: thread.id, body: `I worry about ${secretWord} and so should @Ana.Ruiz`, anonymous: true,
  }, { key: anonKey });
  assert.equal(p.message.author, null);
  assert.equal(p.message.anonymous, true);
  assert.equal(p.message.mine, true, 'the author alone learns it is theirs');
  const edited = await dm.client.call('message.edit', { message: p.message.id, body: `I worry about ${secretWord}, @Ana.Ruiz` });
  assert.equal(edited.message.author, null);
  // Others cannot act as its author.
  await ana().expectError('message.edit', { message: p.message.id, body: 'x' }, 'forbidden');
  await tom().expectError('message.delete', { message: p.message.id }, 'forbidden');
  // Ana is told of the mention, by nobody.
  const mention = await watchers[0].waitEvent((e) => e.event === 'mention' && e.data.message.id === p.message.id);
  assert.equal(mention.data.message.author, null);
  assert.equal(mention.data.thread.id, thread.id);
  await watchers[0].waitEvent((e) => e.event === 'message.edited' && e.data.message.id === p.message.id);
  // Tom was not mentioned: no mention event for him.
  await watchers[1].waitEvent((e) => e.event === 'message.edited' && e.data.message.id === p.message.id);
  assert.equal(watchers[1].events.some((e) => e.event === 'mention' && e.data.message.id === p.message.id), false);

  const views = [
    await ana().call('thread.get', { thread: thread.id }),
    await olga().call('search', { coalition: SLUG, q: secretWord }),
    await tom().call('message.history', { message: p.message.id }),
    await dm.client.call('thread.get', { thread: thread.id }),
  ];
  const hit = views[1].hits.find((x) => x.message.id === p.message.id);
  assert.ok(hit, `search finds the anonymous message: ${JSON.stringify(views[1])}`);
  assert.equal(hit.message.author, null);
  assert.equal(views[0].messages.find((m) => m.id === p.message.id).mine, false);
  assert.equal(views[3].messages.find((m) => m.id === p.message.id).mine, true);

  const del = await dm.client.call('message.delete', { message: p.message.id });
  assert.equal(del.message.author, null);
  await watchers[2].waitEvent((e) => e.event === 'message.deleted' && e.data.message.id === p.message.id);
  await new Promise((r) => setTimeout(r, 200));

  // Every frame any connection received since: no name, email or id of Dee as an author.
  const forbidden = ['Dee Williams', dm.email, 'Little Steps'];
  const texts = watchers.flatMap((w, i) => w.rawMessages.slice(marks[i]).map((m) => m.data.toString()))
    .concat(views.map((v) => JSON.stringify(v)));
  assert.ok(texts.length >= 12, `frames collected: ${texts.length}`);
  for (const t of texts) {
    for (const f of forbidden) assert.ok(!t.includes(f), `frame names the author (${f}): ${t}`);
    assert.ok(!new RegExp(`"author":\\{"id":${dm.id},`).test(t), `frame names the author by id: ${t}`);
  }
  for (const w of watchers) {
    for (const e of w.events.filter((x) => x.data?.message?.id === p.message.id)) {
      assert.equal(e.data.message.author, null, `${e.event} to ${w.member?.name}`);
    }
  }
  // The audit trail names no actor for these entries.
  const audit = await conv().call('audit.list', { coalition: SLUG, limit: 1000 });
  const seqs = new Set(watchers[0].events.filter((e) => e.data?.message?.id === p.message.id).map((e) => e.seq));
  const deleted = watchers[2].events.find((e) => e.event === 'message.deleted' && e.data.message.id === p.message.id);
  seqs.add(deleted.seq);
  // Entries by the seq subscribers saw; the mention (an event to one member,
  // with no seq of its own there) is the entry right after its message's.
  const shared = audit.entries.filter((e) => seqs.has('event_seq' in e ? e.event_seq : e.seq));
  const after = new Set(shared.map((e) => e.seq + 1));
  const entries = shared.concat(audit.entries.filter((e) => e.type === 'mention' && e.event_seq === null && after.has(e.seq)));
  assert.ok(entries.length >= 4, `audit entries of the anonymous message: ${JSON.stringify(entries)}`);
  for (const e of entries) assert.equal(e.actor, null, `audit entry ${JSON.stringify(e)}`);
  // In the database: no author column, no event actor, no idempotency row links Dee to it.
  const db = dbPath(d.dataDir);
  assert.equal((await sqlite(db, `SELECT count(*) FROM messages WHERE id = ${p.message.id} AND author_id IS NULL`)).trim(), '1');
  assert.equal(await deeKeys(), keysBefore, 'the anonymous post stored no idempotency record');
  assert.equal((await sqlite(db, `SELECT count(*) FROM events WHERE actor = ${dm.id} AND payload LIKE '%${secretWord}%'`)).trim(), '0');
  for (const w of watchers) w.close();
});

test('allow_anonymous: a thread that refuses anonymous messages forbids them; conveners change it with thread.update', async () => {
  const { thread } = await newThread(ana(), { allow_anonymous: false });
  assert.equal(thread.allow_anonymous, false);
  await dee().expectError('message.post', { thread: thread.id, body: 'psst', anonymous: true }, 'forbidden', { field: 'anonymous' });
  let g = await dee().call('thread.get', { thread: thread.id });
  assert.equal(g.messages.length, 1, 'the refused post left nothing');
  await ana().expectError('thread.update', { thread: thread.id, allow_anonymous: true }, 'forbidden');
  await conv().expectError('thread.update', { thread: thread.id }, 'bad_request');
  await conv().expectError('thread.update', { thread: thread.id, title: '  ' }, 'bad_request', { field: 'title' });
  const watcher = await subscribed(co.members.tom);
  const u = await conv().call('thread.update', { thread: thread.id, allow_anonymous: true, title: 'Renamed' });
  assert.equal(u.thread.allow_anonymous, true);
  assert.equal(u.thread.title, 'Renamed');
  const ev = await watcher.waitEvent((e) => e.event === 'thread.updated' && e.data.thread.id === thread.id);
  assert.equal(ev.data.thread.title, 'Renamed');
  const p = await dee().call('message.post', { thread: thread.id, body: 'psst', anonymous: true });
  assert.equal(p.message.author, null);
  g = await tom().call('thread.get', { thread: thread.id });
  assert.equal(g.thread.title, 'Renamed');
  watcher.close();
});

test('mentions: @First and @First.Last, case-insensitive, notify only the mentioned member', async () => {
  const watchers = await Promise.all([co.members.ana, co.members.dee, co.members.tom].map(subscribed));
  const { thread } = await newThread(conv());
  const p = await conv().call('message.post', { thread: thread.id, body: 'What do @tom and @DEE.WILLIAMS think? (not ana@x.test)' });
  const forTom = await watchers[2].waitEvent((e) => e.event === 'mention' && e.data.message.id === p.message.id);
  assert.equal(forTom.data.message.author.id, conv().member.id);
  assert.equal(forTom.data.thread.title, thread.title);
  await watchers[1].waitEvent((e) => e.event === 'mention' && e.data.message.id === p.message.id);
  await watchers[0].waitEvent((e) => e.event === 'message.created' && e.data.message.id === p.message.id);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(watchers[0].events.some((e) => e.event === 'mention' && e.data.message.id === p.message.id), false,
    'an email address is not a mention');
  // An edit notifies only members newly mentioned.
  await conv().call('message.edit', { message: p.message.id, body: 'What do @tom, @dee and @ana think?' });
  await watchers[0].waitEvent((e) => e.event === 'mention' && e.data.message.id === p.message.id);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(watchers[2].events.filter((e) => e.event === 'mention' && e.data.message.id === p.message.id).length, 1);
  for (const w of watchers) w.close();
});

test('search: FTS5 ranked by bm25, snippets marked and escaped, deleted and foreign messages not found', async () => {
  const word = unique('quokka');
  const { thread } = await newThread(ana());
  const strong = (await ana().call('message.post', { thread: thread.id, body: `${word} ${word} ${word}: the ${word} plan <b>bold</b>` })).message;
  const weak = (await dee().call('message.post', { thread: thread.id, body: `A long message that mentions ${word} once among many other words about billing payroll purchasing substitutes and food programs` })).message;
  const gone = (await dee().call('message.post', { thread: thread.id, body: `${word} deleted later` })).message;
  await dee().call('message.delete', { message: gone.id });
  await stan().call('thread.create', { coalition: 'disc-other', title: 'elsewhere', body: `${word} in another coalition` });

  const r = await olga().call('search', { coalition: SLUG, q: word });
  assert.deepEqual(r.hits.map((h) => h.message.id), [strong.id, weak.id]);
  assert.equal(r.hits[0].thread.id, thread.id);
  assert.equal(r.hits[0].thread.title, thread.title);
  assert.match(r.hits[0].snippet, new RegExp(`<mark>${word}</mark>`));
  assert.ok(!r.hits[0].snippet.includes('<b>'), `snippet is escaped: ${r.hits[0].snippet}`);
  assert.ok(r.hits[0].snippet.includes('&lt;b&gt;') || !r.hits[0].snippet.includes('b&gt;'), r.hits[0].snippet);
  const limited = await olga().call('search', { coalition: SLUG, q: word, limit: 1 });
  assert.equal(limited.hits.length, 1);
  // Prefix queries and hostile syntax.
  const pre = await ana().call('search', { coalition: SLUG, q: `${word.slice(0, 6)}*` });
  assert.ok(pre.hits.length >= 2);
  for (const q of ['"', 'NEAR(', 'a AND', `${word} OR`, 'col:x', '(((', `"${word}`]) {
    const res = await ana().request('search', { coalition: SLUG, q });
    assert.ok(res.ok || res.error.code === 'bad_request', `q ${q}: ${JSON.stringify(res)}`);
    if (!res.ok) assert.equal(res.error.field, 'q');
  }
  await ana().expectError('search', { coalition: SLUG, q: '  ' }, 'bad_request', { field: 'q' });
  await ana().expectError('search', { coalition: SLUG, q: '"" ()' }, 'bad_request', { field: 'q' });
  await ana().expectError('search', { coalition: SLUG, q: word, limit: 101 }, 'bad_request', { field: 'limit' });
  await stan().expectError('search', { coalition: SLUG, q: word }, 'not_found');
  const theirs = await stan().call('search', { coalition: 'disc-other', q: word });
  assert.equal(theirs.hits.length, 1);
});

test('a member of another coalition gets not_found for every op on this coalition\'s threads and messages', async () => {
  const { thread, message } = await newThread(ana());
  const calls = [
    ['thread.list', { coalition: SLUG }],
    ['thread.create', { coalition: SLUG, title: 'x', body: 'y' }],
    ['thread.get', { thread: thread.id }],
    ['thread.update', { thread: thread.id, title: 'x' }],
    ['thread.read', { thread: thread.id, upto: message.id }],
    ['message.post', { thread: thread.id, body: 'y' }],
    ['message.edit', { message: message.id, body: 'y' }],
    ['message.delete', { message: message.id }],
    ['message.history', { message: message.id }],
    ['search', { coalition: SLUG, q: 'Opening' }],
  ];
  for (const [op, args] of calls) await stan().expectError(op, args, 'not_found');
  // The same answer as for ids that do not exist.
  await ana().expectError('thread.get', { thread: 987654321 }, 'not_found', { field: 'thread' });
  await ana().expectError('message.history', { message: 987654321 }, 'not_found', { field: 'message' });
  const g = await ana().call('thread.get', { thread: thread.id });
  assert.equal(g.messages.length, 1);
  assert.equal(g.messages[0].body, 'Opening words');
});

test('observers read and search but do not write; bad input is refused and changes nothing', async () => {
  const { thread, message } = await newThread(ana());
  await olga().call('thread.get', { thread: thread.id });
  await olga().call('thread.list', { coalition: SLUG });
  await olga().call('thread.read', { thread: thread.id, upto: message.id });
  await olga().expectError('thread.create', { coalition: SLUG, title: 'x', body: 'y' }, 'forbidden');
  await olga().expectError('message.post', { thread: thread.id, body: 'y' }, 'forbidden');
  await ana().expectError('message.post', { thread: thread.id }, 'bad_request', { field: 'body' });
  await ana().expectError('message.post', { thread: thread.id, body: '' }, 'bad_request', { field: 'body' });
  await ana().expectError('message.post', { thread: thread.id, body: 'x', reply_to: 987654321 }, 'bad_request', { field: 'reply_to' });
  await ana().expectError('message.post', { thread: thread.id, body: 'x', anonymous: 'yes' }, 'bad_request', { field: 'anonymous' });
  await ana().expectError('message.post', { thread: thread.id, body: 'x', colour: 'red' }, 'bad_request');
  await ana().expectError('thread.create', { coalition: SLUG, title: '', body: 'y' }, 'bad_request', { field: 'title' });
  await ana().expectError('thread.create', { coalition: SLUG, title: 'x'.repeat(201), body: 'y' }, 'too_large', { field: 'title' });
  await ana().expectError('message.post', { thread: thread.id, body: 'x'.repeat(64 * 1024 + 1) }, 'too_large', { field: 'body' });
  // Exactly 64 KiB of ordinary prose is accepted. (Not one 64 KiB word:
  // discount renders some 64 KiB inputs in seconds; see the docs.)
  const prose = 'lorem ipsum '.repeat(6000).slice(0, 64 * 1024);
  const max = await ana().call('message.post', { thread: thread.id, body: prose });
  assert.equal(max.message.body.length, 64 * 1024);
  const g = await ana().call('thread.get', { thread: thread.id });
  assert.equal(g.messages.length, 2, 'only the valid post was added');
});

test('message.post with an idempotency key posts once', async () => {
  const { thread } = await newThread(ana());
  const key = unique('k');
  const a = await dee().call('message.post', { thread: thread.id, body: 'only once' }, { key });
  const b = await dee().call('message.post', { thread: thread.id, body: 'only once' }, { key });
  assert.equal(a.message.id, b.message.id);
  const g = await dee().call('thread.get', { thread: thread.id });
  assert.equal(g.messages.filter((m) => m.body === 'only once').length, 1);
});

test('the demo has two discussion threads with a reply, an anonymous message and a mention', async () => {
  const { run } = await import('./lib.mjs');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-disc-demo-'));
  try {
    const r = await run(['demo', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    const demo = await startDaemon({ admin: false, dataDir: dir });
    try {
      const maria = await demo.login('maria@demo.test', 'roundtable-demo');
      const list = await maria.call('thread.list', { coalition: 'valley' });
      const titles = list.threads.map((t) => t.title);
      assert.ok(titles.includes('Which services should the Alliance offer first?'), JSON.stringify(titles));
      assert.ok(titles.includes('Substitute pool: how should we share staff?'), JSON.stringify(titles));
      const msgs = [];
      for (const t of list.threads) msgs.push(...(await maria.call('thread.get', { thread: t.id })).messages);
      assert.ok(msgs.some((m) => m.anonymous && m.author === null));
      assert.ok(msgs.some((m) => m.reply_to));
      assert.ok(msgs.some((m) => /@\w/.test(m.body)));
      assert.ok(new Set(msgs.filter((m) => m.author).map((m) => m.author.id)).size >= 5);
      const grace = await demo.login('grace@demo.test', 'roundtable-demo');
      await grace.call('coalition.subscribe', { coalition: 'valley', since: 0 });
      // The last events are mentions of others, which Grace never sees: wait for quiet.
      const evs = await collectUntilSeq(grace, 'valley', undefined, { quietMs: 800 });
      assert.ok(evs.some((e) => e.event === 'mention'), 'Grace was mentioned in the demo');
      const hits = await grace.call('search', { coalition: 'valley', q: 'billing' });
      assert.ok(hits.hits.length >= 2);
    } finally {
      await demo.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
