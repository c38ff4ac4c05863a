// Origin checking on the /ws upgrade: exact allow list, foreign origins and
// look-alikes refused with HTTP 403, a missing Origin allowed, --origin adds one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

let d;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  if (d) await d.close();
});

async function upgrade(daemon, opts) {
  const c = new Client(daemon.url);
  try {
    await c.connect(opts);
    return { ok: true, client: c };
  } catch (e) {
    return { ok: false, status: e.status, error: e };
  }
}

async function expectRefused(daemon, origin) {
  const r = await upgrade(daemon, { origin });
  if (r.ok) {
    r.client.close();
    assert.fail(`upgrade with Origin ${JSON.stringify(origin)} was accepted; expected HTTP 403`);
  }
  assert.equal(r.status, 403, `upgrade with Origin ${JSON.stringify(origin)}: ${r.error.message}`);
}

async function expectAccepted(daemon, opts) {
  const r = await upgrade(daemon, opts);
  assert.ok(r.ok, `upgrade with ${JSON.stringify(opts)} refused: ${r.error?.message}`);
  // And it is a working roundtable.v1 connection.
  assert.equal(r.client.ws.protocol, 'roundtable.v1');
  const login = await r.client.request('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(login.ok, true, JSON.stringify(login));
  r.client.close();
}

test('the listener\'s own origin is allowed (127.0.0.1 and localhost)', async () => {
  await expectAccepted(d, { origin: `http://127.0.0.1:${d.port}` });
  await expectAccepted(d, { origin: `http://localhost:${d.port}` });
});

test('a missing Origin header is allowed (non-browser clients)', async () => {
  await expectAccepted(d, {});
});

test('a foreign Origin gets HTTP 403', async () => {
  await expectRefused(d, 'http://evil.test');
  await expectRefused(d, 'https://evil.test');
  await expectRefused(d, `http://evil.test:${d.port}`);
});

test('Origin null is refused', async () => {
  await expectRefused(d, 'null');
});

test('look-alike origins are refused', async () => {
  const p = d.port;
  const lookalikes = [
    `http://127.0.0.1:${p}.evil.test`,
    `http://127.0.0.1:${p}0`,
    `http://127.0.0.1:${p}x`,
    `http://127.0.0.1:${p}@evil.test`,
    `http://127.0.0.1:${String(p).slice(0, -1)}`,
    `https://127.0.0.1:${p}`,
    `ws://127.0.0.1:${p}`,
    `http://127.0.0.1`,
    `http://127.0.0.1:${p}/evil`,
    `http://127.0.0.2:${p}`,
    `http://localhost.evil.test:${p}`,
    `http://evil.localhost:${p}`,
    `xhttp://127.0.0.1:${p}`,
    `http://127.0.0.1:${p} http://evil.test`,
    `http://127.0.0.1:${p}, http://evil.test`,
  ];
  for (const o of lookalikes) await expectRefused(d, o);
});

test('a refused upgrade leaves the daemon serving others', async () => {
  await expectRefused(d, 'http://evil.test');
  await expectAccepted(d, { origin: d.origin });
  const h = await fetch(`${d.base}/healthz`);
  assert.equal(h.status, 200);
});

test('a wrong subprotocol does not give a roundtable connection', async () => {
  const r = await upgrade(d, { protocol: 'chat.v9' });
  if (r.ok) {
    // The ws client itself refuses a server reply naming another protocol, so
    // reaching here means the server agreed to 'chat.v9'.
    r.client.close();
    assert.fail('upgrade asking only for subprotocol chat.v9 was accepted');
  }
});

test('--origin adds an allowed origin, and only that one', async () => {
  const extra = 'https://app.example.org';
  const d2 = await startDaemon({ args: ['--origin', extra, '--origin', 'http://second.example.org:8443'] });
  try {
    await expectAccepted(d2, { origin: extra });
    await expectAccepted(d2, { origin: 'http://second.example.org:8443' });
    await expectAccepted(d2, { origin: d2.origin });
    await expectAccepted(d2, {});
    await expectRefused(d2, 'https://app.example.org.evil.test');
    await expectRefused(d2, 'http://app.example.org');
    await expectRefused(d2, 'https://app.example.org:444');
    await expectRefused(d2, 'https://evil.test');
    await expectRefused(d2, 'null');
  } finally {
    await d2.close();
  }
});

test('the Origin check holds on every upgrade path, not only /ws', async () => {
  for (const p of ['/', '/other', '/ws/', '/ws?x=1', '/api/session']) {
    const c = new Client(`ws://127.0.0.1:${d.port}${p}`);
    try {
      await c.connect({ origin: 'http://evil.test' });
      c.close();
      assert.fail(`upgrade on ${p} with a foreign Origin was accepted`);
    } catch (e) {
      if (e.code === 'ERR_ASSERTION') throw e;
      assert.ok(e.status === 403 || e.status === 404 || e.status === 400, `upgrade on ${p}: ${e.message}`);
    }
  }
});

test('an upgrade without a subprotocol, if accepted, still checks Origin', async () => {
  await expectRefusedNoProto('http://evil.test');
  await expectRefusedNoProto('null');
});

async function expectRefusedNoProto(origin) {
  const c = new Client(d.url);
  try {
    await c.connect({ origin, protocol: null });
    c.close();
    assert.fail(`upgrade without subprotocol and Origin ${origin} accepted`);
  } catch (e) {
    if (e.code === 'ERR_ASSERTION') throw e;
    assert.equal(e.status, 403, e.message);
  }
}
