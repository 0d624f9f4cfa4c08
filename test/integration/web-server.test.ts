// The web app's server from outside, as a browser tab or an attacker's page would use it: the login
// link, the session cookie, the Host, Origin and CSRF checks, the daemon API under /api and its
// event stream as server-sent events. The browser itself is driven in test/browser/web.test.ts.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { StatusInfo } from '../../src/types.js';
import { startConnectedPair, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { loginUrl, webRequest, webSession } from '../helpers/web-client.js';

describe('web app server', () => {
  let alice: TestDaemon;
  let bob: TestDaemon;
  before(async () => {
    [alice, bob] = await startConnectedPair();
  });
  after(stopAll);

  it('answers 401 without a session, and a login link works once', async () => {
    const url = await loginUrl(alice);
    const origin = new URL(url).origin;
    for (const path of ['/', '/index.html', '/app.js', '/api/v1/status', '/api/v1/messages', '/api/v1/events?since=0']) {
      const res = await webRequest(`${origin}${path}`);
      assert.equal(res.status, 401, `${path} without a session`);
    }
    assert.equal((await webRequest(`${origin}/login?token=not-a-token`)).status, 401);
    assert.equal((await webRequest(`${origin}/login`)).status, 401);
    assert.equal(
      (await webRequest(`${origin}/api/v1/status`, { headers: { cookie: 'p2pchat_session=a.99999999999999.forged' } })).status,
      401,
    );
    const first = await webRequest(url);
    assert.equal(first.status, 302);
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await webRequest(url)).status, 401, 'the same link a second time');
    const name = cookie.split('=')[0] as string;
    for (const forged of [
      'a.99999999999999.forged',
      '',
      cookie
        .split(';')[0]
        ?.split('=')[1]
        ?.replace(/\.\d+\./, '.99999999999999.'),
    ]) {
      assert.equal((await webRequest(`${origin}/api/v1/status`, { headers: { cookie: `${name}=${forged}` } })).status, 401, forged);
    }
    const status = await webRequest(`${origin}/api/v1/status`, { headers: { cookie: cookie.split(';')[0] as string } });
    assert.equal(status.status, 200);
    assert.equal((JSON.parse(status.body) as { peerId: string }).peerId, alice.peerId);
  });

  it('refuses a Host that is not its own address (DNS rebinding), with or without a session', async () => {
    const { origin, cookie } = await webSession(alice);
    const port = new URL(origin).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `192.168.1.20:${port}`]) {
      const res = await webRequest(`${origin}/api/v1/status`, { headers: { host, cookie } });
      assert.equal(res.status, 403, host);
      assert.doesNotMatch(res.body, /peerId/);
    }
    const login = await loginUrl(alice);
    assert.equal((await webRequest(login, { headers: { host: `evil.example:${port}` } })).status, 403, 'the login route too');
    assert.equal((await webRequest(`${origin}/api/v1/status`, { headers: { host: `localhost:${port}`, cookie } })).status, 200);
  });

  it('refuses a cross-origin or token-less POST, and changes nothing', async () => {
    const { origin, cookie, csrf } = await webSession(alice);
    const send = (headers: Record<string, string>) =>
      webRequest(`${origin}/api/v1/send`, { method: 'POST', headers: { cookie, ...headers }, body: { to: bob.peerId, text: 'forged' } });
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example', 'x-csrf-token': csrf },
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf },
      { origin, 'sec-fetch-site': 'same-site', 'x-csrf-token': csrf },
      { 'x-csrf-token': csrf },
      { origin },
      { origin, 'x-csrf-token': `${csrf}x` },
    ];
    for (const headers of refused) assert.equal((await send(headers)).status, 403, JSON.stringify(headers));
    const history = await alice.json<{ text: string }[]>(['history']);
    assert.equal(history.filter((m) => m.text === 'forged').length, 0);
    const form = await webRequest(`${origin}/api/v1/send`, {
      method: 'POST',
      headers: { cookie, origin, 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415, 'a form post is not JSON');
  });

  it('serves the daemon API under /api: a send there is a send (bob gets it, alice history has it)', async () => {
    const { origin, cookie, csrf } = await webSession(alice);
    const res = await webRequest(`${origin}/api/v1/send`, {
      method: 'POST',
      headers: { cookie, origin, 'x-csrf-token': csrf, 'sec-fetch-site': 'same-origin' },
      body: { to: bob.peerId, text: 'from the web app' },
    });
    assert.equal(res.status, 202, res.body);
    const { id } = JSON.parse(res.body) as { id: string };
    await waitFor('bob to have it', async () => (await bob.json<{ id: string }[]>(['history'])).some((m) => m.id === id));
    const bad = await webRequest(`${origin}/api/v1/send`, {
      method: 'POST',
      headers: { cookie, origin, 'x-csrf-token': csrf },
      body: { to: bob.peerId },
    });
    assert.equal(bad.status, 400);
    assert.equal(
      (
        await webRequest(`${origin}/api/v1/web/login-token`, {
          method: 'POST',
          headers: { cookie, origin, 'x-csrf-token': csrf },
          body: {},
        })
      ).status,
      404,
    );
  });

  it('streams events as server-sent events and resumes after Last-Event-ID', async () => {
    const { origin, cookie } = await webSession(bob);
    const all = await readEvents(`${origin}/api/v1/events?since=0`, cookie);
    assert.match(all, /^retry: \d+/);
    const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(ids.length >= 2, all);
    const from = ids.at(-2) as number;
    const resumed = await readEvents(`${origin}/api/v1/events?since=0`, cookie, { 'last-event-id': String(from) });
    assert.deepEqual(
      [...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])),
      ids.filter((id) => id > from),
    );
  });

  it('ends a session on logout', async () => {
    const { origin, cookie, csrf } = await webSession(alice);
    const out = await webRequest(`${origin}/api/logout`, { method: 'POST', headers: { cookie, origin, 'x-csrf-token': csrf }, body: {} });
    assert.equal(out.status, 200);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await webRequest(`${origin}/api/v1/status`, { headers: { cookie } })).status, 401);
  });

  it('keeps a session across a daemon restart (the key is in the data dir)', async () => {
    const { cookie } = await webSession(bob);
    await bob.restart();
    const url = await loginUrl(bob);
    const res = await webRequest(`${new URL(url).origin}/api/v1/status`, { headers: { cookie } });
    assert.equal(res.status, 200);
  });

  it('p2pchat web says why when the web app is off or its port is taken; the daemon runs on', async () => {
    const off = await startDaemon({ name: 'off', env: { P2PCHAT_WEB: '0' } });
    const result = await off.cli(['web', '--no-open']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /web app is off/);
    assert.match((await off.cli(['status'])).stdout, /^Web app: +off: the web app is off/m);

    // At the default port, taken (by this test, or by anything else), a free port does.
    const defaultHolder = createServer();
    await new Promise<void>((resolve) => defaultHolder.once('error', () => resolve()).listen(4748, '127.0.0.1', resolve));
    try {
      const second = await startDaemon({ name: 'second', env: { P2PCHAT_WEB_LISTEN: '127.0.0.1:4748' } });
      await waitFor('the log line about the free port', () => /listening on a free port instead/.test(second.log));
      const url = new URL(await loginUrl(second));
      assert.notEqual(url.port, '4748');
      assert.equal((await webRequest(url.href)).status, 302);
      // status says where it went (without a login token: that comes from p2pchat web only).
      assert.deepEqual((await second.json<StatusInfo>(['status'])).web, { url: url.origin });
      assert.match((await second.cli(['status'])).stdout, new RegExp(`^Web app: +${url.origin} \\(log in with: p2pchat web\\)$`, 'm'));
    } finally {
      defaultHolder.close();
    }

    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as { port: number }).port;
      const taken = await startDaemon({ name: 'taken', env: { P2PCHAT_WEB_LISTEN: `127.0.0.1:${port}` } });
      await waitFor('the log line about the taken port', () => /address is taken/.test(taken.log));
      const web = await taken.cli(['web', '--no-open']);
      assert.equal(web.code, 1);
      assert.match(web.stderr, /taken/);
      assert.equal((await taken.cli(['status'])).code, 0);
    } finally {
      holder.close();
    }
  });
});

/** Reads an SSE response until it has been quiet briefly; returns its text. */
function readEvents(url: string, cookie: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    void import('node:http').then(({ request }) => {
      const req = request(url, { headers: { cookie, ...headers } }, (res) => {
        let text = '';
        let timer = setTimeout(done, 500);
        function done() {
          req.destroy();
          resolve(text);
        }
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          clearTimeout(timer);
          timer = setTimeout(done, 300);
        });
      });
      req.on('error', reject);
      req.end();
    });
  });
}
