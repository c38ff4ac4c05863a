// WebSocket pings (issue: operations, item 12). The server sent none, so a
// client that vanished without a FIN kept its descriptor forever, and idle
// tabs behind a proxy were cut at the proxy's read timeout. With
// --ping-interval S a connection silent for S seconds is pinged, and one
// silent for 2 S is closed. The interval is 1 s here; the default is 50 s.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, rawWs } from './lib.mjs';

let d;

before(async () => {
  d = await startDaemon({ args: ['--ping-interval', '1', '--auth-deadline', '600'] });
});

after(async () => {
  if (d) await d.close();
});

test('an idle signed-in client is pinged, answers, and stays connected', async () => {
  const c = await d.admin();
  const pinged = new Promise((resolve) => c.ws.once('ping', resolve));
  await pinged; // the ws client answers with a pong by itself
  const again = new Promise((resolve) => c.ws.once('ping', resolve));
  await again;
  const me = await c.call('auth.whoami', {});
  assert.ok(me.member, 'still signed in and served after two pings');
  c.close();
});

test('a client that never answers is pinged, then closed', async () => {
  const w = await rawWs(d.port);
  const ping = await w.waitFrame((f) => f.opcode === 9, 10000);
  assert.equal(ping.opcode, 9);
  const closed = await w.waitClose(15000);
  assert.equal(closed.timeout, false, 'the silent connection was closed');
  assert.equal(closed.tcp, true);
});
