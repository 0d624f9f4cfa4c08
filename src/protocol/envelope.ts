// /chat/1.0.0 frame payloads: pure encode/decode, no I/O. See docs/protocol.md.

export const PROTOCOL = '/chat/1.0.0';
export const ENVELOPE_VERSION = 1;
/** Largest frame payload we read or write, checked before a frame is buffered. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
/** Most ids in one ack frame; an ack for more is split. */
export const MAX_ACK_IDS = 256;
const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 64;
/**
 * Latest time a message may claim: 9999-12-31T23:59:59.999Z, the last instant an ISO 8601 date
 * with a four-digit year (what the store writes) can name. A later one would fail inside the
 * receive transaction and take every other message of that commit with it.
 */
export const MAX_MESSAGE_TIME_MS = 253_402_300_799_999;
/** Printable ASCII without spaces: what message ids are (ours are UUIDs); anything else is refused. */
const ID_PATTERN = /^[\x21-\x7e]+$/;

export type Frame =
  | { kind: 'message'; id: string; time: number; text: string }
  | { kind: 'ack'; ids: string[] }
  | { kind: 'hello'; name: string; version: string }
  /** The receiver did not store these messages and never will: the sender should not retry them. */
  | { kind: 'refused'; ids: string[]; reason: string }
  /** Valid UTF-8 that is not an envelope: a plain chat peer's text. */
  | { kind: 'text'; text: string }
  /** An envelope of a type we do not know: ignored, so the protocol can grow. */
  | { kind: 'unknown'; type: string }
  /**
   * Not UTF-8, or an envelope whose fields have the wrong types or values. `id` is set when the
   * frame is a message with a well-formed id, so that the receiver can refuse that message by id.
   */
  | { kind: 'invalid'; reason: string; id?: string };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

/** A time (ms since the epoch) the store can record and render: 0 up to the year 9999. */
export function isValidTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_MESSAGE_TIME_MS;
}

/**
 * A plain chat peer's line as the user typed it: libp2p's chat example sends each stdin line with
 * its newline, so exactly one trailing "\n" or "\r\n" is dropped (and nothing else).
 */
export function plainText(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** A frame from a plain chat peer: all of it is text, whatever it looks like. Never throws. */
export function decodePlainFrame(payload: Uint8Array): Frame {
  try {
    return { kind: 'text', text: plainText(decoder.decode(payload)) };
  } catch {
    return { kind: 'invalid', reason: 'frame is not valid UTF-8' };
  }
}

/** Classifies one frame payload from a p2pchat peer. Never throws: bad input becomes `invalid`. */
export function decodeFrame(payload: Uint8Array): Frame {
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    return { kind: 'invalid', reason: 'frame is not valid UTF-8' };
  }
  const asText: Frame = { kind: 'text', text: plainText(text) };
  if (!text.startsWith('{')) return asText;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return asText;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return asText;
  const obj = value as Record<string, unknown>;
  // An envelope is a JSON object with an integer version `v` and a string `type`; anything else is text.
  if (!Number.isInteger(obj.v) || typeof obj.type !== 'string') return asText;
  if ((obj.v as number) < 1) return { kind: 'invalid', reason: `unsupported envelope version ${String(obj.v)}` };

  switch (obj.type) {
    case 'message': {
      if (!isValidId(obj.id)) {
        return { kind: 'invalid', reason: `message.id must be 1 to ${MAX_ID_LENGTH} printable ASCII characters without spaces` };
      }
      if (typeof obj.text !== 'string') return { kind: 'invalid', reason: 'message.text must be a string', id: obj.id };
      if (!isValidTime(obj.time)) {
        return { kind: 'invalid', reason: 'message.time must be a number of ms since the epoch, up to the year 9999', id: obj.id };
      }
      return { kind: 'message', id: obj.id, time: Math.floor(obj.time), text: obj.text };
    }
    case 'ack': {
      const ids = obj.ids;
      if (!Array.isArray(ids) || ids.length > MAX_ACK_IDS || !ids.every(isValidId)) {
        return { kind: 'invalid', reason: `ack.ids must be an array of at most ${MAX_ACK_IDS} message ids` };
      }
      return { kind: 'ack', ids: ids as string[] };
    }
    case 'refused': {
      const ids = obj.ids;
      if (!Array.isArray(ids) || ids.length > MAX_ACK_IDS || !ids.every(isValidId)) {
        return { kind: 'invalid', reason: `refused.ids must be an array of at most ${MAX_ACK_IDS} message ids` };
      }
      const reason = typeof obj.reason === 'string' && obj.reason !== '' ? obj.reason.slice(0, 64) : 'refused';
      return { kind: 'refused', ids: ids as string[], reason };
    }
    case 'hello': {
      if (typeof obj.name !== 'string') return { kind: 'invalid', reason: 'hello.name must be a string' };
      const version = typeof obj.version === 'string' ? obj.version.slice(0, 64) : 'unknown';
      return { kind: 'hello', name: obj.name.slice(0, MAX_NAME_LENGTH), version };
    }
    default:
      return { kind: 'unknown', type: obj.type.slice(0, 64) };
  }
}

export function encodeMessage(id: string, time: number, text: string): Uint8Array {
  return encoder.encode(JSON.stringify({ v: ENVELOPE_VERSION, type: 'message', id, time, text }));
}

export function encodeAck(ids: string[]): Uint8Array {
  return encoder.encode(JSON.stringify({ v: ENVELOPE_VERSION, type: 'ack', ids }));
}

export function encodeRefused(ids: string[], reason: string): Uint8Array {
  return encoder.encode(JSON.stringify({ v: ENVELOPE_VERSION, type: 'refused', ids, reason }));
}

export function encodeHello(name: string, version: string): Uint8Array {
  return encoder.encode(JSON.stringify({ v: ENVELOPE_VERSION, type: 'hello', name, version }));
}

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes of envelope around a message's text, to check a text fits in one frame. */
export function messageFrameBytes(text: string): number {
  return encodeMessage('00000000-0000-0000-0000-000000000000', Date.now(), text).byteLength;
}
