// Browser test of login CSRF (docs/security.md): a page of another origin
// auto-submits <form enctype="text/plain" method="post"> to /api/session
// with a JSON-looking body holding the attacker's credentials. Before the
// fix the daemon parsed that body whatever its Content-Type and signed the
// victim's browser in as the attacker. Now it answers 403 and sets no cookie.
// Two attacking origins: another port of the same host (same site,
// another origin) and another host name (another site).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, freePort, DEMO_PASSWORD, TIMEOUT,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;
let evil; // the second origin's HTTP server
let evilPort;

/** The attacker's page: a form that posts itself to the daemon on load. */
function attackPage(target) {
  // text/plain encodes name=value: the body is the JSON object below.
  const name = `{"email":"dee@demo.test","password":"${DEMO_PASSWORD}","pad":"`;
  return `<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="${target}/api/session">
<input type="hidden" name='${name}' value='"}'>
</form>
<script>document.getElementById('f').submit();</script>
</body></html>`;
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
  evilPort = await freePort();
  evil = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(attackPage(daemon.url));
  });
  await new Promise((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
});

after(async () => {
  if (evil) await new Promise((resolve) => evil.close(resolve));
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

for (const [what, host] of [['another port of the same host', '127.0.0.1'], ['another site', 'localhost']]) {
  test(`a form posted from ${what} does not sign the browser in`, async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(TIMEOUT);
    try {
      const page = await context.newPage();
      const answer = page.waitForResponse((r) => r.url() === `${daemon.url}/api/session`);
      await page.goto(`http://${host}:${evilPort}/`);
      const res = await answer;
      assert.equal(res.status(), 403, `the daemon answered ${res.status()} to the cross-origin form`);
      const cookies = await context.cookies(daemon.url);
      assert.deepEqual(cookies.filter((c) => c.name === 'rt_session'), [], 'no session cookie was set');
      // And the web client, opened in this browser, shows the sign-in form.
      const app = await context.newPage();
      await app.goto(`${daemon.url}/`);
      await app.locator('#signin-form').waitFor();
      await app.locator('#conn-status[data-state="online"]').waitFor();
      assert.equal(await app.locator('#user-bar').isHidden(), true, 'not signed in as the attacker');
      assert.match(daemon.log(), /refused a cross-site POST \/api\/session/);
    } finally {
      await context.close();
    }
  });
}

test('the web client\'s own sign-in still works', async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT);
  try {
    const page = await context.newPage();
    await page.goto(`${daemon.url}/`);
    await page.getByLabel('Email').fill('maria@demo.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#coalition-list li[data-slug="valley"]').waitFor();
    assert.match(await page.locator('#who').textContent(), /Maria Lopez/);
  } finally {
    await context.close();
  }
});
