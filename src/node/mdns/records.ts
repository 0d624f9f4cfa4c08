// What we announce and how we read others' announcements: pure decisions, no sockets. The records
// are libp2p's mDNS discovery records (a PTR from the service to the instance, a TXT string
// "dnsaddr=<multiaddr>/p2p/<peer id>" per address) plus what DNS-SD (RFC 6763) needs for other
// stacks (avahi, python-zeroconf, Bonjour) to resolve an instance: SRV, A and the service type
// enumeration PTR.
import { isLoopbackAddress } from '../addresses.js';
import { ipv4Of, type Link, onLink } from '../links.js';
import {
  allRecords,
  AUTHORITATIVE,
  encodingLength,
  TRUNCATED,
  type Packet,
  sameName,
  type SrvAnswer,
  type StringAnswer,
  txtStrings,
  type TxtAnswer,
} from './packet.js';

/** How long others may remember our records, in seconds (the value of libp2p and of RFC 6762 for host records). */
export const TTL_SECONDS = 120;
/** DNS-SD service type enumeration (RFC 6763 section 9). */
export const SERVICES_NAME = '_services._dns-sd._udp.local';
const DNSADDR = 'dnsaddr=';
/** The largest query we send: a UDP payload that fits one Ethernet frame (1500 less IP and UDP headers). */
export const MAX_QUERY_BYTES = 1472;
/** Packets one query may take with its known answers. */
export const MAX_QUERY_PACKETS = 8;

export interface Sighting {
  peerId: string;
  /** The instance name its PTR points to (the peer id for a daemon, random for a stock libp2p node). */
  instance: string;
  /** The TTL of that PTR, in seconds. */
  ttl: number;
  /** The addresses it announced, each ending in /p2p/<peer id>. */
  multiaddrs: string[];
}

/** Everything we announce on one link. */
export interface LinkRecords {
  /** Shared: `_services._dns-sd._udp.local` → service. */
  services: StringAnswer;
  /** Shared: service → instance. */
  ptr: StringAnswer;
  /** Unique (cache-flush): instance → dnsaddr strings. */
  txt: TxtAnswer;
  /** Unique: instance → host name and TCP port. */
  srv: SrvAnswer;
  /** Unique: host name → this link's address. */
  a: StringAnswer;
}

/** A query for the service, with no known answers. */
export function queryPacket(serviceTag: string): Packet {
  // Multicast queries carry id 0 (RFC 6762 section 18.1).
  return { type: 'query', id: 0, flags: 0, questions: [{ name: serviceTag, type: 'PTR', class: 'IN' }] };
}

/**
 * A query for the service listing `known`, the service PTRs the querier already has (known-answer
 * suppression, RFC 6762 section 7.1): their owners stay silent. Each packet fits one Ethernet
 * frame; known answers that do not fit the first go in packets of their own right after it, each
 * but the last with the TC bit (section 7.2), up to MAX_QUERY_PACKETS (the rest simply answer).
 */
export function queryPackets(serviceTag: string, known: StringAnswer[] = []): Packet[] {
  const rest = known.slice();
  const packets: Packet[] = [];
  let packet: Packet = queryPacket(serviceTag);
  for (;;) {
    const answers: StringAnswer[] = [];
    while (rest.length > 0 && encodingLength({ ...packet, answers: [...answers, rest[0] as StringAnswer] }) <= MAX_QUERY_BYTES) {
      answers.push(rest.shift() as StringAnswer);
    }
    if (answers.length > 0) packet = { ...packet, answers };
    packets.push(packet);
    if (rest.length === 0 || answers.length === 0 || packets.length >= MAX_QUERY_PACKETS) return packets;
    packets[packets.length - 1] = { ...packet, flags: (packet.flags ?? 0) | TRUNCATED };
    packet = { type: 'query', id: 0, flags: 0, questions: [] };
  }
}

/** Our host name on the LAN: from the peer id, so that two daemons never claim the same name. */
export function hostName(peerId: string): string {
  return `p2pchat-${peerId.slice(-12).toLowerCase()}.local`;
}

function tcpPort(multiaddr: string): number | undefined {
  const port = /\/tcp\/(\d+)/.exec(multiaddr)?.[1];
  return port === undefined ? undefined : Number(port);
}

/**
 * Our records on a link, for the addresses announced there (see addressesForLink); undefined when
 * there is nothing to announce. The instance name is the peer id (52 characters: one DNS label).
 */
export function linkRecords(serviceTag: string, peerId: string, link: Link, multiaddrs: string[]): LinkRecords | undefined {
  // A TXT string holds at most 255 bytes; a longer address cannot be announced.
  const texts = multiaddrs.map((a) => `${DNSADDR}${a}`).filter((t) => Buffer.byteLength(t) <= 255);
  const port = multiaddrs.map(tcpPort).find((p) => p !== undefined);
  if (texts.length === 0 || port === undefined) return undefined;
  const instance = `${peerId}.${serviceTag}`;
  const host = hostName(peerId);
  const base = { class: 'IN' as const, ttl: TTL_SECONDS };
  return {
    services: { ...base, name: SERVICES_NAME, type: 'PTR', data: serviceTag },
    ptr: { ...base, name: serviceTag, type: 'PTR', data: instance },
    txt: { ...base, name: instance, type: 'TXT', flush: true, data: texts },
    srv: { ...base, name: instance, type: 'SRV', flush: true, data: { port, target: host } },
    a: { ...base, name: host, type: 'A', flush: true, data: link.address },
  };
}

/**
 * An unsolicited announcement: every record in the answer section. The service PTR comes after the
 * `_services` one, since @libp2p/mdns reads only the last PTR of a packet and drops the packet when
 * that PTR is not its service's.
 */
export function announcementPacket(records: LinkRecords): Packet {
  const { services, ptr, txt, srv, a } = records;
  return { type: 'response', id: 0, flags: AUTHORITATIVE, answers: [services, ptr, txt, srv, a] };
}

/**
 * A goodbye (RFC 6762 section 10.1): our PTR, SRV and A with TTL 0, so that other stacks drop us
 * at once. No TXT: @libp2p/mdns takes any packet with a PTR and TXT records for a sighting, TTL 0
 * or not, and would dial a daemon that is leaving. The shared `_services` PTR is left to expire,
 * since other daemons on the link announce it too.
 */
export function goodbyePacket(records: LinkRecords): Packet {
  const answers = [records.ptr, records.srv, records.a].map((r) => ({ ...r, ttl: 0 }));
  return { type: 'response', id: 0, flags: AUTHORITATIVE, answers };
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
    if (ids.size === 1 && peerId !== undefined) sightings.push({ peerId, instance: ptr.data, ttl: ptr.ttl ?? TTL_SECONDS, multiaddrs });
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
