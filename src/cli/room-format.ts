// Room output for `watch`, `room chat`, `room history`, `room list` and `room members`. Pure
// functions; names and texts are what peers claim and wrote, made safe for a terminal first.
import type { ChatEvent, RoomInfo, RoomMember, RoomMessage } from '../types.js';
import { localTime, messageBlock, peerLabel, type PeerLook, shortId, table } from './format.js';
import { safeBodyLines, safeInline, safeName } from './terminal-text.js';

function author(m: RoomMessage, peers: Map<string, PeerLook>): string {
  // A join message names its author: a claim, used only when nothing better is known.
  const known = peers.get(m.author) ?? (m.name ? { claimedName: m.name, trust: 'stranger' as const } : undefined);
  return peerLabel(m.author, known);
}

/** `#office` */
export function roomLabel(name: string): string {
  return `#${safeInline(name)}`;
}

/** One room message as `watch` and `room chat` print it. */
export function formatRoomMessage(m: RoomMessage, peers: Map<string, PeerLook>, columns?: number): string {
  const at = localTime(m.time);
  if (m.kind === 'join') return `${at}  ${roomLabel(m.roomName)} * ${author(m, peers)} joined`;
  if (m.kind === 'leave') return `${at}  ${roomLabel(m.roomName)} * ${author(m, peers)} left`;
  return messageBlock(`${at}  ${roomLabel(m.roomName)} ${author(m, peers)}: `, m.text, columns);
}

/** A member came online in a room or went (a `room-presence` event). */
export function formatPresence(data: Record<string, unknown>, at: string, peers: Map<string, PeerLook>): string {
  const id = String(data.peerId);
  const known = peers.get(id) ?? (typeof data.name === 'string' ? { claimedName: data.name, trust: 'stranger' as const } : undefined);
  const label = `${localTime(at)}  ${roomLabel(String(data.roomName))} * ${peerLabel(id, known)}`;
  return `${label} ${data.online === true ? 'is online' : 'went offline'}`;
}

/** A room event (a message, or a member's presence) for `watch`, with its event id at the end of its first line when asked. */
export function roomEventLine(event: ChatEvent, peers: Map<string, PeerLook>, columns?: number, showIds = false): string {
  const tag = showIds ? `  #${event.id}` : '';
  if (event.type === 'room-presence') return `${formatPresence(event.data, event.time, peers)}${tag}`;
  const m = event.data.message as RoomMessage;
  noteRoomAuthor(m, peers);
  const block = formatRoomMessage(m, peers, columns);
  if (!showIds) return block;
  const [first = '', ...rest] = block.split('\n');
  return [`${first}${tag}`, ...rest].join('\n');
}

/** Learns authors' claimed names from join messages, for the lines that follow. */
export function noteRoomAuthor(m: RoomMessage, peers: Map<string, PeerLook>): void {
  if (m.kind === 'join' && m.name && !peers.has(m.author)) peers.set(m.author, { claimedName: m.name, trust: 'stranger' });
}

export function formatRoomHistory(messages: RoomMessage[], peers: Map<string, PeerLook>, columns?: number): string {
  if (messages.length === 0) return 'No messages in this room yet.';
  for (const m of messages) noteRoomAuthor(m, peers);
  return table(
    ['TIME', 'FROM', 'TEXT'],
    messages.map((m) => [
      localTime(m.time, true),
      author(m, peers),
      m.kind === 'text' ? safeBodyLines(m.text).join('\n') : m.kind === 'join' ? '* joined' : '* left',
    ]),
    columns,
  );
}

export function formatRooms(rooms: RoomInfo[], columns?: number): string {
  if (rooms.length === 0) return 'No rooms yet. Create or join one with: p2pchat room join <name>';
  return table(
    ['ROOM', 'KIND', 'UNREAD', 'MESSAGES', 'MEMBERS', 'ID'],
    rooms.map((r) => [
      roomLabel(r.name) + (r.member ? '' : ' (left)'),
      r.private ? 'private' : 'open',
      String(r.unread),
      String(r.messages),
      `${r.members} (${r.online} online)`,
      r.id,
    ]),
    columns,
  );
}

export function formatMembers(members: RoomMember[], columns?: number): string {
  if (members.length === 0) return 'No members known yet.';
  return table(
    ['NAME', 'PEER ID', 'STATUS', 'JOINED'],
    members.map((m) => [
      m.name ? safeName(m.name) + (m.self ? ' (you)' : '') : m.self ? '(you)' : '-',
      shortId(m.peerId),
      m.online ? 'online' : 'offline',
      localTime(m.joinedAt, true),
    ]),
    columns,
  );
}
