// Hosts on one LAN (each its own network namespace) find each other with mDNS and chat, with no
// configuration at all; late joiners are found at once; hosts that leave show as disconnected.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { type TestDaemon, stopAllThen } from '../helpers/daemon.js';
import { discoveryLatency, formatLatency, startTimed, waitConnected, waitDisconnected, waitFullMesh } from '../helpers/lan.js';
import { netnsUnavailable, TestLan } from '../helpers/netns.js';

/** So long that a periodic query never happens during a test: discovery must come from start-up. */
const NO_PERIODIC_QUERY = { P2PCHAT_MDNS_INTERVAL_MS: String(3_600_000) };

const lans: TestLan[] = [];
after(() =>
  stopAllThen(() => {
    for (const lan of lans) lan.destroy();
  }),
);

function newLan(): TestLan {
  const lan = new TestLan();
  lans.push(lan);
  return lan;
}

describe('hosts on one LAN', { skip: netnsUnavailable() }, () => {
  it('three hosts discover each other with no configuration and messages flow both ways among all', async (t) => {
    const lan = newLan();
    const daemons = await Promise.all(['ann', 'ben', 'cat'].map((name) => startTimed(lan.addHost(name).daemon())));
    await waitFullMesh(daemons);
    for (const d of daemons) {
      const latency = await discoveryLatency(
        d,
        daemons.filter((o) => o !== d),
      );
      t.diagnostic(`discovery, 3 hosts started together: ${d.name} connected to both others ${formatLatency(latency)}`);
    }

    for (const d of daemons) {
      const peers = await d.json<PeerInfo[]>(['peers']);
      const others = daemons.filter((o) => o !== d);
      assert.deepEqual(
        peers.map((p) => ({ peerId: p.peerId, connected: p.connected })).sort((a, b) => a.peerId.localeCompare(b.peerId)),
        others.map((o) => ({ peerId: o.peerId, connected: true })).sort((a, b) => a.peerId.localeCompare(b.peerId)),
      );
      // Only addresses on the LAN are remembered: never a loopback address, never our own.
      for (const p of peers) {
        for (const a of p.addresses) assert.match(a, /^\/ip4\/10\.47\.1\.\d+\/tcp\/4747/, `${d.name} stored ${a}`);
      }
    }

    for (const from of daemons) {
      for (const to of daemons) {
        if (from === to) continue;
        const m = await from.json<Message>(['send', to.peerId, `${from.name} to ${to.name}`, '--wait']);
        assert.equal(m.state, 'delivered');
      }
    }
    for (const d of daemons) {
      const received = (await d.json<Message[]>(['history'])).filter((m) => m.direction === 'in').map((m) => m.text);
      const expected = daemons.filter((o) => o !== d).map((o) => `${o.name} to ${d.name}`);
      assert.deepEqual(received.sort(), expected.sort());
    }
  });

  it('a late joiner is found and connected by every running host from its start-up announcement alone', async (t) => {
    const lan = newLan();
    const early = await Promise.all(['dan', 'eve'].map((name) => lan.addHost(name).daemon({ env: NO_PERIODIC_QUERY }).start()));
    await waitFullMesh(early);
    // The joiner cannot dial out, so each connection to it proves that a running host found it; with no
    // periodic queries, only its announcement at start-up can have told them.
    const host = lan.addHost('fay');
    host.blockOutgoingDials();
    const late = await startTimed(host.daemon({ env: NO_PERIODIC_QUERY }));
    await waitFullMesh([...early, late]);
    t.diagnostic(`discovery, late joiner: connected to all running hosts ${formatLatency(await discoveryLatency(late, early))}`);
    for (const d of early) {
      const m = await d.json<Message>(['send', late.peerId, `welcome from ${d.name}`, '--wait']);
      assert.equal(m.state, 'delivered');
    }
    const m = await late.json<Message>(['send', early[0]?.peerId ?? '', 'thanks', '--wait']);
    assert.equal(m.state, 'delivered');
  });

  it('a host whose process stops, or whose link goes down, shows as disconnected on the others', async (t) => {
    const lan = newLan();
    const hosts = ['gus', 'hal', 'ivy'].map((name) => lan.addHost(name));
    const [gus, hal, ivy] = (await Promise.all(hosts.map((h) => h.daemon().start()))) as [TestDaemon, TestDaemon, TestDaemon];
    await waitFullMesh([gus, hal, ivy]);

    let start = Date.now();
    await hal.stop();
    await Promise.all([waitDisconnected(gus, hal), waitDisconnected(ivy, hal)]);
    t.diagnostic(`process stopped -> shown disconnected after ${Date.now() - start} ms`);

    start = Date.now();
    hosts[2]?.setLink(false);
    await waitDisconnected(gus, ivy);
    t.diagnostic(`link down -> shown disconnected after ${Date.now() - start} ms`);
    const peers = await gus.json<PeerInfo[]>(['peers']);
    assert.deepEqual(
      peers.filter((p) => p.connected).map((p) => p.peerId),
      [],
    );
    await waitConnected(ivy, []);
  });
});
