// What keeps a LAN that starts together from wasting handshakes and answers, without sockets: who
// dials a pair, when the other side steps in, which answers a query suppresses, and Noise's X25519.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';
import { afterWaiting, dialsFirst } from '../../src/node/dial-order.js';
import { InboundAttempts } from '../../src/node/inbound-attempts.js';
import { DIALS_IN_FLIGHT, nextDialWindow } from '../../src/node/lan-dialer.js';
import type { Link } from '../../src/node/links.js';
import { KnownAnswers } from '../../src/node/mdns/known-answers.js';
import { decodePacket, encodePacket, type Packet, type StringAnswer, TRUNCATED } from '../../src/node/mdns/packet.js';
import { type LinkRecords, linkRecords, MAX_QUERY_BYTES, queryPackets } from '../../src/node/mdns/records.js';
import { replyTo } from '../../src/node/mdns/responder.js';
import { TruncatedQueries } from '../../src/node/mdns/truncated-queries.js';
import { fastNoiseCrypto } from '../../src/node/noise-crypto.js';

const TAG = '_p2p._udp.local';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `count` distinct strings shaped like Ed25519 peer ids (only their text matters here), the same every run. */
function ids(count: number): string[] {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  return Array.from({ length: count }, () => `12D3KooW${Array.from({ length: 44 }, () => BASE58[next() % 58]).join('')}`);
}

const lan: Link = { name: 'eth0', address: '10.47.1.3', netmask: '255.255.255.0', internal: false };

describe('who dials a pair', () => {
  const peers = ids(40);

  it('exactly one side of every pair dials', () => {
    for (const a of peers) {
      for (const b of peers) {
        if (a === b) assert.equal(dialsFirst(a, b), false);
        else assert.notEqual(dialsFirst(a, b), dialsFirst(b, a), `${a} and ${b} must disagree`);
      }
    }
  });

  it('spreads the dials: no daemon dials (or takes) all of a LAN', () => {
    const outbound = peers.map((a) => peers.filter((b) => dialsFirst(a, b)).length);
    // With "the smaller id dials", one daemon would dial 39 and another none.
    assert.ok(Math.max(...outbound) < peers.length - 5, `most dials by one daemon: ${Math.max(...outbound)}`);
    assert.ok(Math.min(...outbound) > 5, `fewest dials by one daemon: ${Math.min(...outbound)}`);
  });

  it('the waiting side steps in only when nothing is connected or on its way', () => {
    const base = { connected: false, inboundPending: false, waitedMs: 1000, maxWaitMs: 12_000 };
    assert.equal(afterWaiting({ ...base, connected: true }), 'done');
    assert.equal(afterWaiting({ ...base, inboundPending: true }), 'wait');
    assert.equal(afterWaiting(base), 'dial');
    assert.equal(afterWaiting({ ...base, inboundPending: true, waitedMs: 12_000 }), 'dial', 'a stalled upgrade is not waited for forever');
  });
});

describe('discovery dials in flight', () => {
  it('grow by one per connection and halve per timeout, within bounds; refusals change nothing', () => {
    assert.equal(nextDialWindow(4, 'connected'), 5);
    assert.equal(nextDialWindow(DIALS_IN_FLIGHT.max, 'connected'), DIALS_IN_FLIGHT.max);
    assert.equal(nextDialWindow(9, 'timed-out'), 4);
    assert.equal(nextDialWindow(1, 'timed-out'), DIALS_IN_FLIGHT.min);
    assert.equal(nextDialWindow(6, 'failed'), 6);
  });
});

describe('inbound connections being upgraded', () => {
  const conn = (address: string) => ({ status: 'open' as const, timeline: { open: Date.now() }, remoteAddr: { toString: () => address } });

  it('are pending from their host until upgraded, closed or old', () => {
    const attempts = new InboundAttempts();
    const a = conn('/ip4/10.0.0.2/tcp/40000');
    const b = conn('/ip4/10.0.0.3/tcp/40000');
    attempts.add(a as never, 1000);
    attempts.add(b as never, 1000);
    assert.equal(attempts.pendingFrom(['10.0.0.2'], 1500), true);
    assert.equal(attempts.pendingFrom(['10.0.0.9'], 1500), false);
    attempts.markUpgraded(a.timeline);
    assert.equal(attempts.pendingFrom(['10.0.0.2'], 1500), false, 'upgraded: a connection now, not an attempt');
    assert.equal(attempts.pendingFrom(['10.0.0.3'], 60_000), false, 'older than any upgrade timeout');
    (b as { status: string }).status = 'closed';
    assert.equal(attempts.pendingFrom(['10.0.0.3'], 1500), false);
  });
});

describe('known-answer suppression', () => {
  const peers = ids(60);
  const records = (peerId: string): LinkRecords => linkRecords(TAG, peerId, lan, [`/ip4/10.47.1.9/tcp/4747/p2p/${peerId}`]) as LinkRecords;

  it('a query lists the connected peers we heard, and they stay silent; the others answer', () => {
    const known = new KnownAnswers();
    const [connected, other] = peers as [string, string];
    for (const peerId of [connected, other]) known.heard({ peerId, instance: `${peerId}.${TAG}`, ttl: 120 }, 0);
    const listed = known.list(TAG, (peerId) => peerId === connected, 10_000);
    assert.deepEqual(
      listed.map((a) => [a.data, a.ttl]),
      [[`${connected}.${TAG}`, 110]],
    );
    const [packet, more] = queryPackets(TAG, listed);
    assert.equal(more, undefined, 'one known answer: one packet');
    const query = decodePacket(encodePacket(packet as Packet));
    assert.equal(replyTo(query, records(connected)), undefined, 'a connected peer does not answer');
    assert.ok(replyTo(query, records(other)), 'a peer we are not connected to still answers');
  });

  it('a record with less than half its TTL left is not listed, so its owner refreshes it', () => {
    const known = new KnownAnswers();
    known.heard({ peerId: peers[0] as string, instance: `${peers[0]}.${TAG}`, ttl: 120 }, 0);
    assert.equal(known.list(TAG, () => true, 59_000).length, 1);
    assert.equal(known.list(TAG, () => true, 61_000).length, 0);
  });

  it('known answers that do not fit one Ethernet frame go on in packets of their own, flagged TC', () => {
    const known = new KnownAnswers();
    for (const peerId of peers) known.heard({ peerId, instance: `${peerId}.${TAG}`, ttl: 120 }, 0);
    const packets = queryPackets(
      TAG,
      known.list(TAG, () => true, 0),
    ).map((p) => decodePacket(encodePacket(p)));
    assert.ok(packets.length > 1, `${packets.length} packets`);
    for (const p of packets) assert.ok(encodePacket(p).length <= MAX_QUERY_BYTES);
    assert.deepEqual(
      packets.map((p) => [(p.questions ?? []).length, Boolean((p.flags ?? 0) & TRUNCATED)]),
      packets.map((_, i) => [i === 0 ? 1 : 0, i < packets.length - 1]),
      'the question in the first packet, TC on all but the last',
    );
    const listed = packets.flatMap((p) => (p.answers ?? []).map((a) => (a as StringAnswer).data));
    assert.deepEqual(listed.sort(), peers.map((id) => `${id}.${TAG}`).sort(), 'every known answer, once');
  });

  it('a responder waits for the rest of a truncated query, then answers it with all known answers', async () => {
    const truncated = new TruncatedQueries(() => 0);
    const packets = queryPackets(
      TAG,
      peers.map((peerId) => ({ name: TAG, type: 'PTR' as const, class: 'IN' as const, ttl: 120, data: `${peerId}.${TAG}` })),
    ).map((p) => decodePacket(encodePacket(p)));
    const completed: Packet[] = [];
    const done = new Promise<void>((resolve) => {
      for (const p of packets) {
        assert.equal(
          truncated.take(p, '10.47.1.9', 5353, (q) => {
            completed.push(q);
            resolve();
          }),
          true,
        );
      }
    });
    assert.equal(
      truncated.take(queryPackets(TAG)[0] as Packet, '10.47.1.8', 5353, () => {}),
      false,
      'a plain query is answered at once',
    );
    // The wait's timer does not hold a daemon open; this one holds the test open until it is over.
    const keepAlive = setTimeout(() => {}, 10_000);
    await done;
    clearTimeout(keepAlive);
    assert.equal(completed.length, 1);
    const query = completed[0] as Packet;
    assert.equal(query.answers?.length, peers.length);
    assert.equal(replyTo(query, records(peers[peers.length - 1] as string)), undefined, 'listed in the last packet: silent');
    truncated.stop();
  });
});

describe('Noise X25519 without DER', () => {
  it('agrees with Noise’s own implementation on both sides of an exchange', () => {
    const ours = fastNoiseCrypto.generateX25519KeyPair();
    const theirs = defaultCrypto.generateX25519KeyPair();
    const mine = fastNoiseCrypto.generateX25519SharedKey(ours.privateKey, theirs.publicKey);
    const reference = defaultCrypto.generateX25519SharedKey(theirs.privateKey, ours.publicKey);
    assert.deepEqual(Buffer.from(mine), Buffer.from(reference));
    assert.equal(ours.publicKey.length, 32);
    assert.equal(ours.privateKey.length, 32);
    // A key it did not make takes Noise's own path and still agrees.
    const foreign = defaultCrypto.generateX25519KeyPair();
    const viaFallback = fastNoiseCrypto.generateX25519SharedKey(foreign.privateKey, theirs.publicKey);
    assert.deepEqual(Buffer.from(viaFallback), Buffer.from(defaultCrypto.generateX25519SharedKey(theirs.privateKey, foreign.publicKey)));
  });
});
