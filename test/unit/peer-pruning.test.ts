import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PeerPruning, pruneIntervalMs } from '../../src/store/peer-pruning.js';
import { Store } from '../../src/store/store.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;

/** A real store in a temporary directory, with peers last seen `age` ms before `now`. */
function storeWith(now: number, peers: Record<string, { age: number; trust?: string; petname?: string }>): Store {
  const dir = mkdtempSync(join(tmpdir(), 'p2pchat-pruning-'));
  dirs.push(dir);
  const store = new Store(dir);
  const set = store.database.prepare('UPDATE peers SET last_seen = ?, trust = ?, petname = ? WHERE peer_id = ?');
  for (const [id, { age, trust, petname }] of Object.entries(peers)) {
    store.updatePeer(id, { seen: true });
    set.run(now - age, trust ?? 'stranger', petname ?? null, id);
  }
  return store;
}

const ids = (store: Store) =>
  store
    .peers()
    .map((p) => p.peerId)
    .sort();

describe('PeerPruning', () => {
  it('drops strangers not seen within the retention that left nothing behind, and nobody else', () => {
    const now = Date.now();
    const store = storeWith(now, {
      oldStranger: { age: 8 * DAY },
      recentStranger: { age: DAY },
      oldWithRequest: { age: 8 * DAY },
      oldWithQueued: { age: 8 * DAY },
      oldContact: { age: 30 * DAY, trust: 'contact' },
      oldBlocked: { age: 30 * DAY, trust: 'blocked' },
      oldNamed: { age: 8 * DAY, petname: 'the printer' },
      oldButConnected: { age: 8 * DAY },
    });
    store.receive('oldWithRequest', [{ id: 'm1', text: 'hi', sentAt: now, request: true }]);
    store.queueOutgoing('oldWithQueued', 'hello');
    const dropped = new PeerPruning(store).prune({ retentionMs: 7 * DAY, maxKept: 100 }, ['oldButConnected'], now);
    assert.deepEqual(dropped, ['oldStranger']);
    assert.deepEqual(ids(store), [
      'oldBlocked',
      'oldButConnected',
      'oldContact',
      'oldNamed',
      'oldWithQueued',
      'oldWithRequest',
      'recentStranger',
    ]);
    store.close();
  });

  it('keeps at most maxKept forgettable strangers, the most recently seen', () => {
    const now = Date.now();
    const store = storeWith(now, {
      a: { age: 1000 },
      b: { age: 2000 },
      c: { age: 3000 },
      d: { age: 4000 },
      contact: { age: 5000, trust: 'contact' },
    });
    store.receive('d', [{ text: 'plain text', sentAt: now }]);
    const dropped = new PeerPruning(store).prune({ retentionMs: DAY, maxKept: 1 }, [], now);
    assert.deepEqual(dropped.sort(), ['b', 'c']);
    assert.deepEqual(ids(store), ['a', 'contact', 'd']);
    store.close();
  });

  it('runs often enough for a short retention, and at least every minute', () => {
    assert.equal(pruneIntervalMs(7 * DAY), 60_000);
    assert.equal(pruneIntervalMs(2000), 1000);
    assert.equal(pruneIntervalMs(1), 250);
  });
});
