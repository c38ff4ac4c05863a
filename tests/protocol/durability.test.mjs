// Durability order: the daemon, traced with strace, acknowledges each write
// only after the fdatasync of the SQLite WAL that makes it durable.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIN, ADMIN_EMAIL, ADMIN_PASSWORD, addUser, freePort, sleep, Client, unique,
} from './lib.mjs';

let proc;
after(() => { if (proc) proc.kill('SIGKILL'); });

test('every acknowledged write comes after the fdatasync of its transaction', async (t) => {
  if (spawnSync('strace', ['-V']).error) {
    t.skip('strace is not installed (make test installs it)');
    return;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-durable-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const port = await freePort();
  const trace = path.join(root, 'trace.txt');
  proc = spawn('strace', ['-f', '-s', '200', '-e', 'trace=fdatasync,fsync,write,writev,sendto,sendmsg', '-o', trace,
    BIN, 'serve', '--data', data, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok).catch(() => false);
    if (!up) await sleep(100);
  }
  assert.ok(up, 'the traced daemon started');

  const c = new Client(`ws://127.0.0.1:${port}/ws`);
  await c.connect();
  await c.call('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const slug = unique('dur').toLowerCase();
  await c.call('coalition.create', { slug, name: 'Durable' });
  const ids = [];
  for (let i = 0; i < 20; i++) {
    const id = 1000 + i;
    ids.push(id);
    const reply = await c.request('member.invite', { coalition: slug, email: `d${i}@test.example`, name: `D${i}`, roles: ['observer'] }, { id });
    assert.equal(reply.ok, true);
  }
  c.close();
  // stop the daemon (strace's child); strace ends with it and flushes the trace
  const children = fs.readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/);
  for (const pid of children) if (pid) process.kill(Number(pid), 'SIGTERM');
  await new Promise((r) => proc.on('close', r));
  proc = null;

  // Walk the trace in order: each acknowledgement of a write needs an fdatasync since the previous one.
  const lines = fs.readFileSync(trace, 'utf8').split('\n');
  let synced = false;
  const checked = [];
  for (const line of lines) {
    if (/\b(fdatasync|fsync)\(\d+\)\s+= 0/.test(line)) synced = true;
    const m = /\b(write|writev|sendto|sendmsg)\(.*\\"id\\":(\d+),\\"ok\\":true/.exec(line);
    if (m && ids.includes(Number(m[2]))) {
      assert.ok(synced, `the reply to request ${m[2]} went out before any fdatasync of its write:\n${line}`);
      checked.push(Number(m[2]));
      synced = false;
    }
  }
  assert.deepEqual(checked, ids, 'every acknowledgement was found in the trace, in order');
});
