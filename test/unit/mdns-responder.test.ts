// The mDNS responder's decisions (RFC 6762), without sockets: what to answer, whom, and when to query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Link } from '../../src/node/links.js';
import { decodePacket, encodePacket, type Packet } from '../../src/node/mdns/packet.js';
import { type LinkRecords, linkRecords, queryPacket, readSightings } from '../../src/node/mdns/records.js';
import {
  isKnownAnswer,
  isLegacyQuery,
  legacyReplyPacket,
  nextQueryInterval,
  replyTo,
  responsePacket,
  sharedAnswerDelay,
} from '../../src/node/mdns/responder.js';

const TAG = '_p2p._udp.local';
const ID = '12D3KooWABYuQ9TMdB7Huhev633fZGo34mR4oh3JPaiPN5kANGfA';
const lan: Link = { name: 'eth0', address: '10.47.1.3', netmask: '255.255.255.0', internal: false };
const ours = linkRecords(TAG, ID, lan, [`/ip4/10.47.1.3/tcp/4747/p2p/${ID}`]) as LinkRecords;

function query(questions: Packet['questions'], answers: Packet['answers'] = []): Packet {
  // Through the wire and back, as the responder sees queries.
  return decodePacket(encodePacket({ type: 'query', id: 7, questions, answers }));
}

describe('answering queries', () => {
  it('answers a PTR query for the service with the PTR, and TXT, SRV and A as additional records', () => {
    const reply = replyTo(query([{ name: TAG, type: 'PTR' }]), ours);
    assert.deepEqual(reply?.answers, [ours.ptr]);
    assert.deepEqual(reply?.additionals, [ours.txt, ours.srv, ours.a]);
    assert.equal(reply?.shared, true, 'a PTR is shared: it waits the random delay');
    // What @libp2p/mdns reads: the last PTR of the answers, TXT from the additional section too.
    assert.deepEqual(readSightings(responsePacket(reply.answers, reply.additionals), TAG)[0]?.peerId, ID);
  });

  it('answers SRV and A questions (resolving an instance) at once, and the type enumeration', () => {
    const srv = replyTo(query([{ name: `${ID}.${TAG}`, type: 'SRV' }]), ours);
    assert.deepEqual(srv?.answers, [ours.srv]);
    assert.deepEqual(srv?.additionals, [ours.a]);
    assert.equal(srv?.shared, false);
    assert.deepEqual(replyTo(query([{ name: ours.a.name.toUpperCase(), type: 'A' }]), ours)?.answers, [ours.a]);
    const types = replyTo(query([{ name: '_services._dns-sd._udp.local', type: 'PTR' }]), ours);
    assert.deepEqual(types?.answers, [ours.services]);
  });

  it('stays silent for other names and for responses', () => {
    assert.equal(replyTo(query([{ name: '_p2pchat-red._udp.local', type: 'PTR' }]), ours), undefined);
    assert.equal(replyTo(responsePacket([ours.ptr]), ours), undefined);
  });

  it('suppresses answers the querier already knows with at least half the TTL left', () => {
    const fresh = { ...ours.ptr, ttl: 1124 };
    const stale = { ...ours.ptr, ttl: 59 };
    assert.equal(replyTo(query([{ name: TAG, type: 'PTR' }], [fresh]), ours), undefined);
    assert.equal(isKnownAnswer(query([], [stale]), ours.ptr), false, 'less than half the TTL left: answered');
    const other = { ...ours.ptr, data: `other.${TAG}` };
    assert.deepEqual(replyTo(query([{ name: TAG, type: 'PTR' }], [other]), ours)?.answers, [ours.ptr], 'another instance known');
  });
});

describe('legacy unicast queries', () => {
  it('are those from a port other than 5353', () => {
    assert.equal(isLegacyQuery(5353), false);
    assert.equal(isLegacyQuery(42418), true);
  });

  it('get the query id, the question and TTLs of at most 10 s, without cache-flush bits', () => {
    const q = query([{ name: TAG, type: 'PTR' }]);
    const reply = decodePacket(encodePacket(legacyReplyPacket(q, replyTo(q, ours) as NonNullable<ReturnType<typeof replyTo>>)));
    assert.equal(reply.id, 7);
    assert.deepEqual(reply.questions, [{ name: TAG, type: 'PTR', class: 'IN' }]);
    const all = [...(reply.answers ?? []), ...(reply.additionals ?? [])];
    assert.equal(all.length, 4);
    for (const r of all) {
      assert.ok('ttl' in r && r.ttl === 10);
      assert.ok('flush' in r && r.flush === false);
    }
  });
});

describe('timing', () => {
  it('queries 1 s apart, then doubling up to the maximum', () => {
    const intervals: number[] = [];
    let interval: number | undefined;
    for (let i = 0; i < 15; i++) intervals.push((interval = nextQueryInterval(interval, 3_600_000)));
    assert.deepEqual(intervals.slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
    assert.equal(intervals.at(-1), 3_600_000);
    assert.equal(nextQueryInterval(undefined, 500), 500, 'never beyond the configured maximum');
  });

  it('delays shared answers by 20 to 120 ms', () => {
    assert.equal(
      sharedAnswerDelay(() => 0),
      20,
    );
    assert.equal(
      sharedAnswerDelay(() => 0.9999),
      120,
    );
  });

  it('sends multicast queries with id 0', () => {
    assert.equal(queryPacket(TAG).id, 0);
  });
});
