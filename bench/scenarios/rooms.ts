// Rooms: N daemons in network namespaces on one bridge (mDNS), all in one open room. Fan-out
// latency from one member's `room send` answer to the room-message event at every other member
// (p50, p99), with direct-message delivery on the same run for comparison; the catch-up rate of a
// member that returns after missing a backlog; RSS per daemon after the busy room. Needs root.
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RoomMessage } from '../../src/types.js';
import { type BenchDaemon, DaemonSet, dialDaemon, waitUntil } from '../lib/daemons.js';
import { openEventStream, PeerWatch } from '../lib/events.js';
import { NetnsLab, netnsUnavailable } from '../lib/netns.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { latencyPercentiles, summarize } from '../lib/stats.js';

interface RoomRun {
  fanOut: { p50: number; p99: number };
  direct: { p50: number; p99: number };
  catchUpPerSecond: number;
  directDrainPerSecond: number;
  rssMedian: number;
}

/** When a daemon's event stream showed each room text, and each direct message delivered (bench clock). */
class RoomWatch {
  readonly seen = new Map<string, number>();
  private req?: ClientRequest;

  static async open(daemon: BenchDaemon): Promise<RoomWatch> {
    const watch = new RoomWatch();
    watch.req = await openEventStream(daemon.client.socketPath, undefined, (event) => {
      if (event.type === 'room-message') watch.seen.set((event.data.message as RoomMessage).text, performance.now());
      if (event.type === 'message-state-changed' && event.data.state === 'delivered') {
        watch.seen.set(`direct ${String(event.data.id)}`, performance.now());
      }
    });
    return watch;
  }

  close(): void {
    this.req?.destroy();
  }
}

/**
 * The same absence with direct messages, for comparison on the same run: `backlog` messages to
 * `away` queued while it is down (in batches), timed from its daemon ready to the last delivered.
 */
async function directDrain(
  sender: BenchDaemon,
  away: BenchDaemon,
  watch: RoomWatch,
  backlog: number,
  log: (line: string) => void,
): Promise<number> {
  await away.stop();
  const ids: string[] = [];
  for (let i = 0; i < backlog; i += 500) {
    const messages = Array.from({ length: Math.min(500, backlog - i) }, (_, k) => ({ to: away.peerId, text: `drain ${i + k}` }));
    const sent = await sender.client.request<{ messages: { id: string }[] }>('POST', '/v1/send/batch', { messages });
    ids.push(...sent.messages.map((m) => m.id));
  }
  await away.start();
  const startedAt = performance.now();
  await dialDaemon(away, sender, log);
  await waitUntil('the direct backlog to be delivered', () => ids.every((id) => watch.seen.has(`direct ${id}`)), 600_000, 10);
  return backlog / ((performance.now() - startedAt) / 1000);
}

async function roomRun(ctx: BenchContext, n: number, probes: number, backlog: number): Promise<RoomRun> {
  const lab = new NetnsLab();
  const set = new DaemonSet(ctx.options.homes);
  const watches: { close(): void }[] = [];
  try {
    const hosts = lab.create(n);
    const daemons = await Promise.all(
      hosts.map((h, i) => set.start({ name: `r${i}`, netns: h.netns, listen: `/ip4/${h.address}/tcp/4747`, mdns: true })),
    );
    const peerWatches = await Promise.all(daemons.map((d) => PeerWatch.open(d.client.socketPath)));
    watches.push(...peerWatches);
    await waitUntil(`a full mesh of ${n}`, () => peerWatches.every((w) => w.connectedSince.size >= n - 1), 60_000 + 3000 * n, 100);
    for (const d of daemons) await d.client.request('POST', '/v1/rooms/join', { room: 'bench' });
    const [sender, ...others] = daemons as [BenchDaemon, ...BenchDaemon[]];
    const roomWatches = await Promise.all(others.map((d) => RoomWatch.open(d)));
    watches.push(...roomWatches);
    const senderWatch = await RoomWatch.open(sender);
    watches.push(senderWatch);
    const send = (text: string) => sender.client.request('POST', '/v1/rooms/send', { room: 'bench', text });
    const allSaw = (key: string) => waitUntil(`every member to see ${key}`, () => roomWatches.every((w) => w.seen.has(key)), 60_000, 1);

    // Warm-up: gossip meshes form within a few heartbeats.
    for (let i = 0; i < 5; i++) await send(`warm ${i}`);
    await allSaw('warm 4');

    const fanOut: number[] = [];
    for (let i = 0; i < probes; i++) {
      const key = `probe ${i}`;
      await send(key);
      // From the answer (stored and fsynced at the author) to each member's event.
      const sentAt = performance.now();
      await allSaw(key);
      for (const w of roomWatches) fanOut.push((w.seen.get(key) as number) - sentAt);
    }
    // Direct messages on the same run: from the send's answer to delivered (acked after the receiver's fsync).
    // The members accept the sender as a contact first, so no stranger rate limit applies.
    for (const d of others) await d.client.request('POST', '/v1/contacts', { peer: sender.peerId });
    const direct: number[] = [];
    for (let i = 0; i < probes; i++) {
      const target = others[i % others.length] as BenchDaemon;
      const sent = await sender.client.request<{ id: string }>('POST', '/v1/send', { to: target.peerId, text: `direct ${i}` });
      const sentAt = performance.now();
      await waitUntil('the direct message to be delivered', () => senderWatch.seen.has(`direct ${sent.id}`), 60_000, 1);
      direct.push((senderWatch.seen.get(`direct ${sent.id}`) as number) - sentAt);
    }

    // Catch-up: the last member is stopped while the sender writes the backlog, then returns.
    const away = others.at(-1) as BenchDaemon;
    await away.stop();
    for (let i = 0; i < backlog; i++) await send(`backlog ${i}`);
    const rss = summarize(daemons.filter((d) => d !== away).map((d) => d.memory().rssMB));
    await away.start();
    const startedAt = performance.now();
    const back = await RoomWatch.open(away);
    watches.push(back);
    // As the direct backlog drain does: timed from the daemon ready, with a dial to one member
    // instead of waiting for mDNS to find them (they pull from each other on connect either way).
    await dialDaemon(away, sender, ctx.log);
    await waitUntil('the returning member to catch up', () => back.seen.has(`backlog ${backlog - 1}`), 600_000, 10);
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      fanOut: latencyPercentiles(fanOut),
      direct: latencyPercentiles(direct),
      catchUpPerSecond: backlog / seconds,
      directDrainPerSecond: await directDrain(sender, away, senderWatch, backlog, ctx.log),
      rssMedian: rss.median,
    };
  } finally {
    for (const w of watches) w.close();
    await set.stopAll();
    lab.destroy();
  }
}

export const roomsScenario: Scenario = {
  id: 'rooms',
  title: '9. Rooms: fan-out to N members in network namespaces, catch-up after a long absence',
  async run(ctx: BenchContext): Promise<void> {
    const reason = netnsUnavailable();
    if (reason) {
      ctx.log(`  rooms: skipped: ${reason}`);
      ctx.results.skip('rooms', reason);
      return;
    }
    const sizes = ctx.options.quick ? [3] : ctx.options.meshSizes.includes(30) ? [5, 10, 30] : [5, 10];
    for (const n of sizes) {
      const run = await roomRun(ctx, n, ctx.count(100, 10), n === sizes[0] ? ctx.count(10_000, 300) : ctx.count(2000, 100));
      const add = (name: string, unit: string, better: 'lower' | 'higher', value: number) =>
        ctx.results.add('rooms', `N=${n}: ${name}`, unit, better, [value]);
      add('room send → event at every member, p50', 'ms', 'lower', run.fanOut.p50);
      add('room send → event at every member, p99', 'ms', 'lower', run.fanOut.p99);
      add('direct send → delivered, p50 (same run)', 'ms', 'lower', run.direct.p50);
      add('direct send → delivered, p99 (same run)', 'ms', 'lower', run.direct.p99);
      ctx.results.add('rooms', `N=${n}: direct backlog drain to the returning member (same run)`, 'msg/s', 'higher', [
        run.directDrainPerSecond,
      ]);
      ctx.results.add('rooms', `N=${n}: catch-up of a returning member (from its start)`, 'msg/s', 'higher', [run.catchUpPerSecond], {
        baselines: [`rooms/N=${n}: direct backlog drain to the returning member (same run)`],
      });
      add('RSS per daemon after the busy room, median', 'MB', 'lower', run.rssMedian);
      ctx.log(`  rooms: N=${n} done`);
    }
  },
};
