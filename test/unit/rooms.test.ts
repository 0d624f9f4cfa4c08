import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  decodeInvitation,
  encodeInvitation,
  newPrivateRoom,
  normalizeRoomName,
  openRoomId,
  roomIdOfTopic,
  roomTopic,
} from '../../src/rooms/room-ids.js';
import {
  decryptText,
  encryptText,
  parseRoomMessage,
  type RoomPayload,
  RoomMessageError,
  signRoomMessage,
  verifyRoomMessage,
} from '../../src/rooms/room-message.js';
import { pagePlan, parsePull } from '../../src/rooms/sync-decisions.js';

const ROOM = 'ab'.repeat(16);

async function author() {
  const key = await generateKeyPair('Ed25519');
  return { key, id: peerIdFromPrivateKey(key).toString() };
}

function payload(authorId: string, extra: Partial<RoomPayload> = {}): RoomPayload {
  return { v: 1, room: ROOM, author: authorId, seq: 1, lamport: 1, time: 1_700_000_000_000, kind: 'text', text: 'hello', ...extra };
}

const rejection = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RoomMessageError);
    return err.reason;
  }
  assert.fail('expected a RoomMessageError');
};

describe('room messages', () => {
  it('a signed message verifies, and any change to it does not', async () => {
    const { key, id } = await author();
    const signed = await signRoomMessage(payload(id), key);
    const wire = JSON.stringify(signed.wire);
    assert.equal(await verifyRoomMessage(parseRoomMessage(wire, 10_000)), true);
    const altered = { p: signed.wire.p.replace('hello', 'hellO'), s: signed.wire.s };
    assert.equal(await verifyRoomMessage(parseRoomMessage(JSON.stringify(altered), 10_000)), false);
  });

  it('a message signed by one key but naming another author does not verify (forged author)', async () => {
    const mallory = await author();
    const alice = await author();
    const forged = await signRoomMessage(payload(alice.id), mallory.key);
    assert.equal(await verifyRoomMessage(parseRoomMessage(JSON.stringify(forged.wire), 10_000)), false);
  });

  it('refuses oversized and malformed input before anything else', async () => {
    const { id } = await author();
    assert.equal(
      rejection(() => parseRoomMessage('x'.repeat(101), 100)),
      'oversized',
    );
    assert.equal(
      rejection(() => parseRoomMessage('{not json', 100)),
      'malformed',
    );
    assert.equal(
      rejection(() => parseRoomMessage(JSON.stringify({ p: 1, s: 'x' }), 1000)),
      'malformed',
    );
    const bad = (p: unknown) => rejection(() => parseRoomMessage(JSON.stringify({ p: JSON.stringify(p), s: '' }), 10_000));
    assert.equal(bad(payload(id, { seq: 0 })), 'malformed');
    assert.equal(bad(payload(id, { room: 'nope' })), 'malformed');
    assert.equal(bad(payload('not-a-peer-id')), 'malformed');
    assert.equal(bad(payload(id, { kind: 'join' })), 'malformed'); // a join carries no text
    assert.equal(bad({ ...payload(id), text: undefined }), 'malformed'); // a text without text
    assert.equal(bad(payload(id, { lamport: 1.5 })), 'malformed');
  });

  it('private texts decrypt with the room key only, and only for the room, author and seq they were written for', async () => {
    const { id } = await author();
    const { key } = newPrivateRoom();
    const enc = encryptText(key, ROOM, id, 3, 'secret');
    const p = payload(id, { seq: 3, text: undefined, enc });
    assert.equal(decryptText(key, p), 'secret');
    assert.equal(decryptText(newPrivateRoom().key, p), undefined);
    assert.equal(decryptText(key, { ...p, seq: 4 }), undefined);
    assert.notEqual(encryptText(key, ROOM, id, 3, 'secret').n, enc.n, 'a fresh nonce each time');
  });
});

describe('room ids and invitations', () => {
  it('open room ids come from the network and the name; #name and NAME are the same room', () => {
    assert.equal(normalizeRoomName('#Office'), 'office');
    assert.equal(normalizeRoomName('bad name'), undefined);
    assert.equal(normalizeRoomName(''), undefined);
    assert.equal(openRoomId('default', 'office'), openRoomId('default', 'office'));
    assert.notEqual(openRoomId('default', 'office'), openRoomId('lab', 'office'));
    assert.equal(roomIdOfTopic(roomTopic(ROOM)), ROOM);
    assert.equal(roomIdOfTopic('/other/topic'), undefined);
  });

  it('an invitation round-trips, and a damaged one is refused with a reason', () => {
    const { id, key } = newPrivateRoom();
    const inv = decodeInvitation(encodeInvitation({ id, name: 'lab', key, addrs: ['/ip4/10.0.0.1/tcp/1/p2p/x'] }));
    assert.equal(inv.id, id);
    assert.deepEqual(Buffer.from(inv.key as Uint8Array), Buffer.from(key));
    assert.throws(() => decodeInvitation('hello'), /not a valid room invitation/);
    assert.throws(() => decodeInvitation('p2pchat-room:!!!'), /not a valid room invitation/);
    const shortKey = `p2pchat-room:${Buffer.from(JSON.stringify({ id, name: 'lab', key: 'AAAA', addrs: [] })).toString('base64url')}`;
    assert.throws(() => decodeInvitation(shortKey), /bad room key/);
  });
});

describe('room sync decisions', () => {
  it('parses pull requests and refuses bad ones', () => {
    const frame = (v: unknown) => Buffer.from(JSON.stringify(v));
    assert.deepEqual(parsePull(frame({ t: 'pull', room: ROOM, have: { x: 2 }, max: 10 })), {
      t: 'pull',
      room: ROOM,
      have: { x: 2 },
      max: 10,
    });
    assert.equal(parsePull(Buffer.from('{')), 'not JSON');
    assert.equal(parsePull(frame({ t: 'pull', room: 'x', have: {}, max: 1 })), 'bad room id');
    assert.equal(parsePull(frame({ t: 'pull', room: ROOM, have: { x: -1 }, max: 1 })), 'bad clock entry');
    assert.equal(parsePull(frame({ t: 'pull', room: ROOM, have: [], max: 1 })), 'bad clock');
    assert.equal(parsePull(frame({ t: 'push', room: ROOM, have: {}, max: 1 })), 'unknown request type');
  });

  it('a page sends what the puller lacks, at most max, and says when more remains', () => {
    assert.deepEqual(pagePlan({ a: 5, b: 3 }, { a: 5, b: 3 }, 10), { take: [], more: false });
    assert.deepEqual(pagePlan({ a: 5, b: 3 }, { a: 2 }, 10), {
      take: [
        { author: 'a', after: 2, count: 3 },
        { author: 'b', after: 0, count: 3 },
      ],
      more: false,
    });
    assert.deepEqual(pagePlan({ a: 5, b: 3 }, {}, 4), { take: [{ author: 'a', after: 0, count: 4 }], more: true });
    // A puller ahead of us on an author gets nothing of it.
    assert.deepEqual(pagePlan({ a: 5 }, { a: 9 }, 4), { take: [], more: false });
  });
});
