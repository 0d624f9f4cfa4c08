// Finding a peer by id through the p2pchat DHT when no single daemon knows both ends: two relay
// and DHT servers on the public segment (the second bootstrapped from the first), one daemon
// behind each NAT, each knowing only its own relay. The one looking asks its relay, which points
// to the other relay, which knows the peer's relay address.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { PeerInfo, SentMessage, StatusInfo } from '../../src/types.js';
import { waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_PORT, netnsUnavailable } from '../helpers/netns.js';
import { iptablesUnavailable, SmallInternet, wanDaemon } from '../helpers/wan-net.js';

const TIMEOUT_MS = 90_000;

let net: SmallInternet | undefined;
after(() => stopAllThen(() => net?.destroy()));

describe('the p2pchat DHT across two relays', { skip: netnsUnavailable() ?? iptablesUnavailable() }, () => {
  it('a daemon finds a peer by id alone through its relay, and reaches it through the peer’s relay', async (t) => {
    net = new SmallInternet();
    const [oneHost, twoHost] = [net.addPublicHost('one'), net.addPublicHost('two')];
    const [nat1, nat2] = [net.addNatLan('r1'), net.addNatLan('r2')];
    const [adaHost, boHost] = [net.addPrivateHost('ada', nat1), net.addPrivateHost('bo', nat2)];
    const relayConfig = (host: typeof oneHost, bootstrap: string[]) => ({
      relay: { server: true },
      wan: { privateAddresses: true, announce: [`/ip4/${host.address}/tcp/${LAN_PORT}`], bootstrap },
    });
    const one = await wanDaemon(oneHost, relayConfig(oneHost, [])).start();
    const oneAddress = `/ip4/${oneHost.address}/tcp/${LAN_PORT}/p2p/${one.peerId}`;
    const two = await wanDaemon(twoHost, relayConfig(twoHost, [oneAddress])).start();
    const twoAddress = `/ip4/${twoHost.address}/tcp/${LAN_PORT}/p2p/${two.peerId}`;
    const client = (relay: string) => ({ wan: { enabled: true, relays: [relay], privateAddresses: true } });
    const [ada, bo] = await Promise.all([wanDaemon(adaHost, client(oneAddress)).start(), wanDaemon(boHost, client(twoAddress)).start()]);
    assert.equal(net.canDial(adaHost, boHost), false);

    await waitFor(
      'the relays to know each other in the DHT',
      async () => ((await one.client.request<StatusInfo>('GET', '/v1/status')).wan?.dhtPeers ?? 0) >= 1,
      TIMEOUT_MS,
    );
    await waitFor(
      'bo to be relayed through two',
      async () => (await bo.client.request<StatusInfo>('GET', '/v1/status')).wan?.relays.includes(two.peerId),
      TIMEOUT_MS,
    );
    const startedAt = Date.now();
    const connected = await ada.cli(['connect', bo.peerId], { timeoutMs: 60_000 });
    assert.equal(connected.code, 0, connected.stderr);
    t.diagnostic(`found and connected by peer id in ${Date.now() - startedAt} ms (CLI start included)`);
    const peers = await ada.json<PeerInfo[]>(['peers']);
    const peer = peers.find((p) => p.peerId === bo.peerId);
    assert.equal(peer?.path, 'relayed');
    assert.ok(
      peer?.addresses.some((a) => a.includes(`/p2p/${two.peerId}/p2p-circuit`)),
      'through bo’s relay, which ada did not know',
    );
    await bo.cli(['contacts', 'add', ada.peerId]);
    const sent = await ada.json<SentMessage>(['send', bo.peerId, 'found you by your id', '--wait']);
    assert.equal(sent.state, 'delivered');
    t.diagnostic(`ada's status:\n${(await ada.cli(['status'])).stdout}`);
    t.diagnostic(`ada's peers:\n${(await ada.cli(['peers'])).stdout}`);
  });
});
