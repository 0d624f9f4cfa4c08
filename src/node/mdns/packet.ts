// The few parts of DNS messages (RFC 1035) that mDNS discovery needs: questions, and PTR and TXT
// records. Decoding must survive anything another responder on the LAN sends: it throws on
// malformed input and skips record types it does not know.

export const TYPE_PTR = 12;
export const TYPE_TXT = 16;
export const TYPE_ANY = 255;
const CLASS_IN = 1;
/** mDNS reuses the top bit of the class: cache-flush in records, unicast-response in questions. */
const CLASS_MASK = 0x7fff;
const FLAG_RESPONSE = 0x8000;
const FLAG_AUTHORITATIVE = 0x0400;
const MAX_NAME_BYTES = 255;

export interface Question {
  name: string;
  type: number;
}

export type DnsRecord =
  { name: string; type: typeof TYPE_PTR; ttl: number; data: string } | { name: string; type: typeof TYPE_TXT; ttl: number; data: string[] };

export interface Packet {
  id: number;
  response: boolean;
  questions: Question[];
  /** Answers, authority and additional records together: discovery reads them all alike. */
  records: DnsRecord[];
}

export class MalformedPacketError extends Error {
  override name = 'MalformedPacketError';
}

// ---- encoding ------------------------------------------------------------------------------

class Writer {
  private readonly chunks: Buffer[] = [];

  u16(value: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value);
    this.chunks.push(b);
  }

  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    this.chunks.push(b);
  }

  bytes(value: Buffer): void {
    this.chunks.push(value);
  }

  /** A name as labels, without compression (allowed, and our packets are small). */
  name(name: string): void {
    this.bytes(encodeName(name));
  }

  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.').filter(Boolean)) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length > 63) throw new RangeError(`DNS label longer than 63 bytes: ${label}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > MAX_NAME_BYTES) throw new RangeError(`DNS name longer than ${MAX_NAME_BYTES} bytes: ${name}`);
  return out;
}

function encodeRecordData(record: DnsRecord): Buffer {
  if (record.type === TYPE_PTR) return encodeName(record.data);
  return Buffer.concat(
    record.data.map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length > 255) throw new RangeError('TXT string longer than 255 bytes');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
  );
}

export function encodePacket(packet: Packet): Buffer {
  const w = new Writer();
  w.u16(packet.id);
  w.u16(packet.response ? FLAG_RESPONSE | FLAG_AUTHORITATIVE : 0);
  w.u16(packet.questions.length);
  w.u16(packet.records.length);
  w.u16(0);
  w.u16(0);
  for (const q of packet.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(CLASS_IN);
  }
  for (const r of packet.records) {
    w.name(r.name);
    w.u16(r.type);
    w.u16(CLASS_IN);
    w.u32(r.ttl);
    const data = encodeRecordData(r);
    w.u16(data.length);
    w.bytes(data);
  }
  return w.done();
}

// ---- decoding ------------------------------------------------------------------------------

class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number, at = this.offset): void {
    if (at + n > this.buf.length) throw new MalformedPacketError('packet ends early');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** A name at the current offset, following compression pointers (each must point backwards). */
  name(): string {
    const labels: string[] = [];
    let at = this.offset;
    let resumeAt: number | undefined;
    let total = 0;
    for (;;) {
      this.need(1, at);
      const len = this.buf.readUInt8(at);
      if (len === 0) {
        at += 1;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        this.need(2, at);
        const target = this.buf.readUInt16BE(at) & 0x3fff;
        if (target >= at) throw new MalformedPacketError('name compression pointer does not point backwards');
        resumeAt ??= at + 2;
        at = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new MalformedPacketError('unknown DNS label type');
      this.need(1 + len, at);
      total += len + 1;
      if (total > MAX_NAME_BYTES) throw new MalformedPacketError('DNS name too long');
      labels.push(this.buf.toString('utf8', at + 1, at + 1 + len));
      at += 1 + len;
    }
    this.offset = resumeAt ?? at;
    return labels.join('.');
  }
}

function decodeTxt(buf: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < buf.length) {
    const len = buf.readUInt8(at);
    if (at + 1 + len > buf.length) throw new MalformedPacketError('TXT string runs past its record');
    out.push(buf.toString('utf8', at + 1, at + 1 + len));
    at += 1 + len;
  }
  return out;
}

export function decodePacket(buf: Buffer): Packet {
  const r = new Reader(buf);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const name = r.name();
    const type = r.u16();
    r.u16(); // class
    questions.push({ name, type });
  }
  const records: DnsRecord[] = [];
  const recordCount = counts[1] + counts[2] + counts[3];
  for (let i = 0; i < recordCount; i++) {
    const name = r.name();
    const type = r.u16();
    const cls = r.u16() & CLASS_MASK;
    const ttl = r.u32();
    const length = r.u16();
    r.need(length);
    const end = r.offset + length;
    if (cls === CLASS_IN && type === TYPE_PTR) {
      records.push({ name, type, ttl, data: r.name() });
    } else if (cls === CLASS_IN && type === TYPE_TXT) {
      records.push({ name, type, ttl, data: decodeTxt(buf.subarray(r.offset, end)) });
    }
    r.offset = end;
  }
  return { id, response: (flags & FLAG_RESPONSE) !== 0, questions, records };
}

/** Names compare case-insensitively in DNS. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
