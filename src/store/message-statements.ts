// The prepared statements of the messages table: the hot paths of sending, delivery and receiving.
import type Database from 'better-sqlite3';
import type { MessageRow } from './rows.js';

/**
 * An outgoing message still awaiting its ack. The same condition as the partial index
 * messages_outbox (migration 2), which lets SQLite use that index for every outbox query.
 */
export const IN_OUTBOX = `direction = 'out' AND state IN ('queued', 'sent') AND expects_ack = 1`;

export function prepareMessageStatements(db: Database.Database) {
  return {
    insertMessage: db.prepare(
      `INSERT OR IGNORE INTO messages (id, peer_id, direction, text, sent_at, stored_at, state, expects_ack, request, updated_at)
       VALUES (@id, @peerId, @direction, @text, @sentAt, @now, @state, @expectsAck, @request, @now)`,
    ),
    setState: db.prepare(
      'UPDATE messages SET state = @state, reason = @reason, expects_ack = @expectsAck, updated_at = @now WHERE seq = @seq',
    ),
    // One statement per state change on the hot paths: find, update and return in one step.
    markSent: db.prepare(
      `UPDATE messages SET state = 'sent', expects_ack = @expectsAck, updated_at = @now
       WHERE seq = @seq AND state = 'queued' RETURNING id, peer_id`,
    ),
    markDelivered: db.prepare(
      `UPDATE messages SET state = 'delivered', expects_ack = 1, updated_at = @now
       WHERE peer_id = @peerId AND direction = 'out' AND id IN (SELECT value FROM json_each(@ids)) AND state != 'delivered'
       RETURNING id, seq`,
    ),
    markFailed: db.prepare(
      `UPDATE messages SET state = 'failed', reason = @reason, updated_at = @now
       WHERE peer_id = @peerId AND direction = 'out' AND id IN (SELECT value FROM json_each(@ids)) AND state IN ('queued', 'sent')
       RETURNING id, seq`,
    ),
    pending: db.prepare(
      `SELECT seq, id, text, sent_at AS sentAt FROM messages WHERE ${IN_OUTBOX} AND peer_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    hasPending: db.prepare(`SELECT 1 FROM messages WHERE ${IN_OUTBOX} AND peer_id = ? AND seq > ? LIMIT 1`),
    outboxAll: db.prepare(`SELECT * FROM messages WHERE ${IN_OUTBOX} ORDER BY seq LIMIT ?`),
    outboxPeers: db.prepare(`SELECT DISTINCT peer_id FROM messages WHERE ${IN_OUTBOX}`),
    outboxCount: db.prepare(`SELECT count(*) AS n FROM messages WHERE ${IN_OUTBOX}`),
    expired: db.prepare(`SELECT * FROM messages WHERE ${IN_OUTBOX} AND stored_at < ?`),
    messageCount: db.prepare('SELECT count(*) AS n FROM messages'),
    outgoingById: db.prepare(`SELECT * FROM messages WHERE peer_id = ? AND direction = 'out' AND id = ?`),
    // Cancel and retry name a message by id or id prefix, without its peer: a rare, user-typed lookup.
    outgoingByIdPrefix: db.prepare(
      `SELECT * FROM messages WHERE direction = 'out' AND substr(id, 1, length(@prefix)) = @prefix ORDER BY seq LIMIT @limit`,
    ),
    // Only what is still in the outbox can be cancelled; checked in the statement, so that an ack
    // that lands meanwhile wins and the message stays delivered.
    cancel: db.prepare(
      `UPDATE messages SET state = 'cancelled', reason = @reason, updated_at = @now WHERE seq = @seq AND ${IN_OUTBOX} RETURNING *`,
    ),
    // A retry starts the expiry period again (stored_at is what expiry counts from).
    requeue: db.prepare(
      `UPDATE messages SET state = 'queued', reason = NULL, expects_ack = 1, stored_at = @now, updated_at = @now
       WHERE seq = @seq AND direction = 'out' AND state IN ('failed', 'expired', 'cancelled') RETURNING *`,
    ),
    lastEventId: db.prepare('SELECT coalesce(max(id), 0) AS id FROM events'),
  };
}

export type MessageStatements = ReturnType<typeof prepareMessageStatements>;

/** A message row before it is stored: its seq and stored_at come from the insert, and no reason yet. */
export type NewMessageRow = Omit<MessageRow, 'seq' | 'stored_at' | 'reason'>;

/** Inserts a message; returns its row as stored, or undefined when its id is already stored. */
export function insertMessageRow(stmt: MessageStatements, row: NewMessageRow, now: number): MessageRow | undefined {
  const info = stmt.insertMessage.run({
    id: row.id,
    peerId: row.peer_id,
    direction: row.direction,
    text: row.text,
    sentAt: row.sent_at,
    now,
    state: row.state,
    expectsAck: row.expects_ack,
    request: row.request,
  });
  if (info.changes === 0) return undefined;
  return { ...row, seq: Number(info.lastInsertRowid), stored_at: now, reason: null };
}
