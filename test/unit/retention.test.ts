// History retention on a real SQLite file: by count per conversation, by age, never the outbox, and
// event pruning in small steps.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { ageCutoff, Retention, RETENTION_CHUNK, type RetentionOptions } from '../../src/store/retention.js';
import { Store } from '../../src/store/store.js';

const ALICE = '12D3KooWAliceExamplePeerIdExamplePeerIdExamplePeer4tv8G6';
const BOB = '12D3KooWBobExamplePeerIdExamplePeerIdExamplePeerIdx4tv8G6';
const DAY = 86_400_000;
const KEEP_ALL: RetentionOptions = { maxAgeDays: 0, maxMessagesPerPeer: 0, maxEvents: 1_000_000, intervalMs: 60_000 };

function receiveTexts(store: Store, peerId: string, texts: string[]): void {
  store.receive(
    peerId,
    texts.map((text) => ({ id: `${peerId.slice(-6)}-${text}`, text, sentAt: 1 })),
  );
}

function texts(store: Store, peerId: string): string[] {
  return store.history({ peerId, limit: 10_000 }).map((m) => m.text);
}

describe('history retention', () => {
  let dir: string;
  let store: Store;
  const log = pino({ level: 'silent' });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-retention-'));
    store = new Store(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes no cutoff for 0 days, and one `days` back otherwise', () => {
    assert.equal(ageCutoff(10 * DAY, 0), undefined);
    assert.equal(ageCutoff(10 * DAY, 3), 7 * DAY);
    assert.equal(ageCutoff(10 * DAY, 0.5), 9.5 * DAY);
  });

  it('keeps nothing beyond the newest N of each conversation, except the outbox', async () => {
    const queued = ['q1', 'q2'].map((t) => store.queueOutgoing(ALICE, t));
    receiveTexts(
      store,
      ALICE,
      Array.from({ length: 10 }, (_, i) => `a${i}`),
    );
    const sent = store.queueOutgoing(ALICE, 'delivered-old');
    store.markSent([sent.seq], true);
    store.markDelivered(ALICE, [sent.id]);
    receiveTexts(store, ALICE, ['a10', 'a11']);
    receiveTexts(store, BOB, ['b0', 'b1']);
    // A stranger's message requests wait for a decision, however many.
    const STRANGER = '12D3KooWStrangerExamplePeerIdExamplePeerIdExamplePeerx4tv';
    store.receive(
      STRANGER,
      ['s0', 's1', 's2', 's3', 's4'].map((text) => ({ id: text, text, sentAt: 1, request: true })),
    );
    const retention = new Retention({ store, log }, { ...KEEP_ALL, maxMessagesPerPeer: 3 });

    assert.equal((await retention.run()).messages, 10);
    assert.deepEqual(texts(store, ALICE), ['q1', 'q2', 'delivered-old', 'a10', 'a11']);
    assert.deepEqual(texts(store, BOB), ['b0', 'b1']);
    assert.deepEqual(texts(store, STRANGER), ['s0', 's1', 's2', 's3', 's4']);
    assert.deepEqual(
      store.outbox().map((m) => m.id),
      queued.map((m) => m.id),
    );

    // The next pass looks again at the conversations that grew since.
    receiveTexts(store, BOB, ['b2', 'b3']);
    assert.equal((await retention.run()).messages, 1);
    assert.deepEqual(texts(store, BOB), ['b1', 'b2', 'b3']);
    assert.deepEqual(texts(store, ALICE), ['q1', 'q2', 'delivered-old', 'a10', 'a11']);
  });

  it('deletes messages stored longer ago than the maximum age, except the outbox', async () => {
    receiveTexts(store, ALICE, ['old1', 'old2']);
    store.queueOutgoing(BOB, 'expired');
    store.expireOlderThan(-1);
    store.queueOutgoing(BOB, 'still queued');
    receiveTexts(store, ALICE, ['new1']);
    const now = Date.now();
    // Stored three days ago, all but the last message.
    store.database.prepare('UPDATE messages SET stored_at = ? WHERE text != ?').run(now - 3 * DAY, 'new1');
    const retention = new Retention({ store, log, now: () => now }, { ...KEEP_ALL, maxAgeDays: 2 });

    assert.equal((await retention.run()).messages, 3);
    assert.deepEqual(texts(store, ALICE), ['new1']);
    assert.deepEqual(
      store.history({ peerId: BOB, limit: 10 }).map((m) => [m.text, m.state]),
      [['still queued', 'queued']],
    );
  });

  it('prunes events beyond the newest maxEvents, in steps', async () => {
    const total = RETENTION_CHUNK * 2 + 10;
    for (let i = 0; i < total; i++) store.publishEvent('peer-connected', { peerId: ALICE, name: `n${i}` });
    const retention = new Retention({ store, log }, { ...KEEP_ALL, maxEvents: 5 });
    assert.equal((await retention.run()).events, total - 5);
    await store.synced();
    assert.deepEqual(
      store.eventsSince(0).map((e) => e.id),
      [total - 4, total - 3, total - 2, total - 1, total],
    );
  });
});
