import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as lp from 'it-length-prefixed';
import { Uint8ArrayList } from 'uint8arraylist';
import { FrameDecoder, readLengthPrefix } from '../../src/protocol/frame-decoder.js';
import { mayHold, PartialFrameBudget, STRANGER_SHARE } from '../../src/protocol/partial-frames.js';
import { LogThrottle } from '../../src/log-throttle.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const frame = (s: string) => lp.encode.single(new TextEncoder().encode(s)).subarray();

describe('FrameDecoder', () => {
  it('returns the frames a chunk completes and holds the rest', () => {
    const decoder = new FrameDecoder(1024);
    const bytes = new Uint8Array([...frame('one'), ...frame('two'), ...frame('three')]);
    const first = decoder.decode(bytes.subarray(0, 10));
    assert.deepEqual(first.frames.map(text), ['one', 'two']);
    assert.equal(decoder.heldBytes, 2);
    const rest = decoder.decode(bytes.subarray(10));
    assert.deepEqual(rest.frames.map(text), ['three']);
    assert.equal(decoder.heldBytes, 0);
  });

  it('refuses a length over the limit from the prefix alone, keeping the frames before it', () => {
    const decoder = new FrameDecoder(1024);
    // varint 16 MiB, then a little payload
    const result = decoder.decode(new Uint8Array([...frame('ok'), 0x80, 0x80, 0x80, 0x08, 1, 2]));
    assert.deepEqual(result.frames.map(text), ['ok']);
    assert.match(String(result.error?.message), /longer than 1024/);
    // Too many continuation bytes, even when each adds nothing.
    assert.throws(() => readLengthPrefix(new Uint8ArrayList(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80])), 1 << 30));
    assert.equal(readLengthPrefix(new Uint8ArrayList(new Uint8Array([0x80])), 1024), undefined);
    assert.deepEqual(readLengthPrefix(new Uint8ArrayList(new Uint8Array([0x80, 0x08])), 1024), { length: 1024, prefixBytes: 2 });
  });

  it('copies a small held part out of the large chunk it came in', () => {
    const decoder = new FrameDecoder(64 * 1024);
    const chunk = new Uint8Array(200 * 1024);
    // One frame filling most of the chunk, then a length prefix and the start of the next frame.
    const big = frame('x'.repeat(60 * 1024));
    chunk.set(big, 0);
    const partial = new Uint8Array([...frame('y'.repeat(100)).subarray(0, 4)]);
    chunk.set(partial, big.byteLength);
    const result = decoder.decode(chunk.subarray(0, big.byteLength + partial.byteLength));
    assert.equal(result.frames.length, 1);
    assert.equal(decoder.heldBytes, 4);
    decoder.compact();
    assert.equal(decoder.heldBytes, 4);
    const done = decoder.decode(frame('y'.repeat(100)).subarray(4));
    assert.deepEqual(done.frames.map(text), ['y'.repeat(100)]);
  });
});

describe('partial-frame budget', () => {
  it('lets a stream shrink or stay, and grow only within the budget', () => {
    const held = (total: number, strangers = 0) => ({ total, strangers });
    assert.equal(mayHold(held(100), 50, 50, 10, true), true);
    assert.equal(mayHold(held(100), 50, 10, 10, true), true);
    assert.equal(mayHold(held(90), 0, 10, 100, true), true);
    assert.equal(mayHold(held(90), 0, 11, 100, true), false);
    assert.equal(mayHold(held(90), 40, 51, 100, true), false);
  });

  it('keeps part of the budget for contacts: strangers together get at most their share', () => {
    const held = { total: 40, strangers: 40 };
    assert.equal(STRANGER_SHARE, 0.5);
    assert.equal(mayHold(held, 0, 10, 100, false), true);
    assert.equal(mayHold(held, 0, 11, 100, false), false);
    assert.equal(mayHold(held, 0, 60, 100, true), true);
    assert.equal(mayHold(held, 0, 61, 100, true), false);
  });

  it('refuses the stream that would go over, and frees what a stream releases', () => {
    const budget = new PartialFrameBudget({ timeoutMs: 1000, maxBytes: 100 });
    const [a, b, c, d] = [{}, {}, {}, {}];
    assert.equal(budget.hold(a, 30, false), true);
    assert.equal(budget.hold(b, 30, false), false); // strangers' share is 50
    assert.equal(budget.hold(b, 20, false), true);
    assert.equal(budget.hold(c, 50, true), true);
    assert.equal(budget.hold(d, 1, true), false);
    assert.deepEqual(budget.heldBytes, { total: 100, strangers: 50 });
    budget.release(a);
    assert.equal(budget.hold(d, 30, true), true);
    assert.deepEqual(budget.heldBytes, { total: 100, strangers: 20 });
    assert.equal(budget.hold(b, 0, false), true);
    assert.deepEqual([budget.heldBytes, budget.holderCount], [{ total: 80, strangers: 0 }, 2]);
  });
});

describe('report throttle', () => {
  it('reports once per key and period, with the count held back', () => {
    let now = 0;
    const throttle = new LogThrottle(1000, () => now, 2);
    const at = (t: number, key: string) => {
      now = t;
      return throttle.admit(key);
    };
    assert.equal(at(0, 'a'), 0);
    assert.equal(at(10, 'a'), undefined);
    assert.equal(at(20, 'a'), undefined);
    assert.equal(at(20, 'b'), 0);
    assert.equal(at(1000, 'a'), 2);
    // At most two keys remembered: c pushes out b, the oldest.
    assert.equal(at(1001, 'c'), 0);
    assert.equal(at(1002, 'b'), 0);
  });
});
