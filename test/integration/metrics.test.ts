// Metrics: GET /metrics on the control socket, scraped as Prometheus would, while real daemons
// and raw libp2p peers do what the counters count. Counts are compared before and after, never
// timings.
import '../../src/polyfills.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { ApiResponseError } from '../../src/control/client.js';
import { ROOM_REFUSALS } from '../../src/metrics/room-metrics.js';
import { roomTopic } from '../../src/rooms/room-ids.js';
import { encodeWire, signRoomMessage } from '../../src/rooms/room-message.js';
import type { RoomInfo, RoomMessage } from '../../src/types.js';
import { CLI, connectPair, startConnectedPair, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { gossipPeer } from '../helpers/gossip-peer.js';
import { P2PCHAT_AGENT, RawPeer } from '../helpers/raw-peer.js';

const peers: { stop(): unknown }[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await stopAll();
});

/** One sample of the text format: a metric name, its labels and its value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (version 0.0.4) as far as prom-client writes it. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** A scrape, with the sum of the samples of a metric whose labels include the given ones. */
class Scrape {
  constructor(readonly samples: Sample[]) {}

  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

async function scrape(daemon: TestDaemon): Promise<Scrape> {
  return new Scrape(parseMetrics(await daemon.client.text('/metrics')));
}

const OUT = (state: string) => ({ direction: 'out', state });

describe('metrics of two daemons exchanging messages', () => {
  it('counts delivered messages, their latency, received ones, connections and the outbox', async () => {
    const [alice, bob] = await startConnectedPair();
    const before = await scrape(alice);
    const bobBefore = await scrape(bob);

    const count = 7;
    const lines = Array.from({ length: count }, (_, i) => `metrics ${i}`).join('\n');
    const sent = await alice.cli(['send', 'bob', '--lines', '--wait', '--timeout', '30'], { input: `${lines}\n` });
    assert.equal(sent.code, 0, sent.stderr);

    const moved = (s: Scrape, name: string, labels: Record<string, string>, from: Scrape) =>
      s.value(name, labels) - from.value(name, labels);
    const after = await waitFor('the delivered counter to count every message', async () => {
      const s = await scrape(alice);
      return moved(s, 'p2pchat_messages_total', OUT('delivered'), before) >= count ? s : undefined;
    });
    assert.equal(moved(after, 'p2pchat_messages_total', OUT('queued'), before), count);
    assert.equal(moved(after, 'p2pchat_messages_total', OUT('delivered'), before), count);
    assert.equal(moved(after, 'p2pchat_delivery_latency_seconds_count', {}, before), count);
    assert.equal(
      after.value('p2pchat_delivery_latency_seconds_bucket', { le: '+Inf' }),
      after.value('p2pchat_delivery_latency_seconds_count'),
    );
    assert.equal(moved(after, 'p2pchat_messages_total', OUT('failed'), before), 0);
    assert.equal(after.value('p2pchat_outbox_messages'), 0);

    // The sends were committed, and made durable by fsyncs off the event loop, before they were answered.
    assert.ok(moved(after, 'p2pchat_store_commit_duration_seconds_count', { durable: 'true' }, before) >= 1);
    const fsyncs = moved(after, 'p2pchat_store_fsync_duration_seconds_count', {}, before);
    assert.ok(fsyncs >= 1, 'durable commits were fsynced');
    assert.ok(moved(after, 'p2pchat_store_fsync_commits_total', {}, before) >= fsyncs, 'each fsync made at least one commit durable');

    const bobAfter = await waitFor('bob to count what he received', async () => {
      const s = await scrape(bob);
      return moved(s, 'p2pchat_messages_total', { direction: 'in', state: 'received' }, bobBefore) >= count ? s : undefined;
    });
    assert.equal(moved(bobAfter, 'p2pchat_messages_total', { direction: 'in', state: 'received' }, bobBefore), count);

    // alice dialled bob: one connection each, to a contact that is a p2pchat daemon. (Waited for: two
    // daemons that dial each other at once may hold a second connection until libp2p closes one.)
    const connections = async (d: TestDaemon, labels: Record<string, string>) => (await scrape(d)).value('p2pchat_connections', labels);
    await waitFor('one connection on each side', async () => {
      const mine = await connections(alice, { direction: 'outbound', trust: 'contact', kind: 'p2pchat', transport: 'direct' });
      const theirs = await connections(bob, { direction: 'inbound', trust: 'contact', kind: 'p2pchat', transport: 'direct' });
      return mine === 1 && theirs === 1 && (await connections(alice, {})) === 1 && (await connections(bob, {})) === 1;
    });
    assert.equal(after.value('p2pchat_connections', { trust: 'stranger' }), 0);

    // Node's process metrics are in the same registry; libp2p's own are off by default.
    assert.ok(after.has('process_resident_memory_bytes'));
    assert.ok(after.value('p2pchat_build_info') === 1);
    assert.ok(!after.samples.some((s) => s.name.startsWith('libp2p_')), 'libp2p metrics are off by default');

    // With bob gone, what alice sends waits in the outbox, and the gauge says how much.
    await bob.stop();
    const waiting = await alice.cli(['send', 'bob', '--lines'], { input: 'one\ntwo\nthree\n' });
    assert.equal(waiting.code, 0, waiting.stderr);
    const offline = await scrape(alice);
    assert.equal(offline.value('p2pchat_outbox_messages'), 3);
    assert.equal(moved(offline, 'p2pchat_messages_total', OUT('queued'), before), count + 3);
    assert.equal(moved(offline, 'p2pchat_delivery_latency_seconds_count', {}, before), count);
  });
});

describe('metrics of refusals', () => {
  it('counts rejected control requests by their error code', async () => {
    const daemon = await startDaemon({ name: 'requests' });
    const before = await scrape(daemon);
    const reject = (promise: Promise<unknown>, code: string) =>
      assert.rejects(promise, (err: unknown) => err instanceof ApiResponseError && err.code === code);
    await reject(daemon.client.request('POST', '/v1/send', { to: 'nobody' }), 'bad_request');
    await reject(daemon.client.request('POST', '/v1/send', { to: 'x', text: 'y', extra: 1 }), 'bad_request');
    await reject(daemon.client.request('GET', '/v1/no-such-route'), 'not_found');
    await reject(daemon.client.request('GET', '/v1/peers/nobody-at-all'), 'unknown_peer');
    const s = await scrape(daemon);
    const moved = (reason: string) =>
      s.value('p2pchat_control_requests_rejected_total', { reason }) - before.value('p2pchat_control_requests_rejected_total', { reason });
    assert.equal(moved('bad_request'), 2);
    assert.equal(moved('not_found'), 1);
    assert.equal(moved('unknown_peer'), 1);
  });

  it('counts every frame of a flooding stranger: stored as a request or rejected, by reason', async () => {
    const victim = await startDaemon({ name: 'victim' });
    const stranger = await RawPeer.start();
    peers.push(stranger);
    const before = await scrape(victim);
    const offered = 300;
    const flood = await stranger.flood(victim.address, offered, (i) => `flood ${i}`);
    await flood.done;

    const rejected = (s: Scrape) => s.value('p2pchat_frames_rejected_total') - before.value('p2pchat_frames_rejected_total');
    const received = (s: Scrape) =>
      s.value('p2pchat_messages_total', { direction: 'in', state: 'received' }) -
      before.value('p2pchat_messages_total', { direction: 'in', state: 'received' });
    const s = await waitFor('every frame to be stored or rejected', async () => {
      const now = await scrape(victim);
      return received(now) + rejected(now) >= offered ? now : undefined;
    });
    assert.equal(received(s) + rejected(s), offered);
    assert.ok(received(s) >= 1 && received(s) <= 50, `the stranger's quota holds: ${received(s)} stored`);
    const byReason = (reason: string) =>
      s.value('p2pchat_frames_rejected_total', { reason }) - before.value('p2pchat_frames_rejected_total', { reason });
    assert.equal(byReason('rate_limited') + byReason('quota'), rejected(s), 'a stranger is refused for its rate or its quota');
    assert.ok(byReason('rate_limited') > 0);
    const history = await victim.json<unknown[]>(['history', stranger.peerId, '-n', '1000']);
    assert.equal(history.length, received(s));
  });

  it('counts invalid envelopes and streams reset for a bad frame, and refused connections of a blocked peer', async () => {
    const daemon = await startDaemon({ name: 'target' });
    const raw = await RawPeer.start({ agent: P2PCHAT_AGENT });
    peers.push(raw);
    const before = await scrape(daemon);
    const moved = (s: Scrape, reason: string) =>
      s.value('p2pchat_frames_rejected_total', { reason }) - before.value('p2pchat_frames_rejected_total', { reason });

    // Envelopes whose time is out of range: never storable, refused as invalid.
    const link = await raw.openLink(daemon.address);
    link.write([1, 2, 3].map((i) => JSON.stringify({ v: 1, type: 'message', id: `poison-${i}`, time: 1e300, text: 'never stored' })));
    const invalid = await waitFor('three invalid frames counted', async () => {
      const s = await scrape(daemon);
      return moved(s, 'invalid') >= 3 ? s : undefined;
    });
    assert.equal(moved(invalid, 'invalid'), 3);

    // A length prefix of 16 MiB: the stream is reset before the payload is read.
    const stream = await raw.openStream(daemon.address);
    stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x08, 1, 2, 3]));
    const bad = await waitFor('the bad frame counted', async () => {
      const s = await scrape(daemon);
      return moved(s, 'bad_frame') >= 1 ? s : undefined;
    });
    assert.equal(moved(bad, 'bad_frame'), 1);

    // Blocked: its connection is closed, and dialling again is refused by the gater.
    const blocked = await daemon.cli(['block', raw.peerId]);
    assert.equal(blocked.code, 0, blocked.stderr);
    await waitFor('the blocked peer to be disconnected', async () => (await scrape(daemon)).value('p2pchat_connections') === 0);
    await raw.connect(daemon.address).catch(() => {});
    const refusedBlocked = (s: Scrape) => s.value('p2pchat_connections_refused_total', { reason: 'blocked' });
    await waitFor('the refused connection counted', async () => refusedBlocked(await scrape(daemon)) > refusedBlocked(before));
  });
});

describe('metrics of the control API', () => {
  it('the event-stream clients gauge follows a running watch', async () => {
    const daemon = await startDaemon({ name: 'watched' });
    assert.equal((await scrape(daemon)).value('p2pchat_event_stream_clients', { via: 'control' }), 0);
    const watch = spawn(process.execPath, [CLI, '--home', daemon.home, 'watch'], { stdio: 'ignore' });
    try {
      await waitFor('the gauge to count the watch', async () => (await scrape(daemon)).value('p2pchat_event_stream_clients') === 1);
    } finally {
      watch.kill();
    }
    await waitFor('the gauge to drop when the watch ends', async () => (await scrape(daemon)).value('p2pchat_event_stream_clients') === 0);
  });

  it('metrics.enabled off: /metrics answers not_found, p2pchat metrics says why', async () => {
    const daemon = await startDaemon({ name: 'quiet', env: { P2PCHAT_METRICS: 'false' } });
    await assert.rejects(daemon.client.text('/metrics'), (err: unknown) => err instanceof ApiResponseError && err.code === 'not_found');
    const cli = await daemon.cli(['metrics']);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /metrics are off/);
  });

  it('with libp2p metrics on, messages still flow and p2pchat metrics shows libp2p_* next to ours', async () => {
    const env = { P2PCHAT_METRICS_LIBP2P: 'true' };
    const [carol, dave] = await Promise.all([startDaemon({ name: 'carol', env }), startDaemon({ name: 'dave', env })]);
    await connectPair(carol, dave);
    const sent = await carol.cli(['send', 'dave', '--lines', '--wait', '--timeout', '30'], { input: 'one\ntwo\nthree\n' });
    assert.equal(sent.code, 0, sent.stderr);

    const cli = await carol.cli(['metrics']);
    assert.equal(cli.code, 0, cli.stderr);
    const s = new Scrape(parseMetrics(cli.stdout));
    assert.equal(s.value('p2pchat_messages_total', OUT('delivered')), 3);
    assert.ok(s.has('process_resident_memory_bytes'));
    // libp2p counts the bytes of each protocol: our chat streams among them.
    assert.ok(s.value('libp2p_data_transfer_bytes_total', { protocol: '/chat/1.0.0 sent' }) > 0, 'chat bytes counted by libp2p');
  });
});

describe('metrics of rooms', () => {
  const ROOM_METRICS = ['p2pchat_room_messages_stored_total', 'p2pchat_room_messages_refused_total', 'p2pchat_room_sync_fetched_total'];
  const stored = (s: Scrape, source: string) => s.value('p2pchat_room_messages_stored_total', { source });
  const refused = (s: Scrape, reason: string) => s.value('p2pchat_room_messages_refused_total', { reason });
  const send = (d: TestDaemon, text: string) => d.client.request('POST', '/v1/rooms/send', { room: 'office', text });
  const history = (d: TestDaemon) => d.json<RoomMessage[]>(['room', 'history', 'office', '-n', '1000']);

  it('counts room messages stored by source, fetched by sync, refused by reason; rooms joined and members online', async () => {
    const [a, b] = await startConnectedPair();
    const start = await scrape(b);
    for (const name of ROOM_METRICS) assert.equal(start.value(name), 0, `${name} starts at 0`);
    for (const source of ['own', 'gossip', 'sync']) assert.ok(start.samples.some((x) => x.labels.source === source));
    for (const reason of ROOM_REFUSALS)
      assert.ok(
        start.samples.some((x) => x.labels.reason === reason),
        `${reason} exists at 0`,
      );
    assert.equal(start.value('p2pchat_rooms_joined'), 0);

    const office = await a.json<RoomInfo>(['room', 'join', '#office']);
    await b.json<RoomInfo>(['room', 'join', '#office']);
    await waitFor('each to see the other online in the room', async () => {
      const [sa, sb] = await Promise.all([scrape(a), scrape(b)]);
      return sa.value('p2pchat_room_members_online') === 1 && sb.value('p2pchat_room_members_online') === 1;
    });
    for (let i = 0; i < 4; i++) await send(a, `metrics ${i}`);
    // b: its own join; a's join and four texts, live or (a's join, if it went out before b was in the room) by sync.
    const sb = await waitFor('b to store a’s five messages', async () => {
      const s = await scrape(b);
      return stored(s, 'gossip') + stored(s, 'sync') >= 5 ? s : undefined;
    });
    assert.equal(stored(sb, 'gossip') + stored(sb, 'sync'), 5);
    assert.equal(stored(sb, 'own'), 1);
    assert.equal(sb.value('p2pchat_room_sync_fetched_total'), stored(sb, 'sync'));
    assert.equal(sb.value('p2pchat_rooms_joined'), 1);
    const sa = await scrape(a);
    assert.equal(stored(sa, 'own'), 5);
    assert.equal(stored(sa, 'gossip') + stored(sa, 'sync'), 1, 'b’s join');

    // b is away while a writes three: back, it fetches exactly those by sync (its counters restart at 0).
    await b.stop();
    for (let i = 0; i < 3; i++) await send(a, `while b was away ${i}`);
    await b.start();
    await connectPair(b, a);
    await waitFor('b to fetch them', async () => (await history(b)).length === 9);
    const back = await scrape(b);
    assert.equal(stored(back, 'sync'), 3);
    assert.equal(back.value('p2pchat_room_sync_fetched_total'), 3);
    assert.equal(stored(back, 'gossip'), 0);
    assert.equal(stored(back, 'own'), 0);

    // A raw peer on the room's topic: one malformed message, and one naming an author whose key did not sign it.
    const attacker = await gossipPeer();
    peers.push(attacker);
    attacker.services.pubsub.subscribe(roomTopic(office.id));
    await attacker.dial(multiaddr(b.address));
    await waitFor('b in the attacker’s view of the topic', () =>
      attacker.services.pubsub.getSubscribers(roomTopic(office.id)).map(String).includes(b.peerId),
    );
    const publish = (data: Uint8Array) => attacker.services.pubsub.publish(roomTopic(office.id), data);
    await publish(Buffer.from('{"not": "a room message"'));
    const author = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    const payload = { v: 1 as const, room: office.id, author, seq: 1, lamport: 1, time: Date.now(), kind: 'text' as const, text: 'forged' };
    await publish(encodeWire((await signRoomMessage(payload, await generateKeyPair('Ed25519'))).wire));
    const hit = await waitFor('b to count both refusals', async () => {
      const s = await scrape(b);
      return refused(s, 'malformed') >= 1 && refused(s, 'bad_signature') >= 1 ? s : undefined;
    });
    assert.equal(refused(hit, 'malformed'), 1);
    assert.equal(refused(hit, 'bad_signature'), 1);
    assert.equal(hit.value('p2pchat_room_messages_refused_total'), 2);
    assert.equal(stored(hit, 'gossip') + stored(hit, 'sync'), 3, 'nothing refused was stored');

    await b.json<RoomInfo>(['room', 'leave', 'office']);
    await waitFor('b out of the room, a alone in it', async () => {
      const [left, alone] = await Promise.all([scrape(b), scrape(a)]);
      return left.value('p2pchat_rooms_joined') === 0 && alone.value('p2pchat_room_members_online') === 0;
    });
  });
});
