// Received texts are stored once: a message-received event refers to its message, and is rebuilt
// from the message row when the event stream replays it, exactly as it was sent live.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { eventLine } from '../../src/store/event-line.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { DATABASE_FILE, Store } from '../../src/store/store.js';
import type { ChatEvent } from '../../src/types.js';

const PEER = '12D3KooWQVxiExamplePeerIdExamplePeerIdExamplePeer4tv8G6';

describe('message-received events', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-event-ref-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hold no copy of the text, and replay exactly the live line', async () => {
    const store = new Store(dir);
    const live: ChatEvent[] = [];
    try {
      store.subscribe((e) => live.push(e));
      store.receive(PEER, [
        { id: 'r-1', text: 'secret-text-one "quoted"\n', sentAt: 1_700_000_000_000 },
        { text: 'secret-text-two, a plain frame', sentAt: 1_700_000_000_001, request: true },
      ]);
      await store.synced();
      assert.equal(live.length, 2);
      const rows = store.database.prepare('SELECT type, data, message_seq FROM events').all() as {
        type: string;
        data: string;
        message_seq: number | null;
      }[];
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.type, 'message-received');
        assert.equal(row.data, '', 'the event stores no copy of the message');
        assert.equal(typeof row.message_seq, 'number');
      }
      assert.deepEqual(
        store.eventsSince(0).map((e) => eventLine(e)),
        live.map((e) => eventLine(e)),
      );
    } finally {
      store.close();
    }
  });

  it('of a message deleted since are skipped, and a page never comes back empty while events remain', async () => {
    const store = new Store(dir);
    try {
      store.receive(
        PEER,
        ['a', 'b', 'c', 'd'].map((t) => ({ id: t, text: t, sentAt: 1 })),
      );
      store.publishEvent('peer-connected', { peerId: PEER, name: null });
      await store.synced();
      // As history retention or forgetting a peer would.
      store.database.prepare("DELETE FROM messages WHERE id IN ('a', 'b', 'c')").run();
      const all = store.eventsSince(0);
      assert.deepEqual(
        all.map((e) => e.type),
        ['message-received', 'peer-connected'],
      );
      assert.equal((all[0]?.data.message as { text: string }).text, 'd');
      assert.deepEqual(
        store.eventsSince(0, 1).map((e) => e.id),
        [4],
      );
    } finally {
      store.close();
    }
  });

  it('stored with a copy by an older version are rewritten to references, and replay as before', () => {
    // A database as version 3 left it: the event holds the whole message.
    const db = new Database(join(dir, DATABASE_FILE));
    for (const [i, sql] of MIGRATIONS.slice(0, 3).entries()) {
      db.exec(sql);
      db.pragma(`user_version = ${i + 1}`);
    }
    db.prepare(
      `INSERT INTO messages (id, peer_id, direction, text, sent_at, stored_at, state, expects_ack, updated_at)
       VALUES ('old-1', ?, 'in', 'old secret text', 1700000000000, 1700000000500, 'received', 1, 1700000000500)`,
    ).run(PEER);
    const message = {
      seq: 1,
      id: 'old-1',
      peerId: PEER,
      direction: 'in',
      text: 'old secret text',
      time: '2023-11-14T22:13:20.000Z',
      storedAt: '2023-11-14T22:13:20.500Z',
      state: 'received',
      acked: true,
      request: false,
    };
    const oldData = JSON.stringify({ message });
    db.prepare(`INSERT INTO events (type, time, data) VALUES ('message-received', 1700000000500, ?)`).run(oldData);
    db.prepare(`INSERT INTO events (type, time, data) VALUES ('peer-connected', 1700000000600, ?)`).run('{"peerId":"x","name":null}');
    db.close();

    const store = new Store(dir);
    try {
      const rows = store.database.prepare('SELECT data, message_seq FROM events ORDER BY id').all();
      assert.deepEqual(rows, [
        { data: '', message_seq: 1 },
        { data: '{"peerId":"x","name":null}', message_seq: null },
      ]);
      assert.deepEqual(
        store.eventsSince(0).map((e) => eventLine(e)),
        [
          `{"id":1,"type":"message-received","time":"2023-11-14T22:13:20.500Z","data":${oldData}}`,
          '{"id":2,"type":"peer-connected","time":"2023-11-14T22:13:20.600Z","data":{"peerId":"x","name":null}}',
        ],
      );
    } finally {
      store.close();
    }
  });
});
