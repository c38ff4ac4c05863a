// CSV exports over HTTP with the session cookie: the RFQ scores import into
// sqlite3 (.import --csv) and Python's csv module intact; a secret decision's
// export names no voter; non-members and signed-out requests get nothing.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, run } from './lib.mjs';

let d;
const cookies = {};
before(async () => {
  d = await startDaemon({ setup: async (dataDir) => {
    const r = await run(['demo', '--data', dataDir]);
    assert.equal(r.code, 0, r.stderr);
  } });
});
after(async () => { if (d) await d.stop(); });

async function signIn(email) {
  if (cookies[email]) return cookies[email];
  const res = await fetch(`${d.base}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'roundtable-demo' }),
  });
  assert.equal(res.status, 200);
  cookies[email] = res.headers.get('set-cookie').split(';')[0];
  return cookies[email];
}

async function get(p, email) {
  const headers = email ? { cookie: await signIn(email) } : {};
  const res = await fetch(`${d.base}${p}`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

test('the RFQ scores CSV imports into sqlite3 and Python csv with names intact', async () => {
  const james = await d.connect();
  const me = (await james.call('auth.login', { email: 'james@demo.test', password: 'roundtable-demo' })).member;
  const rfqs = (await james.call('rfq.list', { coalition: 'valley' })).rfqs;
  const closed = rfqs.find((r) => r.status === 'closed');
  assert.ok(closed, 'the demo has a closed RFQ');
  const got = await james.call('rfq.get', { rfq: closed.id });
  const respondent = (await james.call('score.list', { rfq: closed.id })).scores
    .find((s) => s.evaluator === me.id);
  const tricky = 'Commas, "quotes" and accents: café, niño, Ñandú; =SUM(A1) on a second\nline';
  await james.call('score.submit', {
    rfq: closed.id, respondent: respondent.respondent, criterion: got.rfq.criteria[0].id, score: 4, comment: tricky,
  });

  const csv = await get(`/export/rfq/${closed.id}.csv`, 'james@demo.test');
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.type, /text\/csv/);
  const file = path.join(d.root, 'scores.csv');
  fs.writeFileSync(file, csv.text);

  const db = path.join(d.root, 'import.db');
  const sq = spawnSync('sqlite3', [db, `.import --csv ${file} scores`, 'SELECT count(*) FROM scores;',
    "SELECT comment FROM scores WHERE comment LIKE 'Commas%';"], { encoding: 'utf8' });
  assert.equal(sq.status, 0, sq.stderr);
  const [count, ...comment] = sq.stdout.trim().split('\n');
  const rows = csv.text.trim().split(/\r\n(?=")/).length - 1;
  assert.equal(Number(count), rows, 'one row per score');
  assert.equal(comment.join('\n'), tricky, 'the comment survives intact');

  const py = spawnSync('python3', ['-c', `
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
print(json.dumps({"n": len(rows), "c": [r["comment"] for r in rows if r["comment"].startswith("Commas")]}))
`, file], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const parsed = JSON.parse(py.stdout);
  assert.equal(parsed.n, rows);
  assert.deepEqual(parsed.c, [tricky]);
});

test('a secret decision\'s CSV export carries no voter identity', async () => {
  const maria = await d.connect();
  await maria.call('auth.login', { email: 'maria@demo.test', password: 'roundtable-demo' });
  const list = (await maria.call('decision.list', { coalition: 'valley' })).decisions;
  const secret = list.find((x) => x.secret && x.status === 'closed');
  assert.ok(secret, 'the demo has a closed secret decision');
  const csv = await get(`/export/decision/${secret.id}.csv`, 'maria@demo.test');
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.text, /"result"/);
  const members = (await maria.call('coalition.get', { coalition: 'valley' })).members;
  for (const m of members) {
    assert.ok(!csv.text.includes(m.name), `${m.name} does not appear in the export`);
    if (m.organization) assert.ok(!csv.text.includes(m.organization), `${m.organization} does not appear`);
  }
});

test('exports need a member of the coalition', async () => {
  assert.equal((await get('/export/milestones/valley.csv')).status, 401);
  assert.equal((await get('/export/milestones/valley.csv', 'admin@demo.test')).status, 404);
  const ok = await get('/export/milestones/valley.csv', 'grace@demo.test');
  assert.equal(ok.status, 200);
  assert.match(ok.text.split('\n')[0], /title/);
  assert.equal((await get('/export/decision/999.csv', 'grace@demo.test')).status, 404);
  assert.equal((await get('/export/rfq/abc.csv', 'grace@demo.test')).status, 404);
  assert.equal((await get('/export/nothing/1.csv', 'grace@demo.test')).status, 404);
});

test('milestone titles cannot hide a formula or reorder a cell in the CSV export', async () => {
  const maria = await d.connect();
  await maria.call('auth.login', { email: 'maria@demo.test', password: 'roundtable-demo' });
  const titles = {
    ' \t=1+1': "' \t=1+1", '\u00a0=1+1': "'\u00a0=1+1", '\u3000=1+1': "'\u3000=1+1",
    '\u2003@SUM(A1)': "'\u2003@SUM(A1)", '\u200b=2+2': "'=2+2", '\u202e=3+3': "'=3+3",
    'report\u202eslx.exe': 'reportslx.exe', 'a\u2066b\u2069c\u200bd': 'abcd',
  };
  for (const t of Object.keys(titles))
    await maria.call('milestone.create', { coalition: 'valley', title: t, body: 'Goal' });
  const csv = await get('/export/milestones/valley.csv', 'maria@demo.test');
  assert.equal(csv.status, 200, csv.text);
  for (const [t, want] of Object.entries(titles))
    assert.ok(csv.text.includes(`,"${want}",`), `${JSON.stringify(t)} is exported as ${JSON.stringify(want)}`);
  assert.doesNotMatch(csv.text, /[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u);
  maria.close();
});
