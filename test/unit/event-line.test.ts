import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventLine } from '../../src/store/event-line.js';
import { Store } from '../../src/store/store.js';
import type { ChatEvent } from '../../src/types.js';

describe('event lines', () => {
  it('are exactly JSON.stringify of the event, live and replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-event-line-'));
    const store = new Store(dir);
    try {
      const live: ChatEvent[] = [];
      store.subscribe((e) => live.push(e));
      const peer = '12D3KooWQVxiExamplePeerIdExamplePeerIdExamplePeer4tv8G6';
      store.queueOutgoing(peer, 'hello "quoted" \u2028 ünïcode');
      store.receive(peer, [{ id: 'a-1', text: 'line\nbreak', sentAt: 1_700_000_000_000 }]);
      store.publishEvent('peer-connected', { peerId: peer, name: null });
      await store.synced();
      assert.equal(live.length, 3);
      const replayed = store.eventsSince(0);
      assert.deepEqual(JSON.parse(JSON.stringify(replayed)), JSON.parse(JSON.stringify(live)));
      for (const event of [...live, ...replayed]) assert.equal(eventLine(event), JSON.stringify(event));
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay pages stop at a byte budget, with at least one event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pchat-event-page-'));
    const store = new Store(dir);
    try {
      const peer = '12D3KooWQVxiExamplePeerIdExamplePeerIdExamplePeer4tv8G6';
      store.receive(
        peer,
        Array.from({ length: 10 }, (_, i) => ({ id: `big-${i}`, text: 'x'.repeat(10_000), sentAt: 1 })),
      );
      await store.synced();
      assert.equal(store.eventsSince(0, 1000).length, 10);
      assert.equal(store.eventsSince(0, 1000, 25_000).length, 3);
      assert.equal(store.eventsSince(0, 1000, 1).length, 1);
      assert.deepEqual(
        store.eventsSince(3, 1000, 25_000).map((e) => e.id),
        [4, 5, 6],
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
