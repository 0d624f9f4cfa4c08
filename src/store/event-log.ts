// The events table behind the control API's event stream: appending events, reading them back for
// `since=` replays, and pruning the oldest. A message-received event refers to its message by seq
// (migration 4) instead of holding a copy, so a received text is stored once; a replay rebuilds
// the event from the message row, in the same query.
import type Database from 'better-sqlite3';
import type { ChatEvent, ChatEventType, Direction, Message, MessageState } from '../types.js';
import { eventWithLine } from './event-line.js';
import { isoEvent, toMessage } from './rows.js';

/**
 * An event row joined with the message it refers to, in the order `since` selects them (the
 * message's columns are null when messageSeq is).
 * Read as arrays (better-sqlite3's raw mode): a replay reads thousands of rows, and arrays cost much
 * less than objects with fifteen keys.
 */
type EventMessageRow = [
  id: number,
  type: ChatEventType,
  time: number,
  data: string,
  /** A message-received event refers to its message instead of holding a copy. */
  messageSeq: number | null,
  ...message: [
    id: string,
    peerId: string,
    direction: Direction,
    text: string,
    sentAt: number,
    storedAt: number,
    state: MessageState,
    reason: string | null,
    expectsAck: number,
    request: number,
  ],
];

function toEvent(row: EventMessageRow): ChatEvent {
  const [id, type, time, dataJson, seq, ...m] = row;
  if (seq === null) return eventWithLine(id, type, isoEvent(time), JSON.parse(dataJson) as Record<string, unknown>, dataJson);
  // The message as it is now: the same shape the live event carried when it was received.
  const [messageId, peerId, direction, text, sentAt, storedAt, state, reason, expectsAck, request] = m;
  const data = {
    message: toMessage({
      seq,
      id: messageId,
      peer_id: peerId,
      direction,
      text,
      sent_at: sentAt,
      stored_at: storedAt,
      state,
      reason,
      expects_ack: expectsAck,
      request,
    }),
  };
  return eventWithLine(id, type, isoEvent(time), data, JSON.stringify(data));
}

export class EventLog {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO events (type, time, data) VALUES (?, ?, ?)'),
      insertMessageReceived: db.prepare(`INSERT INTO events (type, time, data, message_seq) VALUES ('message-received', ?, '', ?)`),
      // Events that refer to a message deleted since (retention, forget) are skipped: the message
      // is gone, and so is what the event was about. One join, no query per event.
      since: db
        .prepare(
          `SELECT e.id, e.type, e.time, e.data, e.message_seq,
             m.id, m.peer_id, m.direction, m.text, m.sent_at, m.stored_at, m.state, m.reason, m.expects_ack, m.request
           FROM events e LEFT JOIN messages m ON m.seq = e.message_seq
           WHERE e.id > ? AND e.id <= ? AND (e.message_seq IS NULL OR m.seq IS NOT NULL)
           ORDER BY e.id LIMIT ?`,
        )
        .raw(true),
      // The oldest events beyond the newest `keep`, at most `chunk` of them per call.
      prune: db.prepare(
        `DELETE FROM events WHERE id <= min((SELECT max(id) FROM events) - @keep, (SELECT min(id) FROM events) + @chunk - 1)`,
      ),
    };
  }

  /** Stores an event; returns it, ready to publish once the transaction commits. */
  append(type: ChatEventType, data: Record<string, unknown>): ChatEvent {
    const now = Date.now();
    const json = JSON.stringify(data);
    const id = Number(this.stmt.insert.run(type, now, json).lastInsertRowid);
    return eventWithLine(id, type, isoEvent(now), data, json);
  }

  /** Stores a message-received event as a reference to the message; the event returned carries the message itself. */
  appendMessageReceived(message: Message): ChatEvent {
    const now = Date.now();
    const id = Number(this.stmt.insertMessageReceived.run(now, message.seq).lastInsertRowid);
    const data = { message };
    return eventWithLine(id, 'message-received', isoEvent(now), data, JSON.stringify(data));
  }

  /** Stored events after `id` up to `through`: at most `limit`, and no more once `maxBytes` of data are read (at least one). */
  since(id: number, through: number, limit: number, maxBytes: number): ChatEvent[] {
    const events: ChatEvent[] = [];
    let bytes = 0;
    for (const row of this.stmt.since.iterate(id, through, limit) as IterableIterator<EventMessageRow>) {
      events.push(toEvent(row));
      bytes += row[4] === null ? row[3].length : row[8].length; // the stored data, or the message's text
      if (bytes >= maxBytes) break;
    }
    return events;
  }

  /** Deletes the oldest events beyond the newest `keep`, at most `chunk` of them; returns how many. */
  prune(keep: number, chunk: number): number {
    return this.stmt.prune.run({ keep, chunk }).changes;
  }
}
