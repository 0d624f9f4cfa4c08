// The rooms' tables (migration 5): prepared statements over the store's connection. Callers wrap
// writes in store.atomically and await store.synced() before promising durability.
import type Database from 'better-sqlite3';
import type { RoomMessage, RoomMessageKind } from '../types.js';
import type { CheckedRoomMessage, WireRoomMessage } from './room-message.js';
import type { RoomPosition } from './room-order.js';

export interface RoomRow {
  id: string;
  name: string;
  private: number;
  key: Buffer | null;
  member: number;
  created_at: number;
  read_pos: number;
}

interface MessageRow {
  room_id: string;
  author: string;
  seq: number;
  lamport: number;
  kind: RoomMessageKind;
  text: string;
  name: string | null;
  sent_at: number;
  stored_at: number;
}

/** An author's high-water mark: the highest seq held (messages are stored without gaps). */
export type RoomClock = Record<string, number>;

const iso = (ms: number) => new Date(ms).toISOString();

export function toRoomMessage(row: MessageRow, roomName: string): RoomMessage {
  return {
    room: row.room_id,
    roomName,
    author: row.author,
    seq: row.seq,
    lamport: row.lamport,
    kind: row.kind,
    text: row.text,
    ...(row.name === null ? {} : { name: row.name }),
    time: iso(row.sent_at),
    storedAt: iso(row.stored_at),
  };
}

export class RoomTable {
  private readonly stmt;

  constructor(db: Database.Database) {
    const columns = 'room_id, author, seq, lamport, kind, text, name, sent_at, stored_at';
    this.stmt = {
      room: db.prepare('SELECT * FROM rooms WHERE id = ?'),
      rooms: db.prepare('SELECT * FROM rooms ORDER BY name, id'),
      upsertRoom: db.prepare(
        `INSERT INTO rooms (id, name, private, key, member, created_at) VALUES (@id, @name, @private, @key, 1, @now)
         ON CONFLICT (id) DO UPDATE SET member = 1, key = coalesce(rooms.key, excluded.key)`,
      ),
      setMember: db.prepare('UPDATE rooms SET member = ? WHERE id = ?'),
      markRead: db.prepare('UPDATE rooms SET read_pos = (SELECT coalesce(max(rowid), 0) FROM room_messages) WHERE id = ?'),
      insert: db.prepare(
        `INSERT OR IGNORE INTO room_messages (${columns}, payload, signature)
         VALUES (@room, @author, @seq, @lamport, @kind, @text, @name, @time, @now, @p, @s)`,
      ),
      highest: db.prepare('SELECT max(seq) AS seq FROM room_messages WHERE room_id = ? AND author = ?').pluck(),
      joinLamport: db
        .prepare("SELECT lamport FROM room_messages WHERE room_id = ? AND author = ? AND kind = 'join' ORDER BY seq DESC LIMIT 1")
        .pluck(),
      head: db.prepare('SELECT seq, payload AS p FROM room_messages WHERE room_id = ? AND author = ? ORDER BY seq DESC LIMIT 1'),
      clock: db.prepare('SELECT author, max(seq) AS seq FROM room_messages WHERE room_id = ? GROUP BY author'),
      maxLamport: db.prepare('SELECT coalesce(max(lamport), 0) FROM room_messages WHERE room_id = ?').pluck(),
      // The newest `limit` in the room's order, returned oldest first.
      history: db.prepare(
        `SELECT * FROM (SELECT ${columns} FROM room_messages WHERE room_id = ? ORDER BY lamport DESC, author DESC LIMIT ?)
         ORDER BY lamport, author`,
      ),
      // The page before a position in the room's order: a row-value range on room_messages_order.
      historyBefore: db.prepare(
        `SELECT * FROM (SELECT ${columns} FROM room_messages WHERE room_id = @room AND (lamport, author) < (@lamport, @author)
         ORDER BY lamport DESC, author DESC LIMIT @limit)
         ORDER BY lamport, author`,
      ),
      // What a peer that holds `afterSeq` of this author misses, in seq order.
      after: db.prepare(
        'SELECT payload AS p, signature AS s FROM room_messages WHERE room_id = ? AND author = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      counts: db.prepare(
        `SELECT count(*) AS messages,
           count(*) FILTER (WHERE rowid > @readPos AND author != @self AND kind = 'text') AS unread
         FROM room_messages WHERE room_id = @room`,
      ),
      // Each author's latest join or leave: who is in the room.
      membership: db.prepare(
        `SELECT author, kind, sent_at, name FROM room_messages m
         WHERE room_id = @room AND kind IN ('join', 'leave') AND seq = (
           SELECT max(seq) FROM room_messages WHERE room_id = @room AND author = m.author AND kind IN ('join', 'leave'))`,
      ),
    };
  }

  room(id: string): RoomRow | undefined {
    return this.stmt.room.get(id) as RoomRow | undefined;
  }

  rooms(): RoomRow[] {
    return this.stmt.rooms.all() as RoomRow[];
  }

  /** The rooms this daemon is a member of now (not those it left). */
  joinedRooms(): RoomRow[] {
    return this.rooms().filter((r) => r.member === 1);
  }

  /** Joins (or re-joins) a room; an existing room keeps its key and name. */
  upsertRoom(room: { id: string; name: string; private: boolean; key: Uint8Array | undefined }): void {
    this.stmt.upsertRoom.run({
      id: room.id,
      name: room.name,
      private: room.private ? 1 : 0,
      key: room.key ? Buffer.from(room.key) : null,
      now: Date.now(),
    });
  }

  setMember(id: string, member: boolean): void {
    this.stmt.setMember.run(member ? 1 : 0, id);
  }

  markRead(id: string): void {
    this.stmt.markRead.run(id);
  }

  /** Stores a verified message; false when (room, author, seq) is already stored. */
  insert(message: CheckedRoomMessage, text: string, now = Date.now()): boolean {
    const p = message.payload;
    const info = this.stmt.insert.run({
      room: p.room,
      author: p.author,
      seq: p.seq,
      lamport: p.lamport,
      kind: p.kind,
      text,
      name: p.name ?? null,
      time: p.time,
      now,
      p: message.wire.p,
      s: message.wire.s,
    });
    return info.changes > 0;
  }

  highestSeq(room: string, author: string): number {
    return (this.stmt.highest.get(room, author) as number | null) ?? 0;
  }

  /** The author's newest message here: its seq and payload text (what its next message chains to). */
  head(room: string, author: string): { seq: number; p: string } | undefined {
    return this.stmt.head.get(room, author) as { seq: number; p: string } | undefined;
  }

  /** The Lamport number of the author's latest join message in the room, if any. */
  joinLamport(room: string, author: string): number | undefined {
    return (this.stmt.joinLamport.get(room, author) as number | undefined) ?? undefined;
  }

  clock(room: string): RoomClock {
    const clock: RoomClock = {};
    for (const row of this.stmt.clock.all(room) as { author: string; seq: number }[]) clock[row.author] = row.seq;
    return clock;
  }

  maxLamport(room: string): number {
    return this.stmt.maxLamport.get(room) as number;
  }

  /** The newest `limit` messages, or with `before` the newest that come before that position; oldest first. */
  history(room: string, roomName: string, limit: number, before?: RoomPosition): RoomMessage[] {
    const rows = before
      ? this.stmt.historyBefore.all({ room, lamport: before.lamport, author: before.author, limit })
      : this.stmt.history.all(room, limit);
    return (rows as MessageRow[]).map((row) => toRoomMessage(row, roomName));
  }

  messagesAfter(room: string, author: string, afterSeq: number, limit: number): WireRoomMessage[] {
    return this.stmt.after.all(room, author, afterSeq, limit) as WireRoomMessage[];
  }

  counts(room: RoomRow, self: string): { messages: number; unread: number } {
    return this.stmt.counts.get({ room: room.id, readPos: room.read_pos, self }) as { messages: number; unread: number };
  }

  /** Authors whose latest membership message is a join, with when they joined and the name they claimed. */
  members(room: string): { author: string; joinedAt: number; name: string | null }[] {
    return (this.stmt.membership.all({ room }) as { author: string; kind: RoomMessageKind; sent_at: number; name: string | null }[])
      .filter((r) => r.kind === 'join')
      .map((r) => ({ author: r.author, joinedAt: r.sent_at, name: r.name }));
  }
}
