import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many have run.
 * Append new entries, never edit old ones: databases in the field have already run them.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE peers (
    peer_id         TEXT PRIMARY KEY,
    name            TEXT,
    addresses       TEXT NOT NULL DEFAULT '[]',
    agent           TEXT,
    speaks_envelope INTEGER NOT NULL DEFAULT 0,
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER
  );
  CREATE TABLE messages (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL,
    peer_id     TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    text        TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    stored_at   INTEGER NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT,
    expects_ack INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL,
    UNIQUE (peer_id, direction, id)
  );
  CREATE INDEX messages_by_state ON messages (direction, state, peer_id, seq);
  CREATE INDEX messages_by_peer ON messages (peer_id, seq);
  CREATE TABLE events (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    time INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  `,
  // The outbox is a small, moving subset of all messages: index just those rows, so that finding
  // what to send next does not scan a peer's whole history.
  `
  DROP INDEX messages_by_state;
  CREATE INDEX messages_outbox ON messages (peer_id, seq)
    WHERE direction = 'out' AND state IN ('queued', 'sent') AND expects_ack = 1;
  `,
  // Trust: each peer is a contact, a stranger or blocked, with an optional petname of your own.
  // Incoming messages from strangers are held as message requests (request = 1) until accepted.
  // Peers you already sent messages to before trust existed were chosen by you: they stay contacts.
  `
  ALTER TABLE peers ADD COLUMN trust TEXT NOT NULL DEFAULT 'stranger' CHECK (trust IN ('contact', 'stranger', 'blocked'));
  ALTER TABLE peers ADD COLUMN petname TEXT;
  ALTER TABLE peers ADD COLUMN trust_changed_at INTEGER;
  ALTER TABLE messages ADD COLUMN request INTEGER NOT NULL DEFAULT 0;
  UPDATE peers SET trust = 'contact' WHERE peer_id IN (SELECT DISTINCT peer_id FROM messages WHERE direction = 'out');
  CREATE INDEX messages_requests ON messages (peer_id, seq) WHERE request = 1;
  `,
  // Received texts are stored once: a message-received event refers to its message by seq
  // (message_seq) instead of holding a copy of it, and is rebuilt from the message row when read.
  // Existing events are rewritten to that form, which also drops the copies of their texts.
  `
  ALTER TABLE events ADD COLUMN message_seq INTEGER;
  UPDATE events SET message_seq = json_extract(data, '$.message.seq'), data = ''
    WHERE type = 'message-received' AND json_valid(data) AND json_type(data, '$.message.seq') = 'integer';
  `,
  // Rooms (src/rooms/): the rooms this daemon joined, and every room message it holds, exactly once
  // per (room, author, seq). Each author's messages are stored without gaps, so an author's highest
  // seq is what this daemon has of that author. Kept whole (payload and signature) to pass on.
  `
  CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    private    INTEGER NOT NULL,
    key        BLOB,
    member     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    read_pos   INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE room_messages (
    room_id   TEXT NOT NULL,
    author    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    lamport   INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    text      TEXT NOT NULL,
    name      TEXT,
    sent_at   INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    payload   TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (room_id, author, seq)
  );
  CREATE INDEX room_messages_order ON room_messages (room_id, lamport, author);
  `,
  // Who is in a room is each author's latest join or leave: without this index, `room list`,
  // `room members` and room retention read every message of the room to find them.
  `
  CREATE INDEX room_messages_membership ON room_messages (room_id, author, seq) WHERE kind IN ('join', 'leave');
  `,
];

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this p2pchat understands (${MIGRATIONS.length}); upgrade p2pchat`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
