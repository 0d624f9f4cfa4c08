import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWebAddress } from '../../src/config/web-address.js';
import { resumeFrom } from '../../src/control/event-stream.js';
import { browserOpener } from '../../src/cli/commands/web.js';
import { allowedHosts, hostRefusal, isSafeMethod, originRefusal } from '../../src/web/request-checks.js';
import { cookieValue, WebAuth } from '../../src/web/web-auth.js';

describe('web app request checks', () => {
  const hosts = allowedHosts(4748);
  it('accepts only its own loopback Host values', () => {
    for (const host of ['127.0.0.1:4748', 'localhost:4748', '[::1]:4748', 'LOCALHOST:4748'])
      assert.equal(hostRefusal(host, hosts), undefined, host);
    for (const host of [
      undefined,
      '',
      'evil.example:4748',
      'evil.example',
      '127.0.0.1',
      '127.0.0.1:4749',
      '0.0.0.0:4748',
      'localhost.evil:4748',
    ]) {
      assert.notEqual(hostRefusal(host, hosts), undefined, String(host));
    }
  });
  it('needs a same-origin Origin on changes', () => {
    const host = '127.0.0.1:4748';
    const cases: Array<[{ origin?: string; secFetchSite?: string }, boolean]> = [
      [{ origin: 'http://127.0.0.1:4748' }, true],
      [{ origin: 'http://127.0.0.1:4748', secFetchSite: 'same-origin' }, true],
      [{ origin: 'http://127.0.0.1:4748', secFetchSite: 'same-site' }, false],
      [{ origin: 'http://127.0.0.1:4748', secFetchSite: 'cross-site' }, false],
      [{ origin: 'http://localhost:4748' }, false],
      [{ origin: 'https://127.0.0.1:4748' }, false],
      [{ origin: 'null' }, false],
      [{}, false],
      [{ secFetchSite: 'same-origin' }, false],
    ];
    for (const [headers, ok] of cases) assert.equal(originRefusal(headers, host) === undefined, ok, JSON.stringify(headers));
    assert.ok(isSafeMethod('GET') && isSafeMethod('HEAD') && !isSafeMethod('POST') && !isSafeMethod('DELETE'));
  });
  it('parses web.listen as a loopback host:port only', () => {
    assert.deepEqual(parseWebAddress('127.0.0.1:4748'), { host: '127.0.0.1', port: 4748 });
    assert.deepEqual(parseWebAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseWebAddress('localhost:80'), { host: 'localhost', port: 80 });
    for (const bad of [
      '0.0.0.0:4748',
      '192.168.1.2:4748',
      '127.0.0.1',
      '127.0.0.1:70000',
      'example.com:80',
      '127.0.0.300:1',
      '[::]:4748',
    ]) {
      assert.equal(typeof parseWebAddress(bad), 'string', bad);
    }
  });
  it('resumes from Last-Event-ID over since', () => {
    assert.equal(resumeFrom(5, '9'), 9);
    assert.equal(resumeFrom(5, undefined), 5);
    assert.equal(resumeFrom(undefined, 'x'), undefined);
    assert.equal(resumeFrom(3, '-1'), 3);
  });
  it('opens a browser only on a desktop', () => {
    assert.equal(browserOpener('linux', {}), undefined);
    assert.equal(browserOpener('linux', { DISPLAY: ':0' }), 'xdg-open');
    assert.equal(browserOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' }), 'xdg-open');
    assert.equal(browserOpener('darwin', {}), 'open');
  });
});

describe('web app sessions', () => {
  let now = 1_000_000;
  const auth = new WebAuth({ key: Buffer.alloc(32, 7), now: () => now }, { sessionMs: 10_000, loginTokenMs: 1_000 });
  it('redeems a login token once, before it expires', () => {
    const { token } = auth.issueLoginToken();
    assert.equal(auth.redeemLoginToken(token), true);
    assert.equal(auth.redeemLoginToken(token), false);
    const late = auth.issueLoginToken();
    now += 1_001;
    assert.equal(auth.redeemLoginToken(late.token), false);
    assert.equal(auth.redeemLoginToken(''), false);
  });
  it('verifies signed session cookies, their expiry and logouts', () => {
    const { cookie, session } = auth.createSession();
    assert.deepEqual(auth.verifySession(cookie), session);
    const [id, expiry, sig] = cookie.split('.') as [string, string, string];
    assert.equal(auth.verifySession(`${id}.${Number(expiry) + 100000}.${sig}`), undefined, 'a longer expiry breaks the signature');
    assert.equal(auth.verifySession(`${id}x.${expiry}.${sig}`), undefined);
    assert.equal(auth.verifySession(undefined), undefined);
    const other = new WebAuth({ key: Buffer.alloc(32, 8), now: () => now }, { sessionMs: 10_000, loginTokenMs: 1_000 });
    assert.equal(other.verifySession(cookie), undefined, 'another key');
    assert.ok(auth.csrfMatches(session, auth.csrfToken(session)));
    assert.ok(!auth.csrfMatches(session, undefined));
    assert.ok(!auth.csrfMatches(session, other.csrfToken(session)));
    now += 10_001;
    assert.equal(auth.verifySession(cookie), undefined, 'expired');
    const fresh = auth.createSession();
    auth.revoke(fresh.session);
    assert.equal(auth.verifySession(fresh.cookie), undefined, 'logged out');
  });
  it('reads one cookie of a Cookie header', () => {
    assert.equal(cookieValue('a=1; p2pchat_session=x.y.z; b=2', 'p2pchat_session'), 'x.y.z');
    assert.equal(cookieValue('a=1', 'p2pchat_session'), undefined);
    assert.equal(cookieValue(undefined, 'p2pchat_session'), undefined);
  });
});
