import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CHECKPOINT_COMMITS, Checkpointer } from '../../src/store/checkpointer.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { Store } from '../../src/store/store.js';
import { WalSync } from '../../src/store/wal-sync.js';
import type { ChatEvent } from '../../src/types.js';

const PEER = '12D3KooWQVxiExamplePeerIdExamplePeerIdExamplePeer4tv8G6';

/** A file sync the test finishes by hand: each call waits until release() or fail(). */
function heldSync() {
  const calls: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const sync = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  return {
    sync,
    calls,
    release: (i = calls.length - 1) => calls[i]?.resolve(),
    fail: (i: number, err: Error) => calls[i]?.reject(err),
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sends grouped as the control API groups them: answered with their seq once durable. */
function sendGroup(store: Store): GroupCommit<string, number> {
  return new GroupCommit<string, number>(
    (texts) => store.atomically(() => texts.map((t) => store.queueOutgoing(PEER, t).seq), true),
    () => store.synced(),
  );
}

describe('WalSync', () => {
  it('runs one sync at a time, and every commit made meanwhile shares the next one', async () => {
    const held = heldSync();
    const durable: number[] = [];
    const wal = new WalSync(held.sync, { onDurable: (t) => durable.push(t) });
    const first = wal.waitFor(wal.noteCommit());
    const settled: string[] = [];
    void first.then(() => settled.push('first'));
    // Three more commits while the first sync runs: they wait for one more sync, not three.
    const later = [wal.noteCommit(), wal.noteCommit(), wal.noteCommit()].map((t) => wal.waitFor(t));
    for (const p of later) void p.then(() => settled.push('later'));
    await turn();
    assert.equal(held.calls.length, 1, 'a second sync does not start while one is in flight');
    assert.deepEqual(settled, []);
    held.release(0);
    await first;
    assert.deepEqual(durable, [1]);
    assert.equal(wal.isDurable(2), false, 'commits made during a sync are not covered by it');
    await turn();
    assert.equal(held.calls.length, 2);
    held.release(1);
    await Promise.all(later);
    assert.deepEqual(durable, [1, 4]);
    assert.deepEqual(settled, ['first', 'later', 'later', 'later']);
    assert.equal(held.calls.length, 2);
    // Nothing new committed: waiting costs no sync.
    await wal.waitFor();
    assert.equal(held.calls.length, 2);
  });

  it('rejects the waiters of a failed sync, and the next waiter starts a new one', async () => {
    const held = heldSync();
    const durable: number[] = [];
    const wal = new WalSync(held.sync, { onDurable: (t) => durable.push(t) });
    const waiting = wal.waitFor(wal.noteCommit());
    held.fail(0, new Error('EIO'));
    await assert.rejects(waiting, /EIO/);
    assert.deepEqual(durable, []);
    const again = wal.waitFor();
    held.release(1);
    await again;
    assert.deepEqual(durable, [1]);
  });
});

describe('Store durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-wal-sync-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes and replays an event only once its commit is on disk', async () => {
    const held = heldSync();
    const store = new Store(dir, { walSync: () => held.sync });
    try {
      const live: ChatEvent[] = [];
      store.subscribe((e) => live.push(e));
      const sent = store.queueOutgoing(PEER, 'hello');
      assert.equal(store.outbox().length, 1, 'committed: readable at once');
      await turn();
      assert.equal(held.calls.length, 1, 'the commit asked for a sync');
      assert.equal(live.length, 0, 'no event before the sync');
      assert.equal(store.eventsSince(0).length, 0, 'nor in a replay');
      held.release(0);
      await store.synced();
      assert.deepEqual(
        live.map((e) => e.id),
        [sent.eventId],
      );
      assert.deepEqual(
        store.eventsSince(0).map((e) => e.id),
        [sent.eventId],
      );
    } finally {
      store.close();
    }
  });

  it('keeps events in id order when a commit nobody waits for follows a durable one', async () => {
    const held = heldSync();
    const store = new Store(dir, { walSync: () => held.sync });
    try {
      const live: number[] = [];
      store.subscribe((e) => live.push(e.id));
      const sent = store.queueOutgoing(PEER, 'one');
      await turn();
      // An ack applied while the first sync is in flight: its event waits behind the first one's.
      store.markDelivered(PEER, [sent.id]);
      held.release(0);
      await turn();
      assert.deepEqual(live, [sent.eventId]);
      held.release(1);
      await store.synced();
      assert.deepEqual(live, [sent.eventId, sent.eventId + 1]);
    } finally {
      store.close();
    }
  });

  it('answers a grouped send only after its fsync', async () => {
    const held = heldSync();
    const store = new Store(dir, { walSync: () => held.sync });
    try {
      const group = sendGroup(store);
      let answered = false;
      const answer = group.submit('hello').then((seq) => {
        answered = true;
        return seq;
      });
      await turn();
      await turn();
      assert.equal(answered, false, 'not answered while the fsync is pending');
      assert.equal(held.calls.length, 1);
      held.release(0);
      assert.equal(await answer, 1);
    } finally {
      store.close();
    }
  });

  it('fails a grouped send whose fsync fails, though the row is committed', async () => {
    const held = heldSync();
    const store = new Store(dir, { walSync: () => held.sync });
    try {
      const group = sendGroup(store);
      const answer = group.submit('hello');
      await turn();
      await turn();
      held.fail(0, new Error('EIO: fsync failed'));
      await assert.rejects(answer, /EIO/);
    } finally {
      store.close();
    }
  });
});

describe('Checkpoints', () => {
  it('run in a worker thread after enough commits, and reset the log for reuse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-checkpoint-'));
    const results: boolean[] = [];
    let checkpointed: () => void = () => {};
    const done = new Promise<void>((resolve) => (checkpointed = resolve));
    const store = new Store(dir, {
      observer: {
        checkpointed: (_seconds, ok) => {
          results.push(ok);
          checkpointed();
        },
      },
    });
    try {
      for (let i = 0; i < CHECKPOINT_COMMITS; i++) store.queueOutgoing(PEER, `message ${i}`);
      await done;
      assert.deepEqual(results, [true]);
      // Everything is in the database file now: the next commit starts the log from its beginning.
      store.queueOutgoing(PEER, 'after the checkpoint');
      const [log] = store.database.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
      assert.ok((log?.log ?? Infinity) < 10, `the log was reset (${log?.log} frames)`);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Checkpointer', () => {
  it('checkpoints a quiet database on its own thread, with no worker', async () => {
    const here = { ok: true, log: 3, checkpointed: 3 };
    const seen: unknown[] = [];
    const checkpointer = new Checkpointer({
      path: '/nonexistent/never-opened.db', // a worker would fail to open it
      walSizeLimit: 0,
      quietMs: 10,
      checkpointHere: () => here,
      onCheckpoint: (result) => seen.push(result),
    });
    try {
      for (let i = 0; i < 5; i++) checkpointer.committed();
      const deadline = Date.now() + 10_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(seen, [here], 'one checkpoint, the one run here');
    } finally {
      checkpointer.stop();
    }
  });
});
