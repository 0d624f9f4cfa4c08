// Each author's messages form a hash chain: one signature per run verifies a sync page, a broken
// link or a bad signature costs only the messages it touches; Lamport numbers stay near real time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { chainRuns, verifyChained } from '../../src/rooms/chain-verify.js';
import {
  type CheckedRoomMessage,
  followsInChain,
  parseRoomMessage,
  payloadHash,
  payloadProblem,
  type RoomPayload,
  signRoomMessage,
} from '../../src/rooms/room-message.js';
import { lamportTooFarAhead, MAX_AHEAD_MS, nextLamport } from '../../src/rooms/room-order.js';
import { clockAfter } from '../../src/rooms/sync-decisions.js';

const ROOM = 'ab'.repeat(16);

async function chain(count: number): Promise<{ id: string; messages: CheckedRoomMessage[] }> {
  const key = await generateKeyPair('Ed25519');
  const id = peerIdFromPrivateKey(key).toString();
  const messages: CheckedRoomMessage[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const prev = messages.at(-1);
    const payload: RoomPayload = { v: 1, room: ROOM, author: id, seq, lamport: seq, time: 0, kind: 'text', text: `m${seq}` };
    if (prev) payload.prev = payloadHash(prev.wire.p);
    messages.push(await signRoomMessage(payload, key));
  }
  return { id, messages };
}

/** The message as a receiver parses it, after `change` touched its wire form. */
const reparsed = (m: CheckedRoomMessage, change: (wire: { p: string; s: string }) => { p: string; s: string } = (w) => w) =>
  parseRoomMessage(JSON.stringify(change({ ...m.wire })), 100_000);

describe('room hash chains', () => {
  it('needs prev after the first message and refuses it on the first', () => {
    const base = {
      v: 1,
      room: ROOM,
      author: '12D3KooWGzKr5EFFQYUvT3YutRr2kH7pT6ZoZDo1PWNWuDRBpoUc',
      lamport: 1,
      time: 0,
      kind: 'text',
      text: 'x',
    };
    assert.equal(payloadProblem({ ...base, seq: 2 }), 'prev must be the hash of the previous payload');
    assert.equal(payloadProblem({ ...base, seq: 2, prev: 'short' }), 'prev must be the hash of the previous payload');
    assert.equal(payloadProblem({ ...base, seq: 1, prev: payloadHash('x') }), 'the first message has no prev');
    assert.equal(payloadProblem({ ...base, seq: 2, prev: payloadHash('x') }), undefined);
  });

  it('follows only the payload it names', async () => {
    const { messages } = await chain(3);
    const [m1, m2, m3] = messages as [CheckedRoomMessage, CheckedRoomMessage, CheckedRoomMessage];
    assert.equal(followsInChain(m1.payload, undefined), true);
    assert.equal(followsInChain(m2.payload, m1.wire.p), true);
    assert.equal(followsInChain(m3.payload, m1.wire.p), false);
    assert.equal(followsInChain(m2.payload, undefined), false);
  });

  it('groups a page into runs per author, broken where a link or a seq does not follow', async () => {
    const a = await chain(4);
    const b = await chain(2);
    const [a1, a2, a3, a4] = a.messages as [CheckedRoomMessage, CheckedRoomMessage, CheckedRoomMessage, CheckedRoomMessage];
    const [b1, b2] = b.messages as [CheckedRoomMessage, CheckedRoomMessage];
    assert.deepEqual(chainRuns([a1, a2, b1, a3, b2]), [
      [0, 1, 3],
      [2, 4],
    ]);
    // a3 missing: a4 starts a run of its own.
    assert.deepEqual(chainRuns([a1, a2, a4]), [[0, 1], [2]]);
  });

  it('verifies a run by its last signature, and a run with a bad one message by message', async () => {
    const { messages } = await chain(5);
    const page = messages.map((m) => reparsed(m));
    assert.deepEqual(await verifyChained(page), [true, true, true, true, true]);
    // The last signature broken: every message before it still has its own.
    const lastBroken = [
      ...page.slice(0, 4),
      reparsed(messages[4] as CheckedRoomMessage, (w) => ({ ...w, s: (messages[0] as CheckedRoomMessage).wire.s })),
    ];
    assert.deepEqual(await verifyChained(lastBroken), [true, true, true, true, false]);
    // A text changed in the middle: the run breaks after it; the changed one fails, the rest stand.
    const changed = reparsed(messages[2] as CheckedRoomMessage, (w) => ({ ...w, p: w.p.replace('m3', 'M3') }));
    assert.deepEqual(await verifyChained([page[0], page[1], changed, page[3], page[4]] as CheckedRoomMessage[]), [
      true,
      true,
      false,
      true,
      true,
    ]);
  });

  it('computes the clock a page leads to, ignoring what it cannot read', async () => {
    const { id, messages } = await chain(3);
    assert.deepEqual(clockAfter({ [id]: 1, other: 7 }, [...messages.map((m) => m.wire), { p: 'not json', s: '' }]), { [id]: 3, other: 7 });
  });
});

describe('room order', () => {
  it('sends at least real time and always after the clock', () => {
    assert.equal(nextLamport(5, 1_000), 1_000);
    assert.equal(nextLamport(2_000, 1_000), 2_001);
  });

  it('puts off Lamport numbers too far ahead of real time', () => {
    assert.equal(lamportTooFarAhead(1_000 + MAX_AHEAD_MS, 1_000), false);
    assert.equal(lamportTooFarAhead(1_001 + MAX_AHEAD_MS, 1_000), true);
  });
});
