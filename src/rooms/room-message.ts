// The signed room message: its wire form, its checks, its signature and, for private rooms, its
// encryption. Pure functions (apart from the key operations), so every path that receives room
// messages (gossip, sync) decides the same way.
import { createHash, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { PrivateKey } from '@libp2p/interface';
import type { RoomMessageKind } from '../types.js';
import { authorKey, verifyByAuthor } from './author-keys.js';

/** Prefixed to the payload before signing, so that a room signature can never pass for another protocol's. */
const SIGNING_CONTEXT = 'p2pchat-room-message/1\n';
export const ROOM_ID_PATTERN = /^[0-9a-f]{32}$/;
const KINDS: readonly RoomMessageKind[] = ['text', 'join', 'leave'];
/** Longest claimed name in a join message, as for a hello. */
const MAX_NAME_CHARS = 64;

/** What the author signs: the payload, exactly as these bytes, travels and is stored unchanged. */
export interface RoomPayload {
  v: 1;
  room: string;
  author: string;
  seq: number;
  lamport: number;
  /** Author's clock, milliseconds since 1970. */
  time: number;
  kind: RoomMessageKind;
  /** Open rooms: the text of a text message. */
  text?: string | undefined;
  /** Private rooms: the text encrypted with the room key (base64 nonce and ciphertext). */
  enc?: { n: string; c: string } | undefined;
  /** Join messages: the name the author claims. */
  name?: string | undefined;
  /**
   * The hash of the author's previous payload in this room (payloadHash), absent at seq 1. Each
   * author's messages form a hash chain: a signature covers every message before it too, which
   * lets sync verify one signature per run of messages, and two different messages signed with one
   * seq (a fork) show as a broken link.
   */
  prev?: string | undefined;
}

/** A room message as it travels: the payload's JSON text and the author's signature over it. */
export interface WireRoomMessage {
  p: string;
  s: string;
}

export interface CheckedRoomMessage {
  wire: WireRoomMessage;
  payload: RoomPayload;
  /** The wire form's size in bytes. */
  bytes: number;
}

/** Why a room message was refused; also the log's and the event's reason. */
export type RoomRejection = 'oversized' | 'malformed' | 'bad_signature' | 'undecryptable' | 'forked';

export class RoomMessageError extends Error {
  constructor(
    readonly reason: RoomRejection,
    message: string,
  ) {
    super(message);
  }
}

const isInt = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;
/** A SHA-256 in base64. */
const HASH_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

/** The hash an author's next message names as `prev`: SHA-256 of the payload's JSON text, base64. */
export function payloadHash(p: string): string {
  return createHash('sha256').update(p, 'utf8').digest('base64');
}

/** Whether `payload` follows the author's message whose payload text is `previous` (undefined: none held). */
export function followsInChain(payload: RoomPayload, previous: string | undefined): boolean {
  if (payload.seq === 1) return previous === undefined;
  return previous !== undefined && payload.prev === payloadHash(previous);
}

/** Parses and checks a wire message's shape (not its signature). Throws RoomMessageError. */
export function parseRoomMessage(bytes: Uint8Array | string, maxBytes: number): CheckedRoomMessage {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) throw new RoomMessageError('oversized', `room message of ${size} bytes, more than ${maxBytes}`);
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let wire: unknown;
  let payload: unknown;
  try {
    wire = JSON.parse(text);
    if (typeof wire !== 'object' || wire === null) throw new Error('not an object');
    const { p, s } = wire as Record<string, unknown>;
    if (typeof p !== 'string' || typeof s !== 'string') throw new Error('p and s must be strings');
    payload = JSON.parse(p);
  } catch (err) {
    throw new RoomMessageError('malformed', `room message is not valid JSON: ${(err as Error).message}`);
  }
  const problem = payloadProblem(payload);
  if (problem) throw new RoomMessageError('malformed', `room message: ${problem}`);
  const { p, s } = wire as WireRoomMessage;
  return { wire: { p, s }, payload: payload as RoomPayload, bytes: size };
}

/** What is wrong with a payload's fields, or undefined. */
export function payloadProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'payload is not an object';
  const p = value as Record<string, unknown>;
  if (p.v !== 1) return 'unknown version';
  if (typeof p.room !== 'string' || !ROOM_ID_PATTERN.test(p.room)) return 'bad room id';
  if (typeof p.author !== 'string' || !ed25519Author(p.author)) return 'author is not an Ed25519 peer id';
  if (!isInt(p.seq, 1)) return 'seq must be an integer of at least 1';
  if (!isInt(p.lamport, 1)) return 'lamport must be an integer of at least 1';
  if (p.seq === 1 && p.prev !== undefined) return 'the first message has no prev';
  if (p.seq !== 1 && (typeof p.prev !== 'string' || !HASH_PATTERN.test(p.prev))) return 'prev must be the hash of the previous payload';
  if (!isInt(p.time, 0)) return 'time must be a non-negative integer';
  if (!KINDS.includes(p.kind as RoomMessageKind)) return 'unknown kind';
  if (p.name !== undefined && (typeof p.name !== 'string' || p.name.length > MAX_NAME_CHARS)) return 'bad name';
  if (p.text !== undefined && typeof p.text !== 'string') return 'text must be a string';
  if (p.enc !== undefined) {
    const e = p.enc as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.n !== 'string' || typeof e.c !== 'string') return 'bad enc';
  }
  if (p.kind === 'text' && (p.text === undefined) === (p.enc === undefined)) return 'a text message has either text or enc';
  // In a private room, joins and leaves carry an encrypted empty text: proof that the author holds the key.
  if (p.kind !== 'text' && p.text !== undefined) return 'only text messages carry text';
  return undefined;
}

function ed25519Author(author: string): boolean {
  return authorKey(author) !== undefined;
}

function signedBytes(p: string): Uint8Array {
  return Buffer.from(SIGNING_CONTEXT + p, 'utf8');
}

/** Whether the author's key signed this payload. */
export function verifyRoomMessage(message: CheckedRoomMessage): Promise<boolean> {
  return verifyByAuthor(message.payload.author, signedBytes(message.wire.p), Buffer.from(message.wire.s, 'base64'));
}

/** Signs a payload with the author's (this daemon's) key. */
export async function signRoomMessage(payload: RoomPayload, key: PrivateKey): Promise<CheckedRoomMessage> {
  const p = JSON.stringify(payload);
  const s = Buffer.from(await key.sign(signedBytes(p))).toString('base64');
  const wire = { p, s };
  return { wire, payload, bytes: Buffer.byteLength(JSON.stringify(wire)) };
}

export function encodeWire(wire: WireRoomMessage): Uint8Array {
  return Buffer.from(JSON.stringify(wire), 'utf8');
}

// ---- private rooms -------------------------------------------------------------------------

/** The associated data: a ciphertext moved to another room, author or seq does not decrypt. */
function aad(room: string, author: string, seq: number): Uint8Array {
  return Buffer.from(`${room}/${author}/${seq}`, 'utf8');
}

/** XChaCha20-Poly1305 with a random 24-byte nonce per message (random nonces are safe at this size). */
export function encryptText(key: Uint8Array, room: string, author: string, seq: number, text: string): { n: string; c: string } {
  const nonce = randomBytes(24);
  const c = xchacha20poly1305(key, nonce, aad(room, author, seq)).encrypt(Buffer.from(text, 'utf8'));
  return { n: nonce.toString('base64'), c: Buffer.from(c).toString('base64') };
}

/** The text, or undefined when this key does not open it (a forged or foreign ciphertext). */
export function decryptText(key: Uint8Array, payload: RoomPayload): string | undefined {
  if (!payload.enc) return undefined;
  try {
    const nonce = Buffer.from(payload.enc.n, 'base64');
    if (nonce.length !== 24) return undefined;
    const plain = xchacha20poly1305(key, nonce, aad(payload.room, payload.author, payload.seq)).decrypt(
      Buffer.from(payload.enc.c, 'base64'),
    );
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return undefined;
  }
}
