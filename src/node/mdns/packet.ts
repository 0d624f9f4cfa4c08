// DNS messages on the wire, through the dns-packet library (the codec @libp2p/mdns and
// multicast-dns use): we write no DNS encoding or decoding of our own. This module only adapts
// the library to what discovery needs: decoding that never lets a malformed packet through as
// anything but MalformedPacketError, and the record shapes we build.
import dnsPacket from 'dns-packet';

export type Packet = dnsPacket.Packet;
export type Answer = dnsPacket.Answer;
export type Question = dnsPacket.Question;
export type StringAnswer = dnsPacket.StringAnswer;
export type TxtAnswer = dnsPacket.TxtAnswer;
export type SrvAnswer = dnsPacket.SrvAnswer;

export class MalformedPacketError extends Error {
  override name = 'MalformedPacketError';
}

/** The authoritative-answer flag, set on every mDNS response (RFC 6762 section 18.4). */
export const AUTHORITATIVE = dnsPacket.AUTHORITATIVE_ANSWER;
/** The TC bit: in a query, more known answers follow in the next packets (RFC 6762 section 18.5). */
export const TRUNCATED = dnsPacket.TRUNCATED_RESPONSE;

export function encodePacket(packet: Packet): Buffer {
  return dnsPacket.encode(packet);
}

/** The size of a packet on the wire, in bytes. */
export function encodingLength(packet: Packet): number {
  return dnsPacket.encodingLength(packet);
}

/** Decodes a packet from the LAN; throws MalformedPacketError on anything the library cannot read. */
export function decodePacket(bytes: Buffer): Packet {
  let packet: Packet;
  try {
    packet = dnsPacket.decode(bytes);
  } catch (err) {
    throw new MalformedPacketError((err as Error).message);
  }
  // The library reads a record's data by its declared length even past the end of the packet;
  // what it read must fit in what arrived.
  if (dnsPacket.decode.bytes > bytes.length) throw new MalformedPacketError('packet ends early');
  return packet;
}

/** Names compare case-insensitively in DNS. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The strings of a TXT record as text (the library gives Buffers when decoding). */
export function txtStrings(record: Answer): string[] {
  if (record.type !== 'TXT') return [];
  const data = Array.isArray(record.data) ? record.data : [record.data];
  return data.map((d) => (typeof d === 'string' ? d : d.toString('utf8')));
}

/** All records of a packet: answers, authority and additional sections. */
export function allRecords(packet: Packet): Answer[] {
  return [...(packet.answers ?? []), ...(packet.authorities ?? []), ...(packet.additionals ?? [])];
}

/** A record's TTL in seconds (0 for the OPT pseudo-record, which has none). */
export function ttlOf(record: Answer): number {
  return 'ttl' in record ? (record.ttl ?? 0) : 0;
}
