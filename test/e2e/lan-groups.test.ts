// Two groups on one LAN, kept apart by their network name (the mDNS service name): each daemon
// connects to its own group only.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo, StatusInfo } from '../../src/types.js';
import { type TestDaemon, stopAllThen } from '../helpers/daemon.js';
import { waitFullMesh } from '../helpers/lan.js';
import { netnsUnavailable, TestLan } from '../helpers/netns.js';

let lan: TestLan | undefined;
after(() => stopAllThen(() => lan?.destroy()));

describe('two groups on one LAN', { skip: netnsUnavailable() }, () => {
  it('never connect to each other', async () => {
    lan = new TestLan();
    const start = (name: string, network: string) =>
      (lan as TestLan)
        .addHost(name)
        .daemon({ env: { P2PCHAT_NETWORK: network } })
        .start();
    const [red1, blue1, red2, blue2] = await Promise.all([
      start('red1', 'red'),
      start('blue1', 'blue'),
      start('red2', 'red'),
      start('blue2', 'blue'),
    ]);
    await Promise.all([waitFullMesh([red1, red2] as TestDaemon[]), waitFullMesh([blue1, blue2] as TestDaemon[])]);
    // A late joiner of each group: by the time both are in, every daemon has heard every other's
    // announcements and answers, so a daemon of the other group would have been found by now.
    const [red3, blue3] = await Promise.all([start('red3', 'red'), start('blue3', 'blue')]);
    const reds = [red1, red2, red3] as TestDaemon[];
    const blues = [blue1, blue2, blue3] as TestDaemon[];
    await Promise.all([waitFullMesh(reds), waitFullMesh(blues)]);

    for (const [group, others] of [
      [reds, blues],
      [blues, reds],
    ] as const) {
      for (const d of group) {
        const peers = await d.json<PeerInfo[]>(['peers']);
        assert.deepEqual(
          peers.map((p) => p.peerId).sort(),
          group
            .filter((o) => o !== d)
            .map((o) => o.peerId)
            .sort(),
          `${d.name} knows only its own group`,
        );
        assert.ok(!peers.some((p) => others.some((o) => o.peerId === p.peerId)));
      }
    }
    const status = await red1.json<StatusInfo>(['status']);
    assert.equal(status.network, 'red');
    const m = await red1.json<Message>(['send', (red3 as TestDaemon).peerId, 'red only', '--wait']);
    assert.equal(m.state, 'delivered');
  });
});
