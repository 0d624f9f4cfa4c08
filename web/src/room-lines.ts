// Pure helpers for rooms in the app: the order of a room's lines, who wrote them as shown, and
// the room's label. Names and texts come from peers: they are rendered as text by Preact.
import type { PeerInfo, RoomMember, RoomMessage } from '../../src/types.js';
import { shortId } from './format.js';

/** A room message's identity: each (author, seq) is stored once per room. */
export const lineKey = (m: RoomMessage) => `${m.author}/${m.seq}`;

/** Every member orders a room by (Lamport number, author): the same order as `p2pchat room history`. */
function byRoomOrder(a: RoomMessage, b: RoomMessage): number {
  return a.lamport - b.lamport || (a.author < b.author ? -1 : a.author > b.author ? 1 : 0);
}

/** Adds messages (a page, a live one, a send's answer) to what is shown: each once, in the room's order. */
export function mergeLines(shown: RoomMessage[], more: RoomMessage[]): RoomMessage[] {
  const byKey = new Map(shown.map((m) => [lineKey(m), m]));
  for (const m of more) byKey.set(lineKey(m), m);
  return [...byKey.values()].sort(byRoomOrder);
}

/**
 * Who wrote a line, as shown: yourself (marked), else the name the members list gives (your
 * petname, else the name it claims), else what the peers list knows, else the name its join message
 * claimed, else a short peer id.
 */
export function authorNames(
  self: { peerId: string; name: string },
  members: RoomMember[],
  peers: PeerInfo[],
  lines: RoomMessage[],
): (peerId: string) => string {
  const names = new Map<string, string>();
  for (const m of lines) if (m.kind === 'join' && m.name && m.name.trim() !== '') names.set(m.author, m.name);
  for (const p of peers) if (p.name && p.name.trim() !== '') names.set(p.peerId, p.name);
  for (const m of members) if (m.name && m.name.trim() !== '') names.set(m.peerId, m.name);
  return (peerId) => (peerId === self.peerId ? `${self.name || 'you'} (you)` : (names.get(peerId) ?? shortId(peerId)));
}

/** `#office` */
export const roomLabel = (name: string) => `#${name}`;
