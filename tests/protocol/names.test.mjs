// Members' names and the MOU repositories' git identities (issue 15, items 1
// and 11):
//  - every place a name enters (member.invite, auth.accept_invite,
//    member.update_profile, `roundtable user add`) refuses a name that is not
//    one line of printable text, 1 to 100 characters, with bad_request
//    (field name) and stores nothing; surrounding spaces are trimmed;
//  - a name stored before that rule (written into the database directly)
//    still makes a valid commit: `git fsck --strict` is clean and the daemon
//    starts again;
//  - commits carry member-<id>@<slug>.roundtable.invalid, never an email;
//  - start-up with a repository holding a malformed commit, one missing an
//    object and one with a stale lock: the daemon serves, the broken
//    repositories' MOUs answer `unavailable` to writes, everything else works.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startDaemon, makeCoalition, addMember, dataDigester, changedKeys, sqlite, dbPath, run, assertError, unique, http,
} from './lib.mjs';

const BAD_NAMES = [
  ['a line break', 'Two\nLines'],
  ['angle brackets', '<x>'],
  ['only spaces', '   '],
  ['empty', ''],
  ['101 characters', 'a'.repeat(101)],
  ['a bidi override', '\u202Egnp.exe'],
  ['a zero-width space', 'Ana\u200BRuiz'],
  ['a tab', 'Ana\tRuiz'],
];

function git(repo, ...args) {
  const r = spawnSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function gitOk(repo, ...args) {
  const r = git(repo, ...args);
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.out}${r.err}`);
  return r.out;
}

const repoOf = (d, slug) => path.join(d.dataDir, 'git', `${slug}.git`);

test('bad names are refused wherever a name enters, and nothing is stored', async () => {
  const d = await startDaemon();
  const g = dataDigester(d.dataDir);
  try {
    const co = await makeCoalition(d, { members: [{ key: 'ana', roles: ['provider'], name: 'Ana Ruiz' }] });
    const ana = co.members.ana;
    const anon = await d.connect();
    const pending = await co.admin.call('member.invite', {
      coalition: co.slug, email: `${unique('new')}@test.example`, name: 'New Person', roles: ['parent'],
    });
    const failures = [];
    for (const [what, name] of BAD_NAMES) {
      const tries = [
        ['member.invite', co.admin, { coalition: co.slug, email: `${unique('inv')}@test.example`, name, roles: ['parent'] }],
        ['auth.accept_invite', anon, { invite_token: pending.invite_token, password: 'new-person-pw-1', name }],
        ['member.update_profile', ana.client, { name }],
      ];
      for (const [op, client, args] of tries) {
        const before = await g.digest();
        const reply = await client.request(op, args);
        const changed = changedKeys(before, await g.digest());
        if (reply.ok || reply.error.code !== 'bad_request' || reply.error.field !== 'name') {
          failures.push(`${op} with ${what}: ${JSON.stringify(reply.error ?? reply.data)}`);
        } else {
          assertError(reply, 'bad_request', { field: 'name', what: `${op} with ${what}` });
        }
        if (changed.length) failures.push(`${op} with ${what} changed ${changed.join(', ')}`);
      }
    }
    assert.deepEqual(failures, []);

    // The invitation was not used up: it accepts a good name, trimmed.
    const acc = await anon.call('auth.accept_invite', { invite_token: pending.invite_token, password: 'new-person-pw-1', name: '  Nadia  Okafor \u3000' });
    assert.equal(acc.member.name, 'Nadia  Okafor');
    // An invitation's name is trimmed too, and 100 characters of any width fit.
    const wide = '\u{1F33B}'.repeat(100);
    const inv = await co.admin.call('member.invite', { coalition: co.slug, email: `${unique('w')}@test.example`, name: `  ${wide}  `, roles: ['parent'] });
    assert.equal(inv.invite.name, wide);
    const accWide = await (await d.connect()).call('auth.accept_invite', { invite_token: inv.invite_token, password: 'wide-person-pw-1' });
    assert.equal(accWide.member.name, wide);
    // Ana's name is unchanged by the refusals.
    const got = await co.admin.call('coalition.get', { coalition: co.slug });
    assert.equal(got.members.find((m) => m.id === ana.id).name, 'Ana Ruiz');
  } finally {
    g.stop();
    await d.close();
  }
});

test('member.update_profile changes the caller\'s name: trimmed, member.updated in each coalition, other tabs see it', async () => {
  const d = await startDaemon();
  try {
    const A = await makeCoalition(d, { members: [{ key: 'ana', roles: ['provider'], name: 'Ana Ruiz', organization: 'Sunrise' }] });
    const B = await makeCoalition(d, { admin: A.admin });
    const ana = A.members.ana;
    // Ana joins B too (an existing account accepting: its name stays).
    const inv = await B.admin.call('member.invite', { coalition: B.slug, email: ana.email, name: 'Whatever', roles: ['observer'] });
    await (await d.connect()).call('auth.accept_invite', { invite_token: inv.invite_token, password: ana.password });
    const tab = await d.login(ana.email, ana.password); // Ana's other tab
    await tab.call('coalition.subscribe', { coalition: A.slug });
    await tab.call('coalition.subscribe', { coalition: B.slug });
    const from = tab.events.length;

    const r = await ana.client.call('member.update_profile', { name: '  Ana María Ruiz  ' });
    assert.deepEqual(r.member, { id: ana.id, name: 'Ana María Ruiz', email: ana.email, admin: false });
    for (const co of [A, B]) {
      const e = await tab.waitEvent((x) => x.event === 'member.updated' && x.coalition === co.slug, 5000, { from });
      assert.equal(e.data.member.id, ana.id);
      assert.equal(e.data.member.name, 'Ana María Ruiz');
      const got = await co.admin.call('coalition.get', { coalition: co.slug });
      assert.equal(got.members.find((m) => m.id === ana.id).name, 'Ana María Ruiz');
    }
    assert.equal((await tab.call('auth.whoami', {})).member.name, 'Ana María Ruiz');
    // The same name again changes nothing: no event.
    const n = tab.events.length;
    await ana.client.call('member.update_profile', { name: 'Ana María Ruiz' });
    await tab.call('auth.whoami', {}); // its events would have arrived before this reply
    assert.equal(tab.events.length, n);
    // Signed out: unauthenticated.
    assertError(await (await d.connect()).request('member.update_profile', { name: 'X' }), 'unauthenticated');
  } finally {
    await d.close();
  }
});

test('roundtable user add refuses a bad --name (exit 2, no account) and trims a good one', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-names-'));
  const data = path.join(root, 'data');
  try {
    for (const [what, name] of BAD_NAMES) {
      const email = `${unique('cli')}@test.example`;
      const r = await run(['user', 'add', '--data', data, '--email', email, '--name', name], { input: 'cli-password-1\n' });
      assert.equal(r.code, 2, `user add with ${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /name/, `user add with ${what}: ${r.stderr}`);
      if (fs.existsSync(dbPath(data))) {
        assert.equal((await sqlite(dbPath(data), `SELECT count(*) FROM members WHERE email = '${email}'`)).trim(), '0');
      }
    }
    const r = await run(['user', 'add', '--data', data, '--email', 'trim@test.example', '--name', '  Trim Me  '], { input: 'cli-password-1\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await sqlite(dbPath(data), "SELECT name FROM members WHERE email = 'trim@test.example'")).trim(), 'Trim Me');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a name stored before the rule still makes valid commits; commits carry no email; the daemon restarts', async () => {
  const d = await startDaemon();
  try {
    const co = await makeCoalition(d, { members: [{ key: 'hub', roles: ['hub'], organization: 'Hub Org', name: 'Hana Hub' }] });
    const hub = co.members.hub;
    const c = await hub.client.call('mou.create', { coalition: co.slug, title: 'Hub MOU', body: '# MOU\n\nOne.\n' });
    // What the daemon accepted before names were checked, written as it was
    // stored: a line break (its commit broke the next start-up), angle
    // brackets (every save failed), only spaces (the same).
    const stored = async (sqlValue) => {
      await d.stop();
      await sqlite(dbPath(d.dataDir), `UPDATE members SET name = ${sqlValue} WHERE id = ${hub.id}`);
      await d.restart();
      return d.login(hub.email, hub.password);
    };
    let w = await stored("'Two' || char(10) || 'Lines'");
    const s = await w.call('mou.save', { mou: c.mou.id, base: c.commit, body: '# MOU\n\nOne.\n\nTwo.\n' });
    w = await stored("'Hana <evil@x>'");
    const c2 = await w.call('mou.create', { coalition: co.slug, title: 'Second', body: 'Text\n' });
    w = await stored("'   '");
    const s2 = await w.call('mou.save', { mou: c2.mou.id, base: c2.commit, body: 'Text\n\nMore.\n' });
    const w2 = w;

    const repo = repoOf(d, co.slug);
    gitOk(repo, 'fsck', '--strict', '--no-dangling');
    const authors = gitOk(repo, 'log', '--format=%H|%an|%ae|%cn|%ce', 'main').trim().split('\n').map((l) => l.split('|'));
    const by = Object.fromEntries(authors.map(([h, ...rest]) => [h, rest]));
    const addr = `member-${hub.id}@${co.slug}.roundtable.invalid`;
    assert.deepEqual(by[s.commit], ['Two Lines', addr, 'Two Lines', addr]);
    assert.deepEqual(by[c2.commit], ['Hana evil@x', addr, 'Hana evil@x', addr]);
    assert.deepEqual(by[s2.commit], [`Member ${hub.id}`, addr, `Member ${hub.id}`, addr]);
    const everything = gitOk(repo, 'log', '--format=%an %ae %cn %ce %B', 'main');
    for (const email of [hub.email, 'admin@test.example']) assert.ok(!everything.includes(email), `${email} is in the repository`);
    for (const [, , ae] of authors) assert.match(ae, /^member-\d+@[a-z0-9-]+\.roundtable\.invalid$/);
    // mou.history still names the member.
    const h = await w2.call('mou.history', { mou: c.mou.id });
    assert.deepEqual(h.commits.map((x) => x.author.id), [hub.id, hub.id]);
    // And the daemon starts again on this repository.
    await d.restart();
    assert.equal((await http(d.base, '/healthz')).status, 200);
    const w3 = await d.login(hub.email, hub.password);
    assert.equal((await w3.call('mou.get', { mou: c2.mou.id })).commit, s2.commit);
  } finally {
    await d.close();
  }
});

test('start-up serves everything else when a repository holds a malformed commit or misses an object; a stale lock is cleared', async () => {
  const d = await startDaemon();
  try {
    const admin = await d.admin();
    const made = {};
    for (const key of ['fine', 'badcommit', 'missing', 'locked']) {
      const co = await makeCoalition(d, { slug: unique(key).toLowerCase(), admin });
      const m = await admin.call('mou.create', { coalition: co.slug, title: `MOU ${key}`, body: `# ${key}\n` });
      made[key] = { slug: co.slug, mou: m.mou.id, commit: m.commit };
    }
    await d.stop();

    // A commit git itself refuses (an author line broken in two), written
    // raw, and the branch moved to it.
    {
      const repo = repoOf(d, made.badcommit.slug);
      const tip = gitOk(repo, 'rev-parse', 'main').trim();
      const tree = gitOk(repo, 'rev-parse', 'main^{tree}').trim();
      const raw = `tree ${tree}\nparent ${tip}\nauthor Two\nLines <x@y> 1700000000 +0000\ncommitter Two\nLines <x@y> 1700000000 +0000\n\nbroken\n`;
      const r = spawnSync('git', ['--git-dir', repo, 'hash-object', '-t', 'commit', '--literally', '-w', '--stdin'], { input: raw, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      fs.writeFileSync(path.join(repo, 'refs', 'heads', 'main'), `${r.stdout.trim()}\n`);
      assert.notEqual(git(repo, 'fsck', '--strict').code, 0, 'the repository is broken');
    }
    // A missing object: the blob of the MOU's text.
    {
      const repo = repoOf(d, made.missing.slug);
      const blob = gitOk(repo, 'rev-parse', `main:mou-${made.missing.mou}.md`).trim();
      fs.rmSync(path.join(repo, 'objects', blob.slice(0, 2), blob.slice(2)));
    }
    // A stale lock, as a killed writer leaves.
    fs.writeFileSync(path.join(repoOf(d, made.locked.slug), 'refs', 'heads', 'main.lock'), '');

    await d.restart(); // asserts /healthz answers
    assert.equal((await http(d.base, '/healthz')).status, 200);
    assert.match(d.output, new RegExp(`repository .*${made.badcommit.slug}\\.git needs repair`));
    assert.match(d.output, new RegExp(`repository .*${made.missing.slug}\\.git needs repair`));
    const c = await d.admin();

    // The healthy repositories work, the locked one included.
    for (const key of ['fine', 'locked']) {
      const m = made[key];
      const s = await c.call('mou.save', { mou: m.mou, base: m.commit, body: `# ${key}\n\nSaved after the restart.\n` });
      assert.equal((await c.call('mou.get', { mou: m.mou })).commit, s.commit);
      await c.call('mou.create', { coalition: m.slug, title: 'Another', body: 'x\n' });
      gitOk(repoOf(d, m.slug), 'fsck', '--strict', '--no-dangling');
    }
    assert.ok(!fs.existsSync(path.join(repoOf(d, made.locked.slug), 'refs', 'heads', 'main.lock')));

    // The broken ones: writes get a clear `unavailable`; reads of the
    // database still work; the rest of the coalition works.
    for (const key of ['badcommit', 'missing']) {
      const m = made[key];
      for (const [op, args, field] of [
        ['mou.save', { mou: m.mou, base: m.commit, body: 'lost?\n' }, 'mou'],
        ['mou.create', { coalition: m.slug, title: 'New', body: 'x\n' }, 'coalition'],
        ['mou.sign', { mou: m.mou, commit: m.commit }, 'mou'],
      ]) {
        const r = await c.request(op, args);
        assertError(r, 'unavailable', { field, what: `${op} in ${key}` });
        assert.match(r.error.message, /repair/);
      }
      const list = await c.call('mou.list', { coalition: m.slug });
      assert.deepEqual(list.mous.map((x) => x.id), [m.mou]);
      // Reads from git answer as far as the repository allows (a missing
      // text reads as not_found), and the daemon goes on.
      for (const [op, args] of [['mou.get', { mou: m.mou }], ['mou.history', { mou: m.mou }],
        ['mou.diff', { mou: m.mou, from: m.commit, to: m.commit }]]) {
        const r = await c.request(op, args);
        assert.ok(r.ok || ['internal', 'not_found'].includes(r.error.code), `${op} in ${key}: ${JSON.stringify(r.error)}`);
      }
      await c.call('thread.create', { coalition: m.slug, title: 'Still talking', body: 'Threads work.' });
      await c.call('milestone.create', { coalition: m.slug, title: 'Still planning', body: 'Milestones work.' });
    }
    // Still serving after all that, and it starts again.
    await d.restart();
    assert.equal((await http(d.base, '/healthz')).status, 200);
  } finally {
    await d.close();
  }
});
