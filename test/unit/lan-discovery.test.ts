// The decisions of LAN discovery, without sockets: DNS packets, what to announce where, dial order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialRank, isOwnAddress } from '../../src/node/addresses.js';
import { ipv4Of, type Link, onLink } from '../../src/node/links.js';
import { decodePacket, encodePacket, MalformedPacketError } from '../../src/node/mdns/packet.js';
import {
  addressesForLink,
  announcementPacket,
  discoveryLinks,
  goodbyePacket,
  type LinkRecords,
  linkOf,
  linkRecords,
  queryPacket,
  readSightings,
} from '../../src/node/mdns/records.js';

const TAG = '_p2p._udp.local';
const ID = '12D3KooWABYuQ9TMdB7Huhev633fZGo34mR4oh3JPaiPN5kANGfA';
const lan1: Link = { name: 'eth0', address: '10.47.1.3', netmask: '255.255.255.0', internal: false };
const lan2: Link = { name: 'eth1', address: '10.47.2.1', netmask: '255.255.255.0', internal: false };
const lo: Link = { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', internal: true };
const ADDR = `/ip4/10.47.1.3/tcp/4747/p2p/${ID}`;
const TYPE_PTR = 12;
const TYPE_TXT = 16;

function records(tag = TAG, addrs = [ADDR]): LinkRecords {
  return linkRecords(tag, ID, lan1, addrs) as LinkRecords;
}

describe('DNS packets', () => {
  it('round-trip a query and an announcement', () => {
    const query = queryPacket(TAG);
    const decodedQuery = decodePacket(encodePacket(query));
    assert.equal(decodedQuery.id, 0, 'multicast queries carry id 0');
    assert.deepEqual(decodedQuery.questions, query.questions);
    const decoded = decodePacket(encodePacket(announcementPacket(records())));
    assert.equal(decoded.type, 'response');
    assert.deepEqual(readSightings(decoded, TAG), [{ peerId: ID, instance: `${ID}.${TAG}`, ttl: 120, multiaddrs: [ADDR] }]);
    assert.deepEqual(
      decoded.answers?.map((r) => [r.type, 'flush' in r && r.flush]),
      [
        ['PTR', false],
        ['PTR', false],
        ['TXT', true],
        ['SRV', true],
        ['A', true],
      ],
      'shared PTRs without, unique records with the cache-flush bit',
    );
  });

  it('follow name compression pointers, as other responders write them', () => {
    // Header: id 0, response, 0 questions, 2 answers; then the PTR's owner name at offset 12.
    const header = Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
    const tag = Buffer.from('\x04_p2p\x04_udp\x05local\x00', 'latin1');
    const instance = Buffer.concat([Buffer.from([ID.length]), Buffer.from(ID), Buffer.from([0xc0, 12])]);
    const rr = (type: number, data: Buffer) =>
      Buffer.concat([Buffer.from([0, type, 0x80, 1, 0, 0, 0, 120]), Buffer.from([data.length >> 8, data.length & 255]), data]);
    const ptrOwnerAt = 12;
    const txtOwner = Buffer.from([0xc0, ptrOwnerAt + tag.length + 10]); // the instance name inside the PTR's data
    const txt = `dnsaddr=${ADDR}`;
    const bytes = Buffer.concat([
      header,
      tag,
      rr(TYPE_PTR, instance),
      txtOwner,
      rr(TYPE_TXT, Buffer.concat([Buffer.from([txt.length]), Buffer.from(txt)])),
    ]);
    const packet = decodePacket(bytes);
    assert.deepEqual(
      packet.answers?.map((r) => [r.name, r.type, r.type === 'PTR' ? r.data : null]),
      [
        [TAG, 'PTR', `${ID}.${TAG}`],
        [`${ID}.${TAG}`, 'TXT', null],
      ],
    );
    assert.deepEqual(readSightings(packet, TAG), [{ peerId: ID, instance: `${ID}.${TAG}`, ttl: 120, multiaddrs: [ADDR] }]);
  });

  it('reject truncated packets and pointer loops instead of hanging', () => {
    const answer = encodePacket(announcementPacket(records()));
    assert.throws(() => decodePacket(answer.subarray(0, answer.length - 5)), MalformedPacketError);
    const loop = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1]);
    assert.throws(() => decodePacket(loop), MalformedPacketError);
  });
});

describe('discovery records', () => {
  it('resolve as DNS-SD asks: SRV to a host name of our own, A with the link address', () => {
    const r = records();
    assert.deepEqual(r.srv.data, { port: 4747, target: `p2pchat-${ID.slice(-12).toLowerCase()}.local` });
    assert.equal(r.a.data, lan1.address);
    assert.equal(r.services.data, TAG);
    assert.equal(linkRecords(TAG, ID, lan1, []), undefined, 'nothing to announce without an address');
  });

  it('keep the service PTR last, where @libp2p/mdns looks for it', () => {
    const ptrs = announcementPacket(records()).answers?.filter((r) => r.type === 'PTR');
    assert.equal(ptrs?.at(-1)?.name, TAG);
  });

  it('say goodbye with TTL 0 and no TXT, which stock nodes would take for a sighting', () => {
    const bye = goodbyePacket(records());
    assert.ok(bye.answers?.every((r) => 'ttl' in r && r.ttl === 0));
    assert.deepEqual(bye.answers?.map((r) => r.type).sort(), ['A', 'PTR', 'SRV']);
    assert.deepEqual(readSightings(bye, TAG), []);
  });

  it('read no sighting from another service, a goodbye, or addresses naming two peers', () => {
    assert.deepEqual(readSightings(announcementPacket(records('_p2pchat-red._udp.local')), TAG), []);
    const goodbye = announcementPacket(records());
    for (const r of goodbye.answers ?? []) (r as { ttl?: number }).ttl = 0;
    assert.deepEqual(readSightings(goodbye, TAG), []);
    const mixed = announcementPacket(
      records(TAG, [ADDR, '/ip4/10.47.1.4/tcp/4747/p2p/12D3KooWJzKJ5ACsJZAHT6PKYxrBWJV8kQgbKp5jpk5ciu9c2bCN']),
    );
    assert.deepEqual(readSightings(mixed, TAG), []);
  });

  it('announce on each link the addresses that work there, never loopback on a LAN', () => {
    const ours = ['/ip4/10.47.1.3/tcp/4747', '/ip4/10.47.2.1/tcp/4747'].map((a) => `${a}/p2p/${ID}`);
    assert.deepEqual(addressesForLink(ours, lan1), [ours[0]]);
    assert.deepEqual(addressesForLink(ours, lan2), [ours[1]]);
    const elsewhere: Link = { name: 'wlan0', address: '192.168.1.5', netmask: '255.255.255.0', internal: false };
    assert.deepEqual(addressesForLink(ours, elsewhere), ours, 'no address on that subnet: all of them, one may be routed');
    assert.deepEqual(addressesForLink([`/ip4/127.0.0.1/tcp/4747/p2p/${ID}`], lan1), []);
    assert.deepEqual(addressesForLink([`/ip4/127.0.0.1/tcp/4747/p2p/${ID}`], lo), [`/ip4/127.0.0.1/tcp/4747/p2p/${ID}`]);
  });

  it('discover on every LAN link, and on loopback only when there is nothing else or we listen there only', () => {
    assert.deepEqual(discoveryLinks([lo, lan1, lan2], [`/ip4/10.47.1.3/tcp/4747/p2p/${ID}`]), [lan1, lan2]);
    assert.deepEqual(discoveryLinks([lo], []), [lo]);
    assert.deepEqual(discoveryLinks([lo, lan1], [`/ip4/127.0.0.1/tcp/4747/p2p/${ID}`]), [lan1, lo]);
  });

  it('tell the link a packet came from by its source address', () => {
    assert.equal(linkOf('10.47.2.9', [lan1, lan2]), lan2);
    assert.equal(linkOf('10.47.1.3', [lan1, lan2]), lan1);
    assert.equal(linkOf('192.168.7.7', [lan1, lan2]), undefined);
  });
});

describe('addresses', () => {
  it('tell whether an IPv4 address is on a link', () => {
    assert.equal(onLink('10.47.1.200', lan1), true);
    assert.equal(onLink('10.47.2.200', lan1), false);
    assert.equal(onLink('not an ip', lan1), false);
    assert.equal(ipv4Of('/ip4/10.0.0.1/tcp/1'), '10.0.0.1');
    assert.equal(ipv4Of('/ip6/::1/tcp/1'), undefined);
  });

  it('dial addresses on our links first and loopback last', () => {
    const links = [lo, lan2];
    const ranked = ['/ip4/127.0.0.1/tcp/4747', '/ip4/10.47.1.3/tcp/4747', '/ip4/10.47.2.1/tcp/4747'].sort(
      (a, b) => dialRank(a, links) - dialRank(b, links),
    );
    assert.deepEqual(ranked, ['/ip4/10.47.2.1/tcp/4747', '/ip4/10.47.1.3/tcp/4747', '/ip4/127.0.0.1/tcp/4747']);
  });

  it('know which addresses are this daemon itself', () => {
    const ours = [`/ip4/10.47.1.3/tcp/4747/p2p/${ID}`];
    assert.equal(isOwnAddress('/ip4/127.0.0.1/tcp/4747', ours, [lo, lan1, lan2]), true);
    assert.equal(isOwnAddress('/ip4/10.47.2.1/tcp/4747', ours, [lo, lan1, lan2]), true, 'our other link');
    assert.equal(isOwnAddress('/ip4/10.47.1.4/tcp/4747', ours, [lo, lan1, lan2]), false, 'a peer on the same port');
    assert.equal(isOwnAddress('/ip4/127.0.0.1/tcp/4800', ours, [lo, lan1, lan2]), false, 'another daemon on this host');
  });
});
