// When a stream to a peer cannot be opened: fail for good only a plain peer with no way to hear
// us, after its grace; back off on anything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterOpenFailure, PEER_STREAM_GRACE_MS } from '../../src/delivery/open-failure.js';

const limits = { retrySoonMs: 500, maxDelayMs: 60_000 };

describe('afterOpenFailure', () => {
  it('waits for a newly connected plain peer to open its stream, then fails its messages once', () => {
    const young = afterOpenFailure('no-chat-stream', { now: 10_000, connectedForMs: 100, openDelay: 1000 }, limits);
    assert.deepEqual(young, { failAll: false, nextOpenAt: 10_500, openDelay: 1000 });
    const old = afterOpenFailure('no-chat-stream', { now: 10_000, connectedForMs: PEER_STREAM_GRACE_MS, openDelay: 1000 }, limits);
    assert.equal(old.failAll, true);
  });

  it('backs off on other failures, doubling up to the maximum, and never fails messages for them', () => {
    let openDelay = 1000;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const retry = afterOpenFailure('error', { now: 0, connectedForMs: 1e9, openDelay }, limits);
      assert.equal(retry.failAll, false);
      delays.push(retry.nextOpenAt);
      openDelay = retry.openDelay;
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });
});
