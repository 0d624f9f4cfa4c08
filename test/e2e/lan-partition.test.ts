// A host's link goes down for a while and comes back: connections return by themselves, and what
// was sent meanwhile arrives exactly once, in order.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message } from '../../src/types.js';
import { type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { loggedConnectedAt, waitDisconnected, waitFullMesh } from '../helpers/lan.js';
import { netnsUnavailable, TestLan } from '../helpers/netns.js';

let lan: TestLan | undefined;
after(() => stopAllThen(() => lan?.destroy()));

describe('a partition', { skip: netnsUnavailable() }, () => {
  it('heals by itself and queued messages are delivered exactly once, in order', async (t) => {
    lan = new TestLan();
    const hosts = ['ada', 'bo', 'cy'].map((name) => (lan as TestLan).addHost(name));
    const [ada, bo, cy] = (await Promise.all(hosts.map((h) => h.daemon().start()))) as [TestDaemon, TestDaemon, TestDaemon];
    await waitFullMesh([ada, bo, cy]);
    const before = await ada.json<Message>(['send', bo.peerId, 'before', '--wait']);
    assert.equal(before.state, 'delivered');

    hosts[1]?.setLink(false);
    // Written to a connection that is dead but not yet known to be: resent after the heal.
    for (const text of ['during 1', 'during 2']) await ada.json<Message>(['send', bo.peerId, text]);
    await Promise.all([waitDisconnected(ada, bo), waitDisconnected(cy, bo), waitDisconnected(bo, ada), waitDisconnected(bo, cy)]);
    // Queued while the peer is known to be gone.
    for (const text of ['during 3', 'during 4']) await ada.json<Message>(['send', bo.peerId, text]);

    const healedAt = Date.now();
    hosts[1]?.setLink(true);
    // Every pair reconnects: ada and bo (ada has messages waiting) and also cy and bo (nothing waits).
    await waitFullMesh([ada, bo, cy]);
    t.diagnostic(`link up -> all three connected again after ${Date.now() - healedAt} ms`);
    const [toAda, toCy] = await Promise.all([loggedConnectedAt(bo, ada.peerId, healedAt), loggedConnectedAt(bo, cy.peerId, healedAt)]);
    t.diagnostic(`bo reconnected to ada after ${toAda - healedAt} ms, to cy after ${toCy - healedAt} ms`);

    await waitFor('the outbox to empty', async () => (await ada.json<Message[]>(['outbox'])).length === 0);
    const received = await bo.json<Message[]>(['history']);
    assert.deepEqual(
      received.filter((m) => m.peerId === ada.peerId).map((m) => m.text),
      ['before', 'during 1', 'during 2', 'during 3', 'during 4'],
    );
    const sent = await ada.json<Message[]>(['history', bo.peerId]);
    assert.deepEqual(
      sent.map((m) => m.state),
      ['delivered', 'delivered', 'delivered', 'delivered', 'delivered'],
    );
    const after = await cy.json<Message>(['send', bo.peerId, 'after', '--wait']);
    assert.equal(after.state, 'delivered');
  });
});
