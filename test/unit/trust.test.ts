import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/api-errors.js';
import { resolvePeer } from '../../src/control/resolve-peer.js';
import { InboundGate, type InboundLimits } from '../../src/trust/inbound-gate.js';
import { RateLimiter } from '../../src/trust/rate-limit.js';
import { checkPetname } from '../../src/trust/trust-book.js';
import type { TrustState } from '../../src/types.js';

const rate = { messagesPerSecond: 1, bytesPerSecond: 100, burstSeconds: 3 };

describe('RateLimiter', () => {
  it('lets a burst through, then one message per refill', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limiter.tryTake('a', rate, 10)),
      [true, true, true, false],
    );
    now = 1000;
    assert.equal(limiter.tryTake('a', rate, 10), true);
    assert.equal(limiter.tryTake('a', rate, 10), false);
    assert.equal(limiter.tryTake('b', rate, 10), true, 'peers have their own buckets');
  });

  it('counts bytes too, and lets a message larger than the bucket through only when it is full', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    assert.equal(limiter.tryTake('a', rate, 250), true);
    assert.equal(limiter.tryTake('a', rate, 100), false, '50 bytes left');
    now = 10_000;
    assert.equal(limiter.tryTake('a', rate, 1000), true, 'full bucket: a large message passes');
  });

  it('take() goes into debt and says how long to wait', () => {
    const limiter = new RateLimiter(() => 0);
    assert.equal(limiter.take('a', rate, 0), 0);
    assert.equal(limiter.take('a', rate, 0), 0);
    assert.equal(limiter.take('a', rate, 0), 0);
    assert.equal(limiter.take('a', rate, 0), 1000);
    assert.equal(limiter.take('a', rate, 0), 2000);
  });
});

function gate(states: Record<string, TrustState>, limits: Partial<InboundLimits> = {}, room = true, stored: string[] = []) {
  return new InboundGate(
    {
      trust: {
        stateOf: (id) => states[id] ?? 'stranger',
        effectiveStateOf: (id) =>
          limits.policy === 'open' && (states[id] ?? 'stranger') === 'stranger' ? 'contact' : (states[id] ?? 'stranger'),
      },
      storage: { hasRoomFor: () => room },
      isStored: (_peer, id) => stored.includes(id),
      initialUsage: [],
      now: () => 0,
    },
    {
      policy: 'requests',
      strangerQuota: { messages: 3, bytes: 1000 },
      requestsMaxBytes: 10_000,
      rate: {
        contact: { messagesPerSecond: 2, bytesPerSecond: 1e6, burstSeconds: 1 },
        stranger: { messagesPerSecond: 10, bytesPerSecond: 1e6, burstSeconds: 1 },
      },
      ...limits,
    },
  );
}

const msgs = (n: number, text = 'hi') => Array.from({ length: n }, (_, i) => ({ id: `m${i}`, text, sentAt: 0 }));

describe('InboundGate', () => {
  it('holds a stranger’s messages as requests up to its quota, then refuses them', () => {
    const verdict = gate({}).admit('s', msgs(5));
    assert.deepEqual(
      verdict.accepted.map((m) => [m.id, m.request]),
      [
        ['m0', true],
        ['m1', true],
        ['m2', true],
      ],
    );
    assert.deepEqual(
      verdict.refused.map((r) => r.reason),
      ['quota', 'quota'],
    );
  });

  it('never refuses a resend of something already stored', () => {
    const g = gate({}, {}, true, ['m4']);
    const verdict = g.admit('s', msgs(5));
    assert.deepEqual(
      verdict.refused.map((r) => r.id),
      ['m3'],
    );
    assert.ok(verdict.accepted.some((m) => m.id === 'm4'));
  });

  it('bounds all strangers together', () => {
    const g = gate({}, { requestsMaxBytes: 5 });
    assert.equal(g.admit('a', msgs(2, 'abc')).refused.length, 1);
    assert.equal(g.admit('b', msgs(1, 'abc')).refused[0]?.reason, 'quota');
    g.setUsage('a', undefined);
    assert.equal(g.admit('b', msgs(1, 'abc')).refused.length, 0, 'room again once a stranger’s requests are gone');
  });

  it('slows a contact over its rate down instead of refusing it', () => {
    const verdict = gate({ c: 'contact' }).admit('c', msgs(4));
    assert.equal(verdict.refused.length, 0);
    assert.ok(verdict.accepted.every((m) => !m.request));
    assert.equal(verdict.delayMs, 1000);
  });

  it('refuses by policy, block and storage, in that order', () => {
    assert.equal(gate({}, { policy: 'contacts' }).admit('s', msgs(1)).refused[0]?.reason, 'contacts_only');
    assert.equal(gate({ b: 'blocked' }).admit('b', msgs(1)).refused[0]?.reason, 'blocked');
    assert.equal(gate({ c: 'contact' }, {}, false).admit('c', msgs(1)).refused[0]?.reason, 'storage_full');
    assert.equal(gate({}, { policy: 'open' }).admit('s', msgs(5)).refused.length, 0, 'open: strangers count as contacts');
  });

  it('refuses a stranger over its rate', () => {
    const g = gate({}, { strangerQuota: { messages: 100, bytes: 1e6 } });
    const verdict = g.admit('s', msgs(12));
    assert.equal(verdict.accepted.length, 10);
    assert.deepEqual(
      verdict.refused.map((r) => r.reason),
      ['rate_limited', 'rate_limited'],
    );
  });
});

describe('resolvePeer with trust', () => {
  const peers = [
    { peerId: '12D3KooWAAAA1111', name: 'alice', claimedName: 'alice', petname: null, trust: 'contact' as const },
    { peerId: '12D3KooWBBBB2222', name: 'alice', claimedName: 'alice', petname: null, trust: 'stranger' as const },
    { peerId: '12D3KooWCCCC3333', name: 'boss', claimedName: 'carol', petname: 'boss', trust: 'contact' as const },
    { peerId: '12D3KooWDDDD4444', name: 'boss', claimedName: 'boss', petname: null, trust: 'contact' as const },
  ];
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as ApiError).code;
    }
    return undefined;
  };

  it('resolves a name among contacts only, petnames first', () => {
    assert.equal(resolvePeer('alice', peers).peerId, '12D3KooWAAAA1111');
    assert.equal(resolvePeer('boss', peers).peerId, '12D3KooWCCCC3333', 'your petname wins over a claim');
    assert.equal(resolvePeer('carol', peers).peerId, '12D3KooWCCCC3333', 'a contact’s claimed name still works');
  });

  it('reaches a stranger by id or prefix, never by the name it claims', () => {
    assert.equal(resolvePeer('12D3KooWBBBB', peers).peerId, '12D3KooWBBBB2222');
    const onlyStranger = peers.filter((p) => p.peerId !== '12D3KooWAAAA1111');
    assert.equal(
      code(() => resolvePeer('alice', onlyStranger)),
      'unknown_peer',
    );
    assert.ok(
      (() => {
        try {
          resolvePeer('alice', onlyStranger);
        } catch (err) {
          return err instanceof ApiError && /stranger claims/.test(err.message);
        }
        return false;
      })(),
    );
    assert.equal(resolvePeer('alice', onlyStranger, { strangersAreContacts: true }).peerId, '12D3KooWBBBB2222');
  });
});

describe('checkPetname', () => {
  it('refuses empty, long and control-character names', () => {
    assert.equal(checkPetname('Alice (work)'), undefined);
    assert.ok(checkPetname('  '));
    assert.ok(checkPetname('x'.repeat(65)));
    assert.ok(checkPetname('al\u001b[1mice'));
    assert.ok(checkPetname('ali\u202Ece'));
  });
});
