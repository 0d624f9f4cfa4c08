// Room history retention on a real SQLite file: by count per room and by age, never an author's
// newest message (the sync clock) nor its latest join or leave (the member list), and the
// room-message events of what it deleted go with it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import type { CheckedRoomMessage, RoomPayload } from '../../src/rooms/room-message.js';
import { RoomRetention, roomRetentionEnabled, type RoomRetentionOptions } from '../../src/rooms/room-retention.js';
import { RoomTable, toRoomMessage } from '../../src/rooms/room-table.js';
import { Store } from '../../src/store/store.js';

const ROOM = 'ab'.repeat(16);
const OTHER_ROOM = 'cd'.repeat(16);
const ALICE = '12D3KooWAliceExamplePeerIdExamplePeerIdExamplePeer4tv8G6';
const BOB = '12D3KooWBobExamplePeerIdExamplePeerIdExamplePeerIdx4tv8G6';
const DAY = 86_400_000;
const OFF: RoomRetentionOptions = { maxAgeDays: 0, maxMessagesPerRoom: 0, intervalMs: 60_000 };

describe('room retention', () => {
  let dir: string;
  let store: Store;
  let table: RoomTable;
  let lamport = 0;
  const log = pino({ level: 'silent' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-room-retention-'));
    store = new Store(dir);
    table = new RoomTable(store.database);
    lamport = 0;
    for (const id of [ROOM, OTHER_ROOM]) table.upsertRoom({ id, name: id.slice(0, 4), private: false, key: undefined });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stores the author's next message as the intake does (row and room-message event), `storedAt` ms since the epoch. */
  function add(room: string, author: string, kind: RoomPayload['kind'], storedAt = Date.now()): void {
    const seq = table.highestSeq(room, author) + 1;
    const payload = { v: 1, room, author, seq, lamport: ++lamport, time: storedAt, kind } as RoomPayload;
    const text = kind === 'text' ? `${author.slice(8, 13)} ${seq}` : '';
    const checked = { payload, wire: { p: JSON.stringify(payload), s: 'sig' }, bytes: 100 } as unknown as CheckedRoomMessage;
    store.atomically(() => {
      table.insert(checked, text, storedAt);
      const message = toRoomMessage({ ...payload, room_id: room, text, name: null, sent_at: storedAt, stored_at: storedAt }, 'r');
      store.publishEvent('room-message', { message });
    }, false);
  }

  const held = (room: string) => table.history(room, 'r', 100_000).map((m) => `${m.author === ALICE ? 'a' : 'b'}${m.seq}`);
  const roomEvents = async () => {
    await store.synced(); // events are read back once their commit is on disk
    return store
      .eventsSince(0)
      .filter((e) => e.type === 'room-message')
      .map((e) => {
        const m = e.data.message as { room: string; author: string; seq: number };
        return `${m.room === ROOM ? '' : 'other:'}${m.author === ALICE ? 'a' : 'b'}${m.seq}`;
      });
  };

  it('is off with both settings at 0', () => {
    assert.equal(roomRetentionEnabled(OFF), false);
    assert.equal(roomRetentionEnabled({ ...OFF, maxAgeDays: 0.5 }), true);
    assert.equal(roomRetentionEnabled({ ...OFF, maxMessagesPerRoom: 1 }), true);
  });

  it('keeps the newest N of each room, each author’s newest message and latest join; the clock and members stay', async () => {
    add(ROOM, ALICE, 'join');
    add(ROOM, BOB, 'join');
    for (let i = 0; i < 3; i++) add(ROOM, BOB, 'text');
    for (let i = 0; i < 10; i++) add(ROOM, ALICE, 'text');
    add(OTHER_ROOM, ALICE, 'join');
    add(OTHER_ROOM, ALICE, 'text');
    const clock = table.clock(ROOM);
    const members = table.members(ROOM);
    const retention = new RoomRetention({ store, log }, { ...OFF, maxMessagesPerRoom: 4 });

    // Alice's join, Bob's join and Bob's newest (b4) stay beyond the newest four (a8..a11).
    assert.deepEqual(await retention.run(), { messages: 8, events: 8 });
    assert.deepEqual(held(ROOM), ['a1', 'b1', 'b4', 'a8', 'a9', 'a10', 'a11']);
    assert.deepEqual(held(OTHER_ROOM), ['a1', 'a2']);
    assert.deepEqual(table.clock(ROOM), clock, 'each author’s highest seq is kept: sync asks for nothing again');
    assert.deepEqual(table.members(ROOM), members);
    // The events of deleted messages are gone (a replay would bring them back); the others stay, in order.
    assert.deepEqual(await roomEvents(), ['a1', 'b1', 'b4', 'a8', 'a9', 'a10', 'a11', 'other:a1', 'other:a2']);

    // A second pass has nothing to do; the next one trims the rooms that grew since.
    assert.deepEqual(await retention.run(), { messages: 0, events: 0 });
    add(ROOM, BOB, 'text');
    // a8 falls out of the newest four, and b4 is no longer Bob's newest.
    assert.equal((await retention.run()).messages, 2);
    assert.deepEqual(held(ROOM), ['a1', 'b1', 'a9', 'a10', 'a11', 'b5']);
    assert.equal(table.highestSeq(ROOM, BOB), 5);
  });

  it('deletes by age, keeping the same rows, and the newest row of the table (unread counts go by rowid)', async () => {
    const now = 100 * DAY;
    add(ROOM, ALICE, 'join', now - 10 * DAY);
    for (let i = 0; i < 5; i++) add(ROOM, ALICE, 'text', now - 9 * DAY);
    add(ROOM, BOB, 'join', now - 9 * DAY);
    add(ROOM, BOB, 'text', now - 9 * DAY);
    add(ROOM, ALICE, 'leave', now - 8 * DAY);
    for (let i = 0; i < 3; i++) add(ROOM, ALICE, 'text', now - DAY);
    const retention = new RoomRetention({ store, log, now: () => now }, { ...OFF, maxAgeDays: 2 });

    const report = await retention.run();
    // Alice: join (a1) was followed by a leave (a7), her latest membership message; a2..a6 are old texts.
    assert.deepEqual(held(ROOM), ['b1', 'b2', 'a7', 'a8', 'a9', 'a10']);
    assert.deepEqual(report, { messages: 6, events: 6 });
    assert.deepEqual(
      table.members(ROOM).map((m) => m.author),
      [BOB],
    );

    // Everything old: each author's newest and latest membership message stay, nothing else.
    const later = new RoomRetention({ store, log, now: () => now + 30 * DAY }, { ...OFF, maxAgeDays: 2 });
    assert.equal((await later.run()).messages, 2);
    assert.deepEqual(held(ROOM), ['b1', 'b2', 'a7', 'a10']);
  });

  it('deletes a large backlog in many small steps', async () => {
    for (let i = 0; i < 4500; i++) add(ROOM, ALICE, 'text');
    const retention = new RoomRetention({ store, log }, { ...OFF, maxMessagesPerRoom: 10 });
    assert.deepEqual(await retention.run(), { messages: 4490, events: 4490 });
    assert.equal(table.history(ROOM, 'r', 100_000).length, 10);
    assert.equal(table.highestSeq(ROOM, ALICE), 4500);
  });
});
