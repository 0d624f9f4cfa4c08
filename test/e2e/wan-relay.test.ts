// Beyond the LAN, in a small internet of network namespaces: a relay daemon on the public segment
// and two daemons, each behind its own NAT router, that cannot dial each other. They find each
// other by peer id alone (the p2pchat DHT, served by the relay), talk through the relay with the
// same delivery promises as on a LAN, also when the relay's data limit closes the relayed
// connection in the middle of a burst and when the relay goes down while messages are queued.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message, PeerInfo, SentMessage, StatusInfo } from '../../src/types.js';
import { type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_PORT, netnsUnavailable } from '../helpers/netns.js';
import { iptablesUnavailable, SmallInternet, wanDaemon } from '../helpers/wan-net.js';

/** Small enough that a burst of a few hundred messages crosses it more than once. */
const RELAY_DATA_LIMIT = 64 * 1024;
const TIMEOUT_MS = 90_000;

let net: SmallInternet | undefined;
after(() => stopAllThen(() => net?.destroy()));

/** The messages `to` holds from `from`, oldest first (history shows the newest `limit`). */
async function received(to: TestDaemon, from: TestDaemon): Promise<Message[]> {
  return (await to.json<Message[]>(['history', from.peerId, '-n', '5000'])).filter((m) => m.direction === 'in');
}

function countLines(log: string, text: string, peerId: string): number {
  return log.split('\n').filter((l) => l.includes(text) && l.includes(peerId)).length;
}

describe('beyond the LAN, through a relay', { skip: netnsUnavailable() ?? iptablesUnavailable() }, () => {
  let relay: TestDaemon;
  let ada: TestDaemon;
  let bo: TestDaemon;

  before(async () => {
    net = new SmallInternet();
    const relayHost = net.addPublicHost('relay');
    const [nat1, nat2] = [net.addNatLan('r1'), net.addNatLan('r2')];
    const [adaHost, boHost] = [net.addPrivateHost('ada', nat1), net.addPrivateHost('bo', nat2)];
    relay = await wanDaemon(relayHost, {
      relay: { server: true, dataLimitBytes: RELAY_DATA_LIMIT },
      wan: { privateAddresses: true, announce: [`/ip4/${relayHost.address}/tcp/${LAN_PORT}`] },
    }).start();
    const relayAddress = `/ip4/${relayHost.address}/tcp/${LAN_PORT}/p2p/${relay.peerId}`;
    const client = {
      wan: { enabled: true, relays: [relayAddress], privateAddresses: true, redialMaxMs: 2000 },
      delivery: { ackTimeoutMs: 3000, redialMinMs: 200, redialMaxMs: 2000 },
    };
    [ada, bo] = await Promise.all([wanDaemon(adaHost, client).start(), wanDaemon(boHost, client).start()]);
    // The small internet is what it claims: the NATed hosts reach the relay, not each other, and
    // the relay cannot reach into either LAN.
    assert.equal(net.canDial(adaHost, relayHost), true);
    assert.equal(net.canDial(adaHost, boHost), false);
    assert.equal(net.canDial(boHost, adaHost), false);
    assert.equal(net.canDial(relayHost, adaHost), false);
    // Nothing leaves: neither the routers nor the public hosts have a default route (the private
    // hosts' default routes end at their routers).
    assert.deepEqual(net.defaultRoutes(), []);
  });

  it('two NATed daemons find each other by peer id and exchange messages both ways, delivered', async (t) => {
    for (const d of [ada, bo]) {
      const wan = await waitFor(
        `${d.name} to hold a reservation on the relay`,
        async () => {
          const s = await d.client.request<StatusInfo>('GET', '/v1/status');
          return s.wan?.mode === 'relayed' ? s.wan : undefined;
        },
        TIMEOUT_MS,
      );
      assert.deepEqual(wan.relays, [relay.peerId]);
    }
    const status = await relay.client.request<StatusInfo>('GET', '/v1/status');
    assert.equal(status.wan?.mode, 'public');
    assert.equal(status.wan?.relayReservations, 2);

    // Nothing but the peer id: the DHT (served by the relay) knows bo's relay address.
    const startedAt = Date.now();
    const connected = await ada.cli(['connect', bo.peerId], { timeoutMs: 60_000 });
    assert.equal(connected.code, 0, connected.stderr);
    t.diagnostic(`connect by peer id took ${Date.now() - startedAt} ms`);
    await bo.cli(['contacts', 'add', ada.peerId]);

    const there = await ada.json<SentMessage>(['send', bo.peerId, 'hello from behind NAT 1', '--wait']);
    assert.equal(there.state, 'delivered');
    const back = await bo.json<SentMessage>(['send', ada.peerId, 'hello from behind NAT 2', '--wait']);
    assert.equal(back.state, 'delivered');
    assert.deepEqual(
      (await received(bo, ada)).map((m) => m.text),
      ['hello from behind NAT 1'],
    );
    assert.deepEqual(
      (await received(ada, bo)).map((m) => m.text),
      ['hello from behind NAT 2'],
    );
    const peers = await ada.json<PeerInfo[]>(['peers']);
    assert.equal(peers.find((p) => p.peerId === bo.peerId)?.path, 'relayed');
    assert.equal(peers.find((p) => p.peerId === relay.peerId)?.path, 'lan');
  });

  it('a burst across the relay’s data limit arrives exactly once, in order', async (t) => {
    const disconnectsBefore = countLines(ada.log, 'peer disconnected', bo.peerId);
    const texts = Array.from({ length: 240 }, (_, i) => `burst ${String(i).padStart(3, '0')} ${'x'.repeat(500)}`);
    // 240 messages of about 520 bytes: about twice the relay's 64 KiB limit per relayed connection.
    await ada.client.request('POST', '/v1/send/batch', { messages: texts.map((text) => ({ to: bo.peerId, text })) });
    try {
      await waitFor('the outbox to empty', async () => (await ada.json<Message[]>(['outbox'])).length === 0, TIMEOUT_MS, 250);
    } catch (err) {
      t.diagnostic(
        `still in the outbox: ${(await ada.json<Message[]>(['outbox'])).length} ada:\n${ada.log.split('\n').slice(-40).join('\n')}\nbo:\n${bo.log.split('\n').slice(-15).join('\n')}`,
      );
      throw err;
    }
    const got = (await received(bo, ada)).map((m) => m.text).filter((text) => text.startsWith('burst '));
    assert.equal(got.length, texts.length, 'every message arrived once');
    assert.deepEqual(got, texts);
    const sent = (await ada.json<Message[]>(['history', bo.peerId, '-n', '5000'])).filter((m) => m.text.startsWith('burst '));
    assert.ok(sent.every((m) => m.state === 'delivered'));
    const resets = countLines(ada.log, 'peer disconnected', bo.peerId) - disconnectsBefore;
    t.diagnostic(`the relay closed the relayed connection ${resets} times during the burst`);
    assert.ok(resets >= 1, 'the relay’s data limit was hit');
  });

  it('messages queued while the relay is down are delivered once it is back, exactly once', async (t) => {
    await relay.kill();
    await waitFor(
      'ada to lose bo',
      async () => !(await ada.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === bo.peerId)?.connected,
      TIMEOUT_MS,
    );
    const queued = ['while the relay was down 1', 'while the relay was down 2', 'while the relay was down 3'];
    for (const text of queued) await ada.json<SentMessage>(['send', bo.peerId, text]);
    const back = Date.now();
    try {
      await relay.start();
    } catch (err) {
      t.diagnostic(`the relay's log:\n${relay.log.split('\n').slice(-20).join('\n')}`);
      throw err;
    }
    await waitFor('the outbox to empty', async () => (await ada.json<Message[]>(['outbox'])).length === 0, TIMEOUT_MS, 250);
    t.diagnostic(`relay restarted -> queued messages delivered after ${Date.now() - back} ms`);
    const got = (await received(bo, ada)).map((m) => m.text).filter((text) => text.startsWith('while the relay'));
    assert.deepEqual(got, queued);
  });
});
