import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DialLimiter } from '../../src/node/dial-limiter.js';

const at = (host: string, port = 4747) => `/ip4/${host}/tcp/${port}`;

describe('DialLimiter', () => {
  it('lets one stranger dial at a time reach a host, spaced out, whatever the identity', () => {
    const limiter = new DialLimiter({ wantedPerHost: 4, strangerSpacingMs: 1000 });
    const first = limiter.tryStranger([at('10.0.0.9', 1)], 0);
    assert.ok(first);
    // Another identity announcing the same host (any port) is skipped while the first dial runs...
    assert.equal(limiter.tryStranger([at('10.0.0.9', 2)], 10), undefined);
    first();
    // ...and until the spacing has passed since the last start.
    assert.equal(limiter.tryStranger([at('10.0.0.9', 2)], 999), undefined);
    assert.ok(limiter.tryStranger([at('10.0.0.9', 2)], 1000));
    // Other hosts are not affected.
    assert.ok(limiter.tryStranger([at('10.0.0.10')], 10));
  });

  it('skips a stranger dial to any busy host among its addresses', async () => {
    const limiter = new DialLimiter({ wantedPerHost: 4, strangerSpacingMs: 0 });
    const release = await limiter.wanted([at('10.0.0.1')]);
    assert.equal(limiter.tryStranger([at('10.0.0.2'), at('10.0.0.1')], 0), undefined);
    release();
    assert.ok(limiter.tryStranger([at('10.0.0.2'), at('10.0.0.1')], 0));
  });

  it('queues wanted dials past the per-host limit, first come first served, and never drops one', async () => {
    const limiter = new DialLimiter({ wantedPerHost: 2, strangerSpacingMs: 1000 });
    const started: string[] = [];
    const dial = (name: string, host: string) =>
      limiter.wanted([at(host)]).then((release) => {
        started.push(name);
        return release;
      });
    const a = dial('a', '10.0.0.1');
    const b = dial('b', '10.0.0.1');
    const c = dial('c', '10.0.0.1');
    const d = dial('d', '10.0.0.1');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b']);
    (await a)();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b', 'c']);
    (await b)();
    (await c)();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    (await d)();
    // A stranger finds the host idle again once every wanted dial is done.
    assert.ok(limiter.tryStranger([at('10.0.0.1')], 5000));
  });

  it('counts a DNS name as a host, so announcing names does not escape the limits', () => {
    const limiter = new DialLimiter({ wantedPerHost: 1, strangerSpacingMs: 1000 });
    assert.ok(limiter.tryStranger(['/dns4/victim.example/tcp/1'], 0));
    assert.equal(limiter.tryStranger(['/dns4/VICTIM.example/tcp/2'], 10), undefined);
  });
});
