// An attacker's raw libp2p peer against a daemon's rooms: on the gossip topic (malformed, forged
// author, wrong key, unknown room, a flood) and on the sync protocol (garbage requests, oversized
// frames, forged pages). Nothing invalid is stored, the refusals are logged, the daemon stays healthy;
// a non-member that relays a private room's gossip sees only ciphertext.
import '../../src/polyfills.js';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import type { RoomStats } from '../../src/rooms/rooms.js';
import { roomTopic } from '../../src/rooms/room-ids.js';
import {
  type CheckedRoomMessage,
  encodeWire,
  encryptText,
  payloadHash,
  type RoomPayload,
  signRoomMessage,
} from '../../src/rooms/room-message.js';
import { ROOM_SYNC_PROTOCOL } from '../../src/rooms/room-sync.js';
import type { RoomInfo, RoomInvitation, RoomMessage, SentRoomMessage, StatusInfo } from '../../src/types.js';
import { connectPair, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { type GossipPeer, gossipPeer } from '../helpers/gossip-peer.js';

let d: TestDaemon;
let m: TestDaemon;
let attacker: GossipPeer;
/** The attacker's own key: it may sign as itself, never as anyone else. */
let attackerKey: Awaited<ReturnType<typeof generateKeyPair>>;
let office: RoomInfo;
let lab: RoomInfo;
/** Pages the attacker answers the daemon's sync pulls with. */
let forgedPages: unknown[] = [];

before(async () => {
  [d, m] = (await Promise.all([startDaemon({ name: 'd' }), startDaemon({ name: 'm' })])) as [TestDaemon, TestDaemon];
  await connectPair(d, m);
  office = await d.json<RoomInfo>(['room', 'join', 'office']);
  lab = await d.json<RoomInfo>(['room', 'create', 'lab', '--private']);
  await m.json<RoomInfo>(['room', 'join', (await d.json<RoomInvitation>(['room', 'invite', 'lab'])).invitation]);
  attackerKey = await generateKeyPair('Ed25519');
  attacker = await gossipPeer(attackerKey);
  // Answers the daemon's sync pulls with whatever the test chose.
  await attacker.handle(ROOM_SYNC_PROTOCOL, async (stream) => {
    const lp = lpStream(stream);
    try {
      while (true) {
        const request = JSON.parse(Buffer.from((await lp.read()).subarray()).toString()) as { room: string };
        await lp.write(Buffer.from(JSON.stringify({ t: 'page', room: request.room, msgs: forgedPages, more: true })));
      }
    } catch {
      // the daemon is done
    }
  });
  attacker.services.pubsub.subscribe(roomTopic(office.id));
  attacker.services.pubsub.subscribe(roomTopic(lab.id));
  await attacker.dial(multiaddr(d.address));
  await waitFor('the daemon in the attacker’s view of both topics', () =>
    [office.id, lab.id].every((id) => attacker.services.pubsub.getSubscribers(roomTopic(id)).map(String).includes(d.peerId)),
  );
});
after(async () => {
  await attacker?.stop();
  await stopAll();
});

const stats = () => d.client.request<RoomStats>('GET', '/v1/room-stats');
const history = (room: string) => d.json<RoomMessage[]>(['room', 'history', room, '-n', '100000']);
const publish = (room: string, data: Uint8Array) => attacker.services.pubsub.publish(roomTopic(room), data);

async function payloadFor(author: string, room: string, seq: number, extra: Partial<RoomPayload> = {}): Promise<RoomPayload> {
  return { v: 1, room, author, seq, lamport: seq, time: Date.now(), kind: 'text', text: `text ${seq}`, ...extra };
}

/** An author's first `count` messages, each chained to the one before, signed with `key`. */
async function chain(
  key: Awaited<ReturnType<typeof generateKeyPair>>,
  room: string,
  count: number,
  lamportFrom = 0,
): Promise<CheckedRoomMessage[]> {
  const author = peerIdFromPrivateKey(key).toString();
  const out: CheckedRoomMessage[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const prev = out.at(-1);
    const extra = { lamport: lamportFrom + seq, ...(prev ? { prev: payloadHash(prev.wire.p) } : {}) };
    out.push(await signRoomMessage(await payloadFor(author, room, seq, extra), key));
  }
  return out;
}

async function healthy(): Promise<void> {
  const status = await d.client.request<StatusInfo>('GET', '/v1/status');
  assert.equal(status.peerId, d.peerId);
}

it('gossip: malformed, forged and wrong-room messages are refused before storage and logged', async () => {
  const before = (await history('office')).length;
  const alice = await generateKeyPair('Ed25519');
  const aliceId = peerIdFromPrivateKey(alice).toString();
  await publish(office.id, Buffer.from('{"this": "is not a room message"'));
  // Claims to be alice, signed with the attacker's own key.
  const forged = await signRoomMessage(await payloadFor(aliceId, office.id, 1), attackerKey);
  await publish(office.id, encodeWire(forged.wire));
  // A valid message of alice's, for a room the daemon is not in, on a topic it is.
  const elsewhere = await signRoomMessage(await payloadFor(aliceId, 'cd'.repeat(16), 1), alice);
  await publish(office.id, encodeWire(elsewhere.wire));
  await waitFor('the daemon to count all three', async () => {
    const s = (await stats()).intake;
    return (s.malformed ?? 0) >= 1 && (s.bad_signature ?? 0) >= 1 && (s.unknown_room ?? 0) >= 1;
  });
  assert.equal((await history('office')).length, before, 'nothing stored');
  assert.match(d.log, /refused a room message/);
  await healthy();
});

it('a private room: a non-member that gets its gossip sees no text, and cannot post without the key', async () => {
  const received: Uint8Array[] = [];
  attacker.services.pubsub.addEventListener('message', (evt) => received.push(evt.detail.data));
  await m.json<SentRoomMessage>(['room', 'send', 'lab', 'the launch code is 1234']);
  await waitFor('the attacker to relay the lab message', () => received.length > 0);
  assert.ok(!received.some((data) => Buffer.from(data).toString().includes('launch code')), 'ciphertext only');
  const before = (await history('lab')).length;
  // Signed properly by the attacker, as itself, but encrypted with a key that is not the room's.
  const self = attacker.peerId.toString();
  const wrongKey = await signRoomMessage(
    await payloadFor(self, lab.id, 1, { text: undefined, enc: encryptText(new Uint8Array(32), lab.id, self, 1, 'let me in') }),
    attackerKey,
  );
  await publish(lab.id, encodeWire(wrongKey.wire));
  await waitFor('the daemon to refuse it', async () => ((await stats()).intake.undecryptable ?? 0) >= 1);
  assert.equal((await history('lab')).length, before);
});

it('a flood on the topic: past the author rate, gossip is not stored; the daemon stays healthy', async () => {
  const flooder = await generateKeyPair('Ed25519');
  const id = peerIdFromPrivateKey(flooder).toString();
  const count = 1500;
  for (const message of await chain(flooder, office.id, count)) await publish(office.id, encodeWire(message.wire));
  await waitFor('the flood to be counted', async () => ((await stats()).intake.rate_limited ?? 0) > 0);
  const stored = (await history('office')).filter((x) => x.author === id).length;
  assert.ok(stored < count, `${stored} of ${count} stored from gossip`);
  await healthy();
});

it('sync: garbage and oversized requests close the stream, an unknown room is answered as such', async () => {
  const ask = async (frame: Uint8Array) => {
    const stream = await attacker.dialProtocol(multiaddr(d.address), ROOM_SYNC_PROTOCOL);
    const lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 });
    await lp.write(frame);
    try {
      return Buffer.from((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()).toString();
    } catch {
      return 'closed';
    }
  };
  assert.equal(await ask(Buffer.from('not json at all')), 'closed');
  assert.equal(await ask(Buffer.alloc(600 * 1024, 0x20)), 'closed');
  assert.deepEqual(JSON.parse(await ask(Buffer.from(JSON.stringify({ t: 'pull', room: 'ef'.repeat(16), have: {}, max: 10 })))), {
    t: 'unknown',
    room: 'ef'.repeat(16),
  });
  const page = JSON.parse(await ask(Buffer.from(JSON.stringify({ t: 'pull', room: office.id, have: {}, max: 5 })))) as { msgs: unknown[] };
  assert.equal(page.msgs.length, 5, 'a member that asks properly gets a page');
  await healthy();
});

it('sync: a peer that answers pulls with forged or malformed messages gets none of them stored', async () => {
  const victim = await generateKeyPair('Ed25519');
  const victimId = peerIdFromPrivateKey(victim).toString();
  const forged = await signRoomMessage(await payloadFor(victimId, office.id, 1), await generateKeyPair('Ed25519'));
  forgedPages = [forged.wire, { p: '{}', s: '' }, 'just a string', { p: 'x'.repeat(200_000), s: '' }];
  const before = await stats();
  // The daemon pulls from every connected peer when asked to sync; the attacker is one.
  await d.cli(['room', 'join', 'office']);
  await waitFor(
    'the daemon to pull the forged page',
    async () => {
      const s = (await stats()).intake;
      return (s.bad_signature ?? 0) > (before.intake.bad_signature ?? 0);
    },
    40_000,
  );
  assert.equal((await history('office')).filter((x) => x.author === victimId).length, 0);
  await healthy();
});

it('sync: a page with an altered message inside a signed run stores the messages before it and nothing forged', async () => {
  const author = await generateKeyPair('Ed25519');
  const authorId = peerIdFromPrivateKey(author).toString();
  // Written now, after the daemon joined: nothing of it may be skipped (older history may start after a gap).
  const [m1, m2, m3] = (await chain(author, office.id, 3, Date.now())) as [CheckedRoomMessage, CheckedRoomMessage, CheckedRoomMessage];
  // The second message's text changed in passing; it still names m1 as prev, its signature no longer fits.
  const altered = { p: m2.wire.p.replace('text 2', 'TEXT 2'), s: m2.wire.s };
  forgedPages = [m1.wire, altered, m3.wire];
  const before = (await stats()).intake;
  await d.cli(['room', 'join', 'office']);
  await waitFor(
    'the daemon to pull the altered page',
    async () => ((await stats()).intake.bad_signature ?? 0) > (before.bad_signature ?? 0),
    40_000,
  );
  const held = (await history('office')).filter((x) => x.author === authorId);
  assert.deepEqual(
    held.map((x) => x.text),
    ['text 1'],
    'm1 is vouched for by its own signature; the altered m2 is refused, m3 waits for the real m2',
  );
  // A second message 2, properly signed but not chained to m1: the author forked its chain.
  const fork = await signRoomMessage(
    await payloadFor(authorId, office.id, 2, { lamport: m2.payload.lamport, prev: payloadHash(m3.wire.p) }),
    author,
  );
  forgedPages = [fork.wire];
  await d.cli(['room', 'join', 'office']);
  await waitFor('the daemon to refuse the fork', async () => ((await stats()).intake.forked ?? 0) > (before.forked ?? 0), 40_000);
  assert.deepEqual(
    (await history('office')).filter((x) => x.author === authorId).map((x) => x.text),
    ['text 1'],
  );
  forgedPages = [];
  await healthy();
});

it('a Lamport number hours ahead of real time is not stored, so nobody can drag the room’s order behind it', async () => {
  const author = await generateKeyPair('Ed25519');
  const authorId = peerIdFromPrivateKey(author).toString();
  const ahead = await signRoomMessage(await payloadFor(authorId, office.id, 1, { lamport: Date.now() + 3 * 3600_000 }), author);
  const before = (await stats()).intake;
  await publish(office.id, encodeWire(ahead.wire));
  await waitFor('the daemon to put it off', async () => ((await stats()).intake.from_the_future ?? 0) > (before.from_the_future ?? 0));
  assert.equal((await history('office')).filter((x) => x.author === authorId).length, 0);
  // The daemon's own next message still sorts by real time.
  const sent = await d.json<SentRoomMessage>(['room', 'send', 'office', 'after the attempt']);
  assert.ok(sent.lamport <= Date.now() + 60_000, `lamport ${sent.lamport} is near real time`);
  await healthy();
});
