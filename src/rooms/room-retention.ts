// Room history retention: a job the daemon runs at start-up and then periodically, like the
// retention of direct messages (src/store/retention.ts). It deletes room messages stored more than
// `maxAgeDays` ago and those beyond the newest `maxMessagesPerRoom` of each room (in the room's
// order), and with them their room-message events, which hold a copy of the text.
//
// What it never deletes, because other parts read it from the rows that stay:
// - each author's highest seq in a room: sync asks with it (RoomClock is max(seq) per author); were
//   it to go back, this daemon would fetch and store the pruned messages again, forever;
// - each author's latest join or leave: the member list is read from it;
// - the room's highest Lamport number: new messages of this daemon are numbered after it;
// - the newest row of the table: unread counts compare rowids, which SQLite reuses after the
//   largest is deleted.
// It deletes in small transactions and yields between them, so the daemon keeps receiving and
// answering while a large backlog is pruned.
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import { PeriodicPass } from '../periodic-pass.js';
import { ageCutoff, deleteInSteps, RETENTION_CHUNK } from '../store/retention.js';
import type { Store } from '../store/store.js';

export interface RoomRetentionOptions {
  /** Delete room messages stored more than this many days ago; 0 keeps them forever. */
  maxAgeDays: number;
  /** Keep only this many of the newest messages of each room (plus the rows always kept); 0 keeps them all. */
  maxMessagesPerRoom: number;
  /** Time between two passes. */
  intervalMs: number;
}

export interface RoomRetentionReport {
  messages: number;
  events: number;
}

/** Whether retention has anything to do with these options. */
export function roomRetentionEnabled(options: Pick<RoomRetentionOptions, 'maxAgeDays' | 'maxMessagesPerRoom'>): boolean {
  return options.maxAgeDays > 0 || options.maxMessagesPerRoom > 0;
}

/**
 * The rows of room_messages (alias m) that retention keeps whatever their age or place; see the
 * top of this file for why. Each test is one lookup in the primary key or the order index; the
 * membership lookup runs only for join and leave rows.
 */
export const ALWAYS_KEPT = `(
  m.seq = (SELECT x.seq FROM room_messages x WHERE x.room_id = m.room_id AND x.author = m.author ORDER BY x.seq DESC LIMIT 1)
  OR (m.kind IN ('join', 'leave') AND m.seq = (SELECT x.seq FROM room_messages x
        WHERE x.room_id = m.room_id AND x.author = m.author AND x.kind IN ('join', 'leave') ORDER BY x.seq DESC LIMIT 1))
  OR m.lamport = (SELECT x.lamport FROM room_messages x WHERE x.room_id = m.room_id ORDER BY x.lamport DESC LIMIT 1)
  OR m.rowid = (SELECT max(rowid) FROM room_messages)
)`;

/** A row's place in its room's order. */
interface RowAt {
  rowid: number;
  lamport: number;
  author: string;
}

export class RoomRetention extends PeriodicPass<RoomRetentionReport> {
  private readonly store: Store;
  private readonly now: () => number;
  private readonly options: RoomRetentionOptions;
  private readonly stmt;
  /** Rooms whose messages all have a rowid up to this one were trimmed to their count already. */
  private trimmedUpTo = 0;

  constructor(components: { store: Store; log: Logger; now?: () => number }, options: RoomRetentionOptions) {
    super(options.intervalMs, components.log, 'room retention failed; will try again');
    this.store = components.store;
    this.now = components.now ?? Date.now;
    this.options = options;
    const db: Database.Database = this.store.database;
    this.stmt = {
      // Rows are inserted in storage order, so the first one stored after the cutoff bounds the old
      // ones (should the clock have jumped back, a few old ones wait for a later pass).
      firstNewer: db.prepare('SELECT rowid FROM room_messages WHERE stored_at >= ? ORDER BY rowid LIMIT 1').pluck(),
      // Each step goes on after the last row the one before took: the rows kept are looked at once per pass.
      oldRows: db
        .prepare(
          `SELECT rowid FROM room_messages m WHERE rowid > @after AND rowid < @before AND NOT ${ALWAYS_KEPT} ORDER BY rowid LIMIT @chunk`,
        )
        .pluck(),
      maxRowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM room_messages').pluck(),
      roomsSince: db.prepare('SELECT DISTINCT room_id FROM room_messages WHERE rowid > ?').pluck(),
      // The room's Nth newest message in its order (lamport, author): older ones go.
      nthNewest: db.prepare(
        'SELECT lamport, author FROM room_messages WHERE room_id = ? ORDER BY lamport DESC, author DESC LIMIT 1 OFFSET ?',
      ),
      // The room's order index ends in the rowid, which makes a unique cursor (lamport, author, rowid).
      roomRowsBefore: db.prepare(
        `SELECT rowid, lamport, author FROM room_messages m WHERE room_id = @room
           AND (lamport, author, rowid) > (@afterLamport, @afterAuthor, @afterRowid) AND (lamport, author) < (@lamport, @author)
           AND NOT ${ALWAYS_KEPT} ORDER BY lamport, author, rowid LIMIT @chunk`,
      ),
      deleteRow: db.prepare('DELETE FROM room_messages WHERE rowid = ?'),
      eventIds: db.prepare('SELECT min(id) AS first, max(id) AS last FROM events'),
      // A room-message event holds a copy of its message: once the message is deleted, so is the
      // event (a replay would otherwise bring back what retention deleted).
      deleteOrphanEvents: db.prepare(
        `DELETE FROM events WHERE id IN (SELECT id FROM (
           SELECT id, CASE WHEN type = 'room-message' THEN data END AS room_data FROM events WHERE id >= @from AND id < @to)
           WHERE room_data IS NOT NULL AND NOT EXISTS (SELECT 1 FROM room_messages r
             WHERE r.room_id = json_extract(room_data, '$.message.room') AND r.author = json_extract(room_data, '$.message.author')
               AND r.seq = json_extract(room_data, '$.message.seq')))`,
      ),
    };
  }

  /** Runs a pass now (start-up), then one every interval; does nothing when retention is off. */
  override start(): void {
    if (roomRetentionEnabled(this.options)) super.start();
  }

  protected done(report: RoomRetentionReport): void {
    if (report.messages > 0) this.log.info({ count: report.messages }, 'room retention deleted old room messages');
  }

  protected async pass(): Promise<RoomRetentionReport> {
    let messages = 0;
    const cutoff = ageCutoff(this.now(), this.options.maxAgeDays);
    if (cutoff !== undefined) {
      const before = (this.stmt.firstNewer.get(cutoff) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
      let after = 0;
      messages += await this.inSteps(() => {
        const rows = this.stmt.oldRows.all({ after, before, chunk: RETENTION_CHUNK }) as number[];
        for (const rowid of rows) this.stmt.deleteRow.run(rowid);
        after = rows.at(-1) ?? after;
        return rows.length;
      });
    }
    if (this.options.maxMessagesPerRoom > 0 && !this.stopping) messages += await this.trimRooms(this.options.maxMessagesPerRoom);
    const events = messages > 0 && !this.stopping ? await this.deleteOrphanEvents() : 0;
    return { messages, events };
  }

  /** Only rooms with messages stored since the last pass can have grown past the count. */
  private async trimRooms(keep: number): Promise<number> {
    const upTo = this.stmt.maxRowid.get() as number;
    let deleted = 0;
    for (const room of this.stmt.roomsSince.all(this.trimmedUpTo) as string[]) {
      const nth = this.stmt.nthNewest.get(room, keep - 1) as { lamport: number; author: string } | undefined;
      if (nth === undefined) continue;
      let cursor = { afterLamport: -1, afterAuthor: '', afterRowid: 0 };
      deleted += await this.inSteps(() => {
        const rows = this.stmt.roomRowsBefore.all({ room, ...nth, ...cursor, chunk: RETENTION_CHUNK }) as RowAt[];
        for (const row of rows) this.stmt.deleteRow.run(row.rowid);
        const last = rows.at(-1);
        if (last) cursor = { afterLamport: last.lamport, afterAuthor: last.author, afterRowid: last.rowid };
        return rows.length;
      });
      if (this.stopping) return deleted;
    }
    this.trimmedUpTo = upTo;
    return deleted;
  }

  /** Goes through the event log a window of ids at a time, each window its own transaction. */
  private async deleteOrphanEvents(): Promise<number> {
    const { first, last } = this.stmt.eventIds.get() as { first: number | null; last: number | null };
    if (first === null || last === null) return 0;
    let deleted = 0;
    for (let from = first; from <= last && !this.stopping; from += RETENTION_CHUNK) {
      deleted += this.store.atomically(() => this.stmt.deleteOrphanEvents.run({ from, to: from + RETENTION_CHUNK }).changes, false);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  private inSteps(step: () => number): Promise<number> {
    return deleteInSteps(this.store, step, () => this.stopping);
  }
}
