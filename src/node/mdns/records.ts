// What to ask, what to answer and how to read answers: pure decisions, no sockets. The records
// follow libp2p's mDNS discovery: a PTR query for the service name; each node answers with a
// PTR to its instance name and TXT records "dnsaddr=<multiaddr>/p2p/<peer id>".
import { isLoopbackAddress } from '../addresses.js';
import { ipv4Of, type Link, onLink } from '../links.js';
import { allRecords, type Answer, AUTHORITATIVE, type Packet, sameName, txtStrings } from './packet.js';

/** How long others may remember an answer, in seconds (the libp2p and RFC 6762 value). */
const TTL_SECONDS = 120;
const DNSADDR = 'dnsaddr=';

export interface Sighting {
  peerId: string;
  /** The addresses it announced, each ending in /p2p/<peer id>. */
  multiaddrs: string[];
}

export function queryPacket(id: number, serviceTag: string): Packet {
  return { type: 'query', id, flags: 0, questions: [{ name: serviceTag, type: 'PTR', class: 'IN' }] };
}

/** Whether a packet asks for our service. */
export function asksFor(packet: Packet, serviceTag: string): boolean {
  return (
    packet.type === 'query' && (packet.questions ?? []).some((q) => (q.type === 'PTR' || (q.type as string) === 'ANY') && sameName(q.name, serviceTag))
  );
}

/** Our answer: the instance name is the peer id, which is short enough for a DNS label (52 characters). */
export function answerPacket(serviceTag: string, peerId: string, multiaddrs: string[]): Packet {
  const instance = `${peerId}.${serviceTag}`;
  const records: Answer[] = [{ name: serviceTag, type: 'PTR', class: 'IN', ttl: TTL_SECONDS, data: instance }];
  for (const addr of multiaddrs) {
    const text = `${DNSADDR}${addr}`;
    // A TXT string holds at most 255 bytes; a longer address cannot be announced.
    if (Buffer.byteLength(text) <= 255) records.push({ name: instance, type: 'TXT', class: 'IN', ttl: TTL_SECONDS, data: [text] });
  }
  return { type: 'response', id: 0, flags: AUTHORITATIVE, questions: [], answers: records };
}

function peerIdOf(multiaddr: string): string | undefined {
  return /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/.exec(multiaddr)?.[1];
}

/**
 * The peers a response announces. An instance counts only if its addresses all name the same
 * peer id; goodbyes (TTL 0) are not sightings.
 */
export function readSightings(packet: Packet, serviceTag: string): Sighting[] {
  if (packet.type !== 'response') return [];
  const records = allRecords(packet);
  const sightings: Sighting[] = [];
  for (const ptr of records) {
    if (ptr.type !== 'PTR' || !sameName(ptr.name, serviceTag) || ptr.ttl === 0) continue;
    const multiaddrs = records
      .filter((r) => r.type === 'TXT' && sameName(r.name, ptr.data) && r.ttl !== 0)
      .flatMap(txtStrings)
      .filter((text) => text.startsWith(DNSADDR))
      .map((text) => text.slice(DNSADDR.length));
    const ids = new Set(multiaddrs.map(peerIdOf));
    const [peerId] = ids;
    if (ids.size === 1 && peerId !== undefined) sightings.push({ peerId, multiaddrs });
  }
  return sightings;
}

/**
 * Which of our addresses to announce on a link: those on the link's own subnet, so that peers there
 * get addresses that work. With none there, every non-loopback address (one may be routed). A
 * loopback address is announced only on the loopback link, where it is all that works.
 */
export function addressesForLink(ours: string[], link: Link): string[] {
  if (link.internal) return ours.filter(isLoopbackAddress);
  const external = ours.filter((a) => !isLoopbackAddress(a));
  const local = external.filter((a) => {
    const ip = ipv4Of(a);
    return ip !== undefined && onLink(ip, link);
  });
  return local.length > 0 ? local : external;
}

/**
 * The links to discover on: every link that is not loopback, plus loopback when there is no other
 * (a host with no network, a namespace with only `lo`) or when we listen on loopback only, so that
 * daemons on one host still meet. Queries go out even on links where we have nothing to announce:
 * a daemon that only dials out can still find peers.
 */
export function discoveryLinks(all: Link[], ours: string[]): Link[] {
  const external = all.filter((l) => !l.internal);
  const loopback = all.filter((l) => l.internal).slice(0, 1);
  const loopbackOnly = ours.length > 0 && ours.every(isLoopbackAddress);
  return external.length === 0 || loopbackOnly ? [...external, ...loopback] : external;
}

/** The link a packet came in on, judged by its source address; undefined when no link's subnet has it. */
export function linkOf(source: string, links: Link[]): Link | undefined {
  return links.find((l) => l.address === source) ?? links.find((l) => onLink(source, l));
}
