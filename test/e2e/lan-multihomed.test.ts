// A host on two LANs at once (two interfaces, two bridges): peers on both sides find it, and it
// and they dial only addresses that work.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { stopAllThen } from '../helpers/daemon.js';
import { discoveryLatency, formatLatency, startTimed, waitFullMesh } from '../helpers/lan.js';
import { netnsUnavailable, TestLan } from '../helpers/netns.js';

/** So long that a periodic query never happens during a test: discovery must come from start-up. */
const NO_PERIODIC_QUERY = { P2PCHAT_MDNS_INTERVAL_MS: String(3_600_000) };

let lan: TestLan | undefined;
after(() => stopAllThen(() => lan?.destroy()));

describe('a host with two interfaces on two LANs', { skip: netnsUnavailable() }, () => {
  it('is found from both sides, and only addresses that work are dialed', async (t) => {
    lan = new TestLan();
    const [lan1, lan2] = [lan.bridges[0], lan.addBridge()] as const;
    if (!lan1) throw new Error('no first bridge');
    const amyHost = lan.addHost('amy', [lan1]);
    const bobHost = lan.addHost('bob', [lan2]);
    // LAN 2 has a router that forwards nothing: on bob's side, cal's LAN 1 address looks routable
    // but leads nowhere. Any packet bob sends towards it lands on the router and is counted there.
    const router = lan.addHost('rtr', [lan2]);
    bobHost.setDefaultRoute(router.address);
    const calHost = lan.addHost('cal', [lan1, lan2]);
    const strayBefore = router.ipCounter('InAddrErrors');

    const [amy, bob] = await Promise.all([amyHost, bobHost].map((h) => h.daemon({ env: NO_PERIODIC_QUERY }).start()));
    if (!amy || !bob) throw new Error('daemons did not start');
    // cal cannot dial out: amy and bob must each find it, from its announcement on their own LAN.
    calHost.blockOutgoingDials();
    const cal = await startTimed(calHost.daemon({ env: NO_PERIODIC_QUERY }));
    await waitFullMesh([amy, cal]);
    await waitFullMesh([bob, cal]);
    t.diagnostic(`discovery, two-LAN host: connected to both sides ${formatLatency(await discoveryLatency(cal, [amy, bob]))}`);

    for (const [from, to] of [
      [amy, cal],
      [bob, cal],
      [cal, amy],
      [cal, bob],
    ] as const) {
      const m = await from.json<Message>(['send', to.peerId, `${from.name} to ${to.name}`, '--wait']);
      assert.equal(m.state, 'delivered');
    }

    // amy and bob share no LAN: they never see each other.
    assert.deepEqual(
      (await amy.json<PeerInfo[]>(['peers'])).map((p) => p.peerId),
      [cal.peerId],
    );
    assert.deepEqual(
      (await bob.json<PeerInfo[]>(['peers'])).map((p) => p.peerId),
      [cal.peerId],
    );
    // Each side knows cal by the address on its own LAN, and nobody remembers a loopback address.
    const calSeenBy = async (d: typeof amy) => (await d.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === cal.peerId);
    assert.ok((await calSeenBy(amy))?.addresses.some((a) => a.startsWith(`/ip4/${calHost.interfaces[0]?.address}/`)));
    assert.ok((await calSeenBy(bob))?.addresses.some((a) => a.startsWith(`/ip4/${calHost.interfaces[1]?.address}/`)));
    for (const d of [amy, bob, cal]) {
      for (const p of await d.json<PeerInfo[]>(['peers'])) {
        for (const a of p.addresses) assert.doesNotMatch(a, /^\/ip4\/127\./, `${d.name} remembers ${a} for ${p.name}`);
      }
    }
    // bob never tried cal's LAN 1 address, which would have gone to the router.
    assert.equal(router.ipCounter('InAddrErrors') - strayBefore, 0, 'packets bob sent towards an address that cannot work');
  });
});
