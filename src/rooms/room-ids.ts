// Room ids, names and invitations: pure functions.
import { createHash, randomBytes } from 'node:crypto';
import { ROOM_ID_PATTERN } from './room-message.js';

export const INVITATION_PREFIX = 'p2pchat-room:';
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,63}$/u;
export const ROOM_NAME_RULE = 'a room name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit';

/** `#office` and `office` name the same room. Undefined when the name is not a valid room name. */
export function normalizeRoomName(name: string): string | undefined {
  const bare = name.trim().replace(/^#/, '').normalize('NFC').toLowerCase();
  return NAME_PATTERN.test(bare) ? bare : undefined;
}

/** An open room's id: the same for everyone on the same p2pchat network who names it alike. */
export function openRoomId(network: string, name: string): string {
  return createHash('sha256').update(`p2pchat open room\n${network}\n${name}`).digest('hex').slice(0, 32);
}

export function newPrivateRoom(): { id: string; key: Uint8Array } {
  return { id: randomBytes(16).toString('hex'), key: randomBytes(32) };
}

/** The gossipsub topic of a room. */
export function roomTopic(roomId: string): string {
  return `/p2pchat/room/1/${roomId}`;
}

export function roomIdOfTopic(topic: string): string | undefined {
  const id = topic.startsWith('/p2pchat/room/1/') ? topic.slice('/p2pchat/room/1/'.length) : '';
  return ROOM_ID_PATTERN.test(id) ? id : undefined;
}

export interface Invitation {
  id: string;
  name: string;
  /** Private rooms only: the room key. */
  key?: Uint8Array | undefined;
  /** Multiaddrs (with /p2p/) of members to start from. */
  addrs: string[];
}

export function encodeInvitation(inv: Invitation): string {
  const body = { id: inv.id, name: inv.name, ...(inv.key ? { key: Buffer.from(inv.key).toString('base64url') } : {}), addrs: inv.addrs };
  return INVITATION_PREFIX + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Throws an Error with a message for the user when the invitation is not one. */
export function decodeInvitation(text: string): Invitation {
  const bad = (why: string) => new Error(`not a valid room invitation: ${why}`);
  if (!text.startsWith(INVITATION_PREFIX)) throw bad(`it starts with ${INVITATION_PREFIX}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(text.slice(INVITATION_PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('it does not decode');
  }
  if (typeof body !== 'object' || body === null) throw bad('it does not decode');
  if (typeof body.id !== 'string' || !ROOM_ID_PATTERN.test(body.id)) throw bad('bad room id');
  const name = typeof body.name === 'string' ? normalizeRoomName(body.name) : undefined;
  if (name === undefined) throw bad('bad room name');
  let key: Uint8Array | undefined;
  if (body.key !== undefined) {
    key = typeof body.key === 'string' ? Buffer.from(body.key, 'base64url') : undefined;
    if (key?.length !== 32) throw bad('bad room key');
  }
  const addrs = Array.isArray(body.addrs)
    ? body.addrs.filter((a): a is string => typeof a === 'string' && a.length < 1000).slice(0, 16)
    : [];
  return { id: body.id, name, key, addrs };
}
