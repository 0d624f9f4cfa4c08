// The storage budget on a real SQLite file: the default, the figure against the files on disk, the
// refusal at the budget with one storage-full event, and room again once history is pruned.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { AUTO_BUDGET, autoMaxBytes, databaseBytes, fits, StorageBudget, STORED_MESSAGE_OVERHEAD } from '../../src/store/budget.js';
import { Retention } from '../../src/store/retention.js';
import { Store } from '../../src/store/store.js';

const PEER = '12D3KooWQVxiExamplePeerIdExamplePeerIdExamplePeer4tv8G6';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const log = pino({ level: 'silent' });

/** Receives `count` messages of `size` bytes, in batches as the chat service would. */
function fill(store: Store, count: number, size: number, from = 0): void {
  for (let i = from; i < from + count; i += 100) {
    const n = Math.min(100, from + count - i);
    store.receive(
      PEER,
      Array.from({ length: n }, (_, k) => ({ id: `m-${i + k}`, text: `${i + k} ${'x'.repeat(size)}`, sentAt: 1 })),
    );
  }
}

function filesOnDisk(store: Store): number {
  return statSync(store.path).size + (statSync(`${store.path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
}

describe('storage budget decisions', () => {
  it('auto: a tenth of the space the database can use, between 64 MiB and 2 GiB', () => {
    assert.equal(autoMaxBytes(0, 100 * GiB), AUTO_BUDGET.maxBytes);
    assert.equal(autoMaxBytes(0, 10 * GiB), GiB);
    assert.equal(autoMaxBytes(2 * GiB, 8 * GiB), GiB, 'the database’s own size counts as space it can use');
    assert.equal(autoMaxBytes(0, 100 * MiB), AUTO_BUDGET.minBytes);
    assert.equal(autoMaxBytes(0, 0), AUTO_BUDGET.minBytes);
  });

  it('fits within the budget and above the free-space minimum', () => {
    const limits = { maxBytes: 1000, minFreeBytes: 100 };
    assert.equal(fits(900, 10_000, 100, limits), true);
    assert.equal(fits(900, 10_000, 101, limits), false);
    assert.equal(fits(0, 300, 200, limits), true);
    assert.equal(fits(0, 300, 201, limits), false);
  });
});

describe('storage budget', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pchat-budget-'));
    store = new Store(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tracks the size of the database on disk', () => {
    const budget = new StorageBudget({ store, log }, { maxBytes: 0, minFreeBytes: 0 });
    assert.ok(budget.maxBytes >= AUTO_BUDGET.minBytes && budget.maxBytes <= AUTO_BUDGET.maxBytes);
    fill(store, 3000, 1000);
    budget.refresh();
    const used = budget.usedBytes();
    assert.equal(used, databaseBytes(store.database, store.path));
    // 3,000 texts of about 1 KB. Pages still in the write-ahead log count twice, once in the log and
    // once in the database file they will be copied to: the figure is what the files will take.
    assert.ok(used >= 3000 * 1000, `used ${used}`);
    assert.ok(used <= 2 * filesOnDisk(store), `used ${used}, files ${filesOnDisk(store)}`);
    // Once the log is checkpointed, the figure is what the files hold, less the free pages.
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    budget.refresh();
    const free =
      (store.database.pragma('freelist_count', { simple: true }) as number) *
      (store.database.pragma('page_size', { simple: true }) as number);
    assert.equal(budget.usedBytes(), filesOnDisk(store) - free);
  });

  it('counts what it admitted until the next measurement', () => {
    let now = 0;
    const budget = new StorageBudget({ store, log, now: () => now }, { maxBytes: 0, minFreeBytes: 0, refreshBytes: 10 * MiB });
    const before = budget.usedBytes();
    assert.equal(budget.hasRoomFor(5000), true);
    assert.equal(budget.usedBytes(), before + 5000 + STORED_MESSAGE_OVERHEAD, 'the text and what its rows cost');
    now += 1000;
    assert.equal(budget.usedBytes(), before, 'measured again after a second: nothing was stored');
  });

  it('refuses at the budget with one storage-full event, and has room again once history is pruned', async () => {
    const budget = new StorageBudget({ store, log }, { maxBytes: 2 * MiB, minFreeBytes: 0, refreshMs: 0 });
    const events: unknown[] = [];
    store.subscribe((e) => {
      if (e.type === 'storage-full') events.push(e.data);
    });
    let stored = 0;
    while (budget.hasRoomFor(1100)) {
      fill(store, 1, 1000, stored);
      stored++;
      assert.ok(stored < 10_000, 'the budget never said no');
    }
    // Checked before storing: the last batch admitted may go past the budget by what it wrote.
    assert.ok(budget.usedBytes() <= 2 * MiB + 64 * 1024, `used ${budget.usedBytes()}`);
    assert.ok(budget.usedBytes() > 2 * MiB - 64 * 1024, `used ${budget.usedBytes()}: refused well before the budget`);
    assert.equal(budget.hasRoomFor(1100), false);
    await store.synced(); // events are published once their commit is on disk
    assert.equal(events.length, 1, 'one event for the transition, not one per refusal');
    assert.deepEqual(Object.keys(events[0] as object), ['usedBytes', 'maxBytes']);
    assert.equal((events[0] as { maxBytes: number }).maxBytes, 2 * MiB);

    // Sending still works at the budget: the budget only answers for incoming messages.
    store.queueOutgoing(PEER, 'still sending');

    await new Retention({ store, log }, { maxAgeDays: 0, maxMessagesPerPeer: 100, maxEvents: 100, intervalMs: 60_000 }).run();
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    assert.equal(budget.hasRoomFor(1100), true);
  });

  it('reports a database already past its budget at start', async () => {
    fill(store, 1500, 1000);
    const events: unknown[] = [];
    store.subscribe((e) => {
      if (e.type === 'storage-full') events.push(e.data);
    });
    const budget = new StorageBudget({ store, log }, { maxBytes: MiB, minFreeBytes: 0, refreshMs: 0 });
    await store.synced();
    assert.equal(events.length, 1);
    assert.equal(budget.hasRoomFor(1), false);
    await store.synced();
    assert.equal(events.length, 1, 'no second event at the first refusal');
  });

  it('refuses when the filesystem runs short of free space, whatever the budget', () => {
    let free = 10 * GiB;
    const budget = new StorageBudget({ store, log, freeBytes: () => free }, { maxBytes: GiB, minFreeBytes: 100 * MiB, refreshMs: 0 });
    assert.equal(budget.hasRoomFor(1000), true);
    free = 100 * MiB;
    assert.equal(budget.hasRoomFor(1000), false);
  });
});
