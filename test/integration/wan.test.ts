// Beyond the LAN on one host (loopback): off by default, invitations, a relay daemon's
// reservations, and a stranger abusing the relay held by its limits. The NAT cases are in
// test/e2e/wan-relay.test.ts.
import '../../src/polyfills.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { Connection, Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import type { PeerInfo, SentMessage, StatusInfo } from '../../src/types.js';
import { startDaemon, stopAll, tempHome, type TestDaemon, waitFor } from '../helpers/daemon.js';

const raws: Libp2p[] = [];
after(async () => {
  await Promise.all(raws.map((n) => n.stop()));
  await stopAll();
});

/** A daemon on loopback with a config file merged over the defaults. */
function daemonWith(name: string, config: object, args: string[] = []): Promise<TestDaemon> {
  const home = tempHome(`p2pchat-${name}-`);
  const file = join(home, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return startDaemon({ name, home, args: ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...args], env: { P2PCHAT_CONFIG: file } });
}

const status = (d: TestDaemon) => d.client.request<StatusInfo>('GET', '/v1/status');

/** A stock libp2p node that reserves on whatever relay it connects to: what anyone can run. */
async function relayClient(): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  raws.push(node);
  return node;
}

const circuitAddress = (node: Libp2p) => node.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit'));

describe('beyond the LAN is off by default', () => {
  it('a daemon says it is LAN-only, and finding a peer by id alone tells the user how to turn it on', async () => {
    const [ada, bo] = await Promise.all([startDaemon({ name: 'ada' }), startDaemon({ name: 'bo' })]);
    assert.equal((await status(ada)).wan?.mode, 'lan-only');
    const byId = await ada.cli(['connect', bo.peerId]);
    assert.notEqual(byId.code, 0);
    assert.match(byId.stderr, /wan\.enabled/);
    // An invitation works without it: it carries addresses.
    const invitation = (await bo.cli(['invite'])).stdout.trim();
    assert.match(invitation, /^p2pchat-invite:/);
    const connected = await ada.json<PeerInfo>(['connect', invitation]);
    assert.equal(connected.peerId, bo.peerId);
    assert.equal(connected.trust, 'contact');
    assert.equal(connected.path, 'lan');
    for (const bad of ['p2pchat-invite:%%%', `p2pchat-invite:${Buffer.from('{"v":1,"id":"x","a":[]}').toString('base64url')}`]) {
      const refused = await ada.cli(['connect', bad]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /invitation/);
    }
    assert.equal((await status(ada)).peerId, ada.peerId, 'the daemon keeps running');
  });
});

describe('a relay daemon', () => {
  it('keeps reservations for daemons that name it, and they say they are relayed through it', async () => {
    const relay = await daemonWith('relay', {}, ['--relay-server']);
    const relayed = { wan: { enabled: true, relays: [relay.address] } };
    const [ada, bo] = await Promise.all([daemonWith('ada', relayed), daemonWith('bo', relayed)]);
    for (const d of [ada, bo]) {
      await waitFor(`${d.name} to be relayed`, async () => (await status(d)).wan?.mode === 'relayed');
    }
    const wan = (await status(ada)).wan;
    assert.deepEqual(wan?.relays, [relay.peerId]);
    assert.equal((await status(relay)).wan?.relayReservations, 2);
    // The invitation carries the relay address first.
    const invitation = await bo.json<{ invitation: string; addresses: string[] }>(['invite']);
    assert.match(invitation.addresses[0] as string, new RegExp(`/p2p/${relay.peerId}/p2p-circuit/p2p/${bo.peerId}$`));
    const peer = await ada.json<PeerInfo>(['connect', invitation.invitation]);
    assert.equal(peer.peerId, bo.peerId);
    const sent = await ada.json<SentMessage>(['send', bo.peerId, 'through an invitation', '--wait']);
    assert.equal(sent.state, 'delivered');
    // Here a direct path exists (the same host): the conversation moves to it.
    await waitFor(
      'ada to reach bo directly',
      async () => (await ada.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === bo.peerId)?.path === 'lan',
    );
    const text = (await ada.cli(['status'])).stdout;
    assert.match(text, new RegExp(`Reach: +behind NAT, relayed via ${relay.peerId}`));
  });

  it(
    'holds a stranger that abuses it to its limits: reservations, bytes and time per relayed connection',
    { timeout: 120_000 },
    async (t) => {
      const relay = await daemonWith('relay', {
        relay: { server: true, maxReservations: 2, dataLimitBytes: 65536, durationLimitSeconds: 3 },
      });
      const relayAddr = multiaddr(relay.address);
      const clients = await Promise.all([0, 1, 2, 3].map(() => relayClient()));
      for (const c of clients) await c.dial(relayAddr);
      await waitFor('two reservations', async () => (await status(relay)).wan?.relayReservations === 2);
      // The others were refused: no more than two of the four hold a relay address, now or later.
      await new Promise((r) => setTimeout(r, 1000));
      const reserved = clients.filter((c) => circuitAddress(c) !== undefined);
      assert.equal(reserved.length, 2);
      assert.equal((await status(relay)).wan?.relayReservations, 2);

      // Bytes: a stream pushing 1 MiB through the relay is cut after its 64 KiB.
      const [sink, source] = reserved as [Libp2p, Libp2p];
      let receivedBytes = 0;
      await sink.handle(
        '/abuse/1.0.0',
        async (stream: Stream) => {
          for await (const chunk of stream) receivedBytes += chunk.byteLength;
        },
        { runOnLimitedConnection: true },
      );
      const cut = (conn: Connection) => new Promise<void>((resolve) => conn.addEventListener('close', () => resolve(), { once: true }));
      const target = circuitAddress(sink) as ReturnType<typeof multiaddr>;
      const conn = await source.dial(target);
      assert.ok(conn.limits, 'a relayed connection is limited');
      const closed = cut(conn);
      const stream = await conn.newStream('/abuse/1.0.0', { runOnLimitedConnection: true });
      const chunk = new Uint8Array(4096);
      for (let i = 0; i < 256 && stream.status === 'open'; i++) {
        // The relay may close the connection while the stream waits for drain: then no drain comes.
        if (!stream.send(chunk)) await Promise.race([new Promise((r) => stream.addEventListener('drain', r, { once: true })), closed]);
      }
      await closed;
      t.diagnostic(`the relay passed ${receivedBytes} of 1048576 bytes before closing the relayed connection`);
      assert.ok(receivedBytes <= 65536, `at most the data limit got through (${receivedBytes})`);

      // Time: an idle relayed connection is closed at the duration limit.
      const idle = await source.dial(target);
      await waitFor('the relay to close a relayed connection at its duration limit', async () => idle.status !== 'open', 30_000);
      assert.equal((await status(relay)).peerId, relay.peerId, 'the relay daemon keeps running');
    },
  );
});
