// MOUs versioned in git: create, read any version, save with three-way
// merges and conflicts, history, diffs, signatures bound to one commit, the
// events, the wall between coalitions, concurrent saves that never lose
// words, a SIGKILL in the middle of saves, and a stock `git clone` of the
// read-only repository.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  startDaemon, makeCoalition, rejectsWith, collectUntilSeq, dbPath, sqlite, unique, sleep,
} from './lib.mjs';

const exec = promisify(execFile);

const BODY = [
  '# Valley MOU',
  '',
  '## Tasks',
  '',
  'The Hub does billing.',
  '',
  '## Timeline',
  '',
  'Launch in spring.',
  '',
  '## Data',
  '',
  'Attendance is shared monthly.',
  '',
].join('\n');

const replace = (text, from, to) => {
  assert.ok(text.includes(from), `text has "${from}"`);
  return text.replace(from, to);
};

let d;
let V; // valley: admin (convener, no org), hub (hub, "Hub Org"), sun (provider, "Sunrise"), steps (provider, "Little Steps"), kid (parent)
let O; // other coalition: out (provider)

before(async () => {
  d = await startDaemon();
  V = await makeCoalition(d, {
    slug: 'valley',
    members: [
      { key: 'hub', roles: ['hub', 'design_team'], organization: 'Hub Org', name: 'Hana Hub' },
      { key: 'sun', roles: ['provider'], organization: 'Sunrise', name: 'Sam Sunrise' },
      { key: 'steps', roles: ['provider'], organization: 'Little Steps', name: 'Stella Steps' },
      { key: 'kid', roles: ['parent'], name: 'Pat Parent' },
    ],
  });
  O = await makeCoalition(d, {
    slug: unique('other').toLowerCase(), admin: V.admin,
    members: [{ key: 'out', roles: ['provider'], organization: 'Elsewhere' }],
  });
});

after(async () => {
  await d?.close();
});

const hub = () => V.members.hub.client;
const sun = () => V.members.sun.client;
const steps = () => V.members.steps.client;

async function newMou(title = unique('MOU '), body = BODY, parties = ['Hub Org', 'Sunrise', 'Little Steps']) {
  return hub().call('mou.create', { coalition: 'valley', title, body, parties });
}

test('mou.template gives the governance questions of the seed', async () => {
  const t = await hub().call('mou.template', {});
  assert.equal(typeof t.body, 'string');
  for (const q of ['Who will perform what tasks?', 'What is the timeline for assigned work?',
    'What information and data will be shared', 'How will decisions be made?',
    'How will member providers weigh in on decisions?']) {
    assert.ok(t.body.includes(q), `template asks "${q}"`);
  }
  const anon = await d.connect();
  await anon.expectError('mou.template', {}, 'unauthenticated');
});

test('create, get, list, history and the mou.created event', async () => {
  const watcher = await d.login(V.members.steps.email, V.members.steps.password);
  const { seq } = await watcher.call('coalition.subscribe', { coalition: 'valley' });
  const c = await newMou('Hub services MOU');
  assert.match(c.commit, /^[0-9a-f]{40}$/);
  assert.equal(c.mou.title, 'Hub services MOU');
  assert.deepEqual(c.mou.parties, ['Hub Org', 'Sunrise', 'Little Steps']);
  assert.equal(c.mou.head, c.commit);
  assert.equal(c.mou.fully_signed, false);

  const ev = await watcher.waitEvent((e) => e.event === 'mou.created' && e.data.mou.id === c.mou.id);
  assert.ok(ev.seq > seq);
  assert.equal(ev.data.commit, c.commit);

  const g = await sun().call('mou.get', { mou: c.mou.id });
  assert.equal(g.commit, c.commit);
  assert.equal(g.body, BODY);
  assert.ok(g.html.includes('<h1'), g.html);
  assert.deepEqual(g.signatures, []);

  const h = await sun().call('mou.history', { mou: c.mou.id });
  assert.equal(h.commits.length, 1);
  assert.equal(h.commits[0].commit, c.commit);
  assert.equal(h.commits[0].author.name, 'Hana Hub');
  assert.equal(h.commits[0].author.id, V.members.hub.id);
  assert.equal(h.commits[0].message, 'Create Hub services MOU');
  assert.match(h.commits[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const l = await V.members.kid.client.call('mou.list', { coalition: 'valley' });
  assert.ok(l.mous.some((m) => m.id === c.mou.id));
});

test('bad input is refused and changes nothing', async () => {
  const before = (await hub().call('mou.list', { coalition: 'valley' })).mous.length;
  await hub().expectError('mou.create', { coalition: 'valley', body: 'x' }, 'bad_request', { field: 'title' });
  await hub().expectError('mou.create', { coalition: 'valley', title: '', body: 'x' }, 'bad_request', { field: 'title' });
  await hub().expectError('mou.create', { coalition: 'valley', title: 'two\nlines', body: 'x' }, 'bad_request', { field: 'title' });
  await hub().expectError('mou.create', { coalition: 'valley', title: 't', body: 'x', parties: 'Hub Org' }, 'bad_request', { field: 'parties' });
  await hub().expectError('mou.create', { coalition: 'valley', title: 't', body: 'x', parties: ['A', 'A'] }, 'bad_request', { field: 'parties' });
  await hub().expectError('mou.create', { coalition: 'valley', title: 't', body: 'x', bogus: 1 }, 'bad_request');
  await V.members.kid.client.expectError('mou.create', { coalition: 'valley', title: 't', body: 'x' }, 'forbidden');
  await O.members.out.client.expectError('mou.create', { coalition: 'valley', title: 't', body: 'x' }, 'not_found');
  assert.equal((await hub().call('mou.list', { coalition: 'valley' })).mous.length, before);

  const c = await newMou();
  await hub().expectError('mou.get', { mou: 999999 }, 'not_found', { field: 'mou' });
  await hub().expectError('mou.get', { mou: c.mou.id, commit: 'HEAD' }, 'bad_request', { field: 'commit' });
  await hub().expectError('mou.get', { mou: c.mou.id, commit: '0'.repeat(40) }, 'not_found', { field: 'commit' });
  await hub().expectError('mou.save', { mou: c.mou.id, base: 'abc', body: 'x' }, 'bad_request', { field: 'base' });
  await hub().expectError('mou.save', { mou: c.mou.id, base: 'f'.repeat(40), body: 'x' }, 'not_found', { field: 'base' });
  await hub().expectError('mou.save', { mou: c.mou.id, body: 'x' }, 'bad_request', { field: 'base' });
  await hub().expectError('mou.diff', { mou: c.mou.id, from: c.commit, to: '1'.repeat(40) }, 'not_found', { field: 'to' });
  await V.members.kid.client.expectError('mou.save', { mou: c.mou.id, base: c.commit, body: 'x' }, 'forbidden');
  const h = await hub().call('mou.history', { mou: c.mou.id });
  assert.equal(h.commits.length, 1, 'no refused save left a commit');
});

test('another coalition sees nothing of the MOUs', async () => {
  const c = await newMou();
  const out = O.members.out.client;
  await out.expectError('mou.get', { mou: c.mou.id }, 'not_found');
  await out.expectError('mou.history', { mou: c.mou.id }, 'not_found');
  await out.expectError('mou.diff', { mou: c.mou.id, from: c.commit, to: c.commit }, 'not_found');
  await out.expectError('mou.save', { mou: c.mou.id, base: c.commit, body: 'mine' }, 'not_found');
  await out.expectError('mou.sign', { mou: c.mou.id, commit: c.commit }, 'not_found');
  await out.expectError('mou.list', { coalition: 'valley' }, 'not_found');
  await out.call('coalition.subscribe', { coalition: O.slug });
  await newMou();
  await sleep(300);
  assert.ok(!out.events.some((e) => e.coalition === 'valley'), 'no valley event reached the other coalition');
});

test('save from a stale base merges three ways; overlapping edits conflict and commit nothing', async () => {
  const c = await newMou();
  const base = c.commit;
  const a = await hub().call('mou.save', { mou: c.mou.id, base, body: replace(BODY, 'The Hub does billing.', 'The Hub does billing and payroll.'), message: 'Payroll too' });
  assert.equal(a.merged, false);
  const b = await sun().call('mou.save', { mou: c.mou.id, base, body: replace(BODY, 'Attendance is shared monthly.', 'Attendance is shared weekly.'), message: 'Weekly data' });
  assert.equal(b.merged, true);
  const g = await sun().call('mou.get', { mou: c.mou.id });
  assert.equal(g.commit, b.commit);
  assert.ok(g.body.includes('billing and payroll') && g.body.includes('shared weekly'), g.body);

  const reply = await steps().expectError('mou.save', { mou: c.mou.id, base, body: replace(BODY, 'The Hub does billing.', 'The Hub does no billing.') }, 'conflict');
  assert.equal(reply.error.data.conflicts, true);
  const merged = reply.error.data.merged;
  assert.ok(merged.includes('<<<<<<<') && merged.includes('=======') && merged.includes('>>>>>>>'), merged);
  assert.ok(merged.includes('The Hub does no billing.') && merged.includes('The Hub does billing and payroll.'), merged);
  const h = await hub().call('mou.history', { mou: c.mou.id });
  assert.deepEqual(h.commits.map((x) => x.commit), [b.commit, a.commit, base]);
  assert.deepEqual(h.commits.map((x) => x.message), ['Weekly data', 'Payroll too', `Create ${c.mou.title}`]);
  assert.equal(h.commits[0].author.name, 'Sam Sunrise');

  const diff = (await hub().call('mou.diff', { mou: c.mou.id, from: base, to: b.commit })).diff;
  assert.match(diff, /^diff --git a\/mou-\d+\.md b\/mou-\d+\.md/);
  assert.ok(diff.includes('\n-The Hub does billing.\n') && diff.includes('\n+The Hub does billing and payroll.\n'), diff);
  assert.ok(diff.includes('\n+Attendance is shared weekly.\n'), diff);
  const { redline } = await hub().call('mou.diff', { mou: c.mou.id, from: base, to: b.commit });
  assert.deepEqual(redline.filter((l) => l.op !== ' ').map((l) => `${l.op}${l.text}`), [
    '-The Hub does billing.', '+The Hub does billing and payroll.',
    '-Attendance is shared monthly.', '+Attendance is shared weekly.',
  ]);
  assert.equal(redline.filter((l) => l.op !== '+').map((l) => l.text).join('\n') + '\n', BODY);
  const old = await hub().call('mou.get', { mou: c.mou.id, commit: base });
  assert.equal(old.body, BODY);
  assert.equal(old.commit, base);
});

test('two saves from the same base at once never lose an edit', async () => {
  const c = await newMou();
  // different paragraphs: both land, merged into one text
  const [x, y] = await Promise.all([
    hub().request('mou.save', { mou: c.mou.id, base: c.commit, body: replace(BODY, 'Launch in spring.', 'Launch in April.') }),
    sun().request('mou.save', { mou: c.mou.id, base: c.commit, body: replace(BODY, 'Attendance is shared monthly.', 'Attendance is shared daily.') }),
  ]);
  assert.ok(x.ok && y.ok, JSON.stringify([x, y]));
  assert.equal([x.data.merged, y.data.merged].filter(Boolean).length, 1);
  const g = await hub().call('mou.get', { mou: c.mou.id });
  assert.ok(g.body.includes('Launch in April.') && g.body.includes('shared daily'), g.body);

  // the same line: one lands, the other gets a conflict holding both texts
  const [p, q] = await Promise.all([
    hub().request('mou.save', { mou: c.mou.id, base: g.commit, body: replace(g.body, 'Launch in April.', 'Launch in May.') }),
    steps().request('mou.save', { mou: c.mou.id, base: g.commit, body: replace(g.body, 'Launch in April.', 'Launch in July.') }),
  ]);
  const oks = [p, q].filter((r) => r.ok);
  const conflicts = [p, q].filter((r) => !r.ok);
  assert.equal(oks.length, 1, JSON.stringify([p, q]));
  assert.equal(conflicts[0].error.code, 'conflict');
  const m = conflicts[0].error.data.merged;
  assert.ok(m.includes('Launch in May.') && m.includes('Launch in July.'), m);
  const h = await hub().call('mou.history', { mou: c.mou.id });
  assert.equal(h.commits.length, 4);
});

test('signatures: head only, parties only, bound to the commit; an edit leaves them on the old one', async () => {
  const c = await newMou(unique('Signed '), BODY, ['Hub Org', 'Sunrise']);
  await hub().call('coalition.subscribe', { coalition: 'valley' });
  // the parent names no organization; Little Steps is not a party
  await V.members.kid.client.expectError('mou.sign', { mou: c.mou.id, commit: c.commit }, 'forbidden');
  await steps().expectError('mou.sign', { mou: c.mou.id, commit: c.commit }, 'forbidden');
  await sun().expectError('mou.sign', { mou: c.mou.id, commit: 'a'.repeat(40) }, 'conflict', { field: 'commit' });

  const s1 = await sun().call('mou.sign', { mou: c.mou.id, commit: c.commit });
  assert.equal(s1.signature.organization, 'Sunrise');
  assert.equal(s1.signature.commit, c.commit);
  assert.equal(s1.signature.member.id, V.members.sun.id);
  assert.match(s1.signature.at, /Z$/);
  assert.equal(s1.fully_signed, false);
  const ev = await hub().waitEvent((e) => e.event === 'mou.signed' && e.data.mou.id === c.mou.id);
  assert.equal(ev.data.signature.organization, 'Sunrise');
  await sun().expectError('mou.sign', { mou: c.mou.id, commit: c.commit }, 'conflict');

  // an edit: the signature stays on the old commit, and the old commit cannot be signed any more
  const e = await hub().call('mou.save', { mou: c.mou.id, base: c.commit, body: BODY + '\nSigned after an edit.\n', message: 'Amend' });
  const g = await hub().call('mou.get', { mou: c.mou.id });
  assert.equal(g.commit, e.commit);
  assert.equal(g.signatures.length, 1);
  assert.equal(g.signatures[0].commit, c.commit);
  assert.equal(g.signatures[0].current, false);
  assert.deepEqual(g.mou.signed, []);
  assert.equal(g.mou.fully_signed, false);
  await hub().expectError('mou.sign', { mou: c.mou.id, commit: c.commit }, 'conflict', { field: 'commit' });

  await sun().call('mou.sign', { mou: c.mou.id, commit: e.commit });
  const done = await hub().call('mou.sign', { mou: c.mou.id, commit: e.commit });
  assert.equal(done.fully_signed, true);
  const g2 = await sun().call('mou.get', { mou: c.mou.id });
  assert.equal(g2.mou.fully_signed, true);
  assert.deepEqual(g2.signatures.map((s) => [s.organization, s.commit]),
    [['Sunrise', c.commit], ['Sunrise', e.commit], ['Hub Org', e.commit]]);
  // the old version still shows what was signed there
  const old = await sun().call('mou.get', { mou: c.mou.id, commit: c.commit });
  assert.equal(old.body, BODY);

  // a member who connects later gets the whole story replayed, in order
  const late = await d.login(V.members.kid.email, V.members.kid.password);
  const { seq } = await late.call('coalition.subscribe', { coalition: 'valley', since: 0 });
  const evs = (await collectUntilSeq(late, 'valley', seq)).filter((x) => x.data?.mou?.id === c.mou.id);
  assert.deepEqual(evs.map((x) => x.event), ['mou.created', 'mou.signed', 'mou.saved', 'mou.signed', 'mou.signed']);
  assert.equal(evs[2].data.commit, e.commit);
  assert.equal(evs[2].data.author.name, 'Hana Hub');
  assert.equal(evs[4].data.fully_signed, true);
  // and the audit chain holds
  const v = await V.admin.call('audit.verify', { coalition: 'valley' });
  assert.equal(v.ok, true);
});

test('a repeated save with the same key commits once', async () => {
  const c = await newMou();
  const args = { mou: c.mou.id, base: c.commit, body: BODY + '\nOnce.\n' };
  const r1 = await hub().call('mou.save', args, { key: 'save-once' });
  const r2 = await hub().call('mou.save', args, { key: 'save-once' });
  assert.equal(r1.commit, r2.commit);
  assert.equal((await hub().call('mou.history', { mou: c.mou.id })).commits.length, 2);
});

/** The newest commit that changed mou-<id>.md, by git itself. */
async function gitHead(dataDir, id) {
  const { stdout } = await exec('git', ['--git-dir', path.join(dataDir, 'git', 'valley.git'), 'log', '-1', '--format=%H', 'main', '--', `mou-${id}.md`]);
  return stdout.trim();
}

test('SIGKILL in the middle of saves: after a restart git and the database agree', async () => {
  const k = await startDaemon();
  let k2;
  try {
    const co = await makeCoalition(k, { slug: 'valley', members: [{ key: 'hub', roles: ['hub'], organization: 'Hub Org' }] });
    const w = co.members.hub.client;
    const c = await w.call('mou.create', { coalition: 'valley', title: 'Crash MOU', body: BODY });
    // saves one after another, each from the head the last reply named, until the kill
    const acked = [];
    const writer = (async () => {
      let base = c.commit;
      let body = BODY;
      for (let i = 0; i < 10000; i++) {
        body += `\nLine ${i}.\n`;
        const r = await w.request('mou.save', { mou: c.mou.id, base, body, message: `Line ${i}` }).catch(() => null);
        if (!r || !r.ok) return;
        base = r.data.commit;
        acked.push(base);
      }
    })();
    await sleep(400);
    k.proc.kill('SIGKILL');
    await k.proc.exited;
    await writer;
    assert.ok(acked.length > 3, `saves were under way when the daemon was killed (${acked.length} acknowledged)`);

    // a lock file such as a killed writer leaves must not block the restart
    fs.writeFileSync(path.join(k.dataDir, 'git', 'valley.git', 'refs', 'heads', 'main.lock'), '');
    k2 = await startDaemon({ dataDir: k.dataDir, admin: false });
    const rows = await sqlite(dbPath(k.dataDir), 'SELECT id, head FROM mous ORDER BY id');
    for (const line of rows.trim().split('\n')) {
      const [id, head] = line.split('|');
      assert.equal(head, await gitHead(k.dataDir, id), `MOU ${id}: the database names git's head`);
    }
    const c2 = await k2.login(co.members.hub.email, co.members.hub.password);
    const h = await c2.call('mou.history', { mou: c.mou.id });
    const seen = new Set(h.commits.map((x) => x.commit));
    for (const a of acked) assert.ok(seen.has(a), `acknowledged commit ${a} is in the history`);
    const g = await c2.call('mou.get', { mou: c.mou.id });
    assert.equal(g.commit, await gitHead(k.dataDir, c.mou.id));
    // and saving works again (the lock is gone)
    const s = await c2.call('mou.save', { mou: c.mou.id, base: g.commit, body: `${g.body}\nAfter the crash.\n` });
    assert.equal(s.commit, await gitHead(k.dataDir, c.mou.id));
    await exec('git', ['--git-dir', path.join(k.dataDir, 'git', 'valley.git'), 'fsck', '--strict']);
  } finally {
    if (k2) await k2.close();
    await k.kill();
  }
});

test('a commit without its row (a crash between the two) gets its row at start-up', async () => {
  const k = await startDaemon();
  let k2;
  try {
    const co = await makeCoalition(k, { slug: 'valley', members: [{ key: 'hub', roles: ['hub'], organization: 'Hub Org' }] });
    const w = co.members.hub.client;
    const c = await w.call('mou.create', { coalition: 'valley', title: 'Repaired MOU', body: BODY });
    await k.stop();
    // what a save that died after its commit leaves: a commit by the member that no row names
    const repo = path.join(k.dataDir, 'git', 'valley.git');
    const work = path.join(k.root, 'work');
    await exec('git', ['clone', '--quiet', repo, work]);
    const file = path.join(work, `mou-${c.mou.id}.md`);
    fs.writeFileSync(file, `${BODY}\nWritten just before the crash.\n`);
    const env = { ...process.env, GIT_AUTHOR_NAME: co.members.hub.name, GIT_AUTHOR_EMAIL: co.members.hub.email,
      GIT_COMMITTER_NAME: co.members.hub.name, GIT_COMMITTER_EMAIL: co.members.hub.email };
    await exec('git', ['-C', work, 'commit', '--quiet', '-am', 'Lost row'], { env });
    await exec('git', ['-C', work, 'push', '--quiet', 'origin', 'main']);
    const lost = await gitHead(k.dataDir, c.mou.id);
    assert.notEqual(lost, c.commit);

    k2 = await startDaemon({ dataDir: k.dataDir, admin: false });
    const r = await k2.login(co.members.hub.email, co.members.hub.password);
    const g = await r.call('mou.get', { mou: c.mou.id });
    assert.equal(g.commit, lost);
    assert.ok(g.body.includes('Written just before the crash.'));
    const h = await r.call('mou.history', { mou: c.mou.id });
    assert.deepEqual(h.commits.map((x) => [x.commit, x.message, x.author.id]),
      [[lost, 'Lost row', co.members.hub.id], [c.commit, 'Create Repaired MOU', co.members.hub.id]]);
    const { seq } = await r.call('coalition.subscribe', { coalition: 'valley', since: 0 });
    const evs = await collectUntilSeq(r, 'valley', seq);
    const rep = evs.find((x) => x.event === 'mou.saved' && x.data.commit === lost);
    assert.ok(rep && rep.data.recovered === true, JSON.stringify(evs.map((x) => x.event)));
    // the repaired head can be saved on and signed
    const s = await r.call('mou.save', { mou: c.mou.id, base: lost, body: `${g.body}\nAnd after.\n` });
    await r.call('mou.sign', { mou: c.mou.id, commit: s.commit });
  } finally {
    if (k2) await k2.close();
    await k.kill();
  }
});

test('stock git clones the repository over dumb HTTP with basic auth; others are refused', async (t) => {
  const probe = await fetch(`${d.base}/git/valley.git/info/refs`);
  if (probe.status === 404) {
    t.skip('the /git/ endpoint is not wired into server.c in this build');
    return;
  }
  assert.equal(probe.status, 401);
  assert.match(probe.headers.get('www-authenticate') ?? '', /Basic/i);
  const c = await newMou('Cloned MOU');
  await sun().call('mou.save', { mou: c.mou.id, base: c.commit, body: BODY + '\nCloned.\n', message: 'Second version' });
  const dir = fs.mkdtempSync(path.join(d.root, 'clone-'));
  const m = V.members.sun;
  const url = (email, pw) => `http://${encodeURIComponent(email)}:${encodeURIComponent(pw)}@127.0.0.1:${d.port}/git/valley.git`;
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' };
  await exec('git', ['clone', '--quiet', url(m.email, m.password), path.join(dir, 'ok')], { env });
  const log = await exec('git', ['-C', path.join(dir, 'ok'), 'log', '--format=%an|%s', '--', `mou-${c.mou.id}.md`]);
  assert.deepEqual(log.stdout.trim().split('\n'), ['Sam Sunrise|Second version', 'Hana Hub|Create Cloned MOU']);
  await exec('git', ['-C', path.join(dir, 'ok'), 'fsck', '--strict']);
  assert.ok(fs.readFileSync(path.join(dir, 'ok', `mou-${c.mou.id}.md`), 'utf8').includes('Cloned.'));
  // a member of another coalition, and a wrong password, are refused
  const o = O.members.out;
  await assert.rejects(exec('git', ['clone', '--quiet', url(o.email, o.password), path.join(dir, 'no1')], { env }));
  await assert.rejects(exec('git', ['clone', '--quiet', url(m.email, 'wrong-password'), path.join(dir, 'no2')], { env }));
  assert.equal(fs.existsSync(path.join(dir, 'no1', `mou-${c.mou.id}.md`)), false);
});
