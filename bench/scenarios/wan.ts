// Scenario: beyond the LAN. In network namespaces: a relay daemon with two links, one to each of
// two segments, that does not forward packets; ada on one segment, bo on the other, so that ada
// and bo reach each other only through the relay. Measured in the same run: round trips and
// throughput relayed (ada → relay → bo) against direct (ada → the relay daemon itself, over the
// same link), the time from bo's start to being reachable through the relay, and the time to find
// a peer by id in a DHT of N daemons. Needs root; skipped with a message otherwise.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { StatusInfo } from '../../src/types.js';
import { BenchDaemon, waitUntil } from '../lib/daemons.js';
import { EventWatch } from '../lib/events.js';
import { netnsUnavailable } from '../lib/netns.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';

const PORT = 4747;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Namespaces joined by bridges (each in its own switch namespace); addresses 10.49.<segment>.<host>. */
class WanLab {
  private readonly prefix = `p2pw${process.pid}`;
  private readonly created: string[] = [];
  private segments = 0;

  private ns(name: string): string {
    const full = `${this.prefix}-${name}`;
    ip('netns', 'add', full);
    this.created.push(full);
    ip('-n', full, 'link', 'set', 'lo', 'up');
    return full;
  }

  segment(): { index: number; sw: string } {
    const index = ++this.segments;
    const sw = this.ns(`sw${index}`);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    return { index, sw };
  }

  /** A host with one link into each given segment; returns its namespace and its addresses. */
  host(name: string, hostIndex: number, segments: { index: number; sw: string }[]): { netns: string; addresses: string[] } {
    const netns = this.ns(name);
    const addresses = segments.map((seg, i) => {
      const address = `10.49.${seg.index}.${hostIndex}`;
      const swEnd = `${name.slice(0, 8)}${i}`;
      ip('link', 'add', `eth${i}`, 'netns', netns, 'type', 'veth', 'peer', 'name', swEnd, 'netns', seg.sw);
      ip('-n', seg.sw, 'link', 'set', swEnd, 'master', 'br0', 'up');
      ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', `eth${i}`);
      ip('-n', netns, 'link', 'set', `eth${i}`, 'up');
      return address;
    });
    return { netns, addresses };
  }

  destroy(): void {
    for (const name of this.created.splice(0).reverse()) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
  }
}

/** A daemon with a config file in its home (read from `<home>/config.json`). */
function daemon(name: string, netns: string, config: object, homeBase?: string): BenchDaemon {
  const d = new BenchDaemon({ name, netns, listen: `/ip4/0.0.0.0/tcp/${PORT}`, homeBase });
  writeFileSync(join(d.home, 'config.json'), JSON.stringify(config));
  return d;
}

const status = (d: BenchDaemon) => d.client.request<StatusInfo>('GET', '/v1/status');

/** Sequential round trips: one message, wait for its `delivered`, next. Milliseconds each. */
async function roundTrips(from: BenchDaemon, to: BenchDaemon, count: number): Promise<number[]> {
  const watch = await EventWatch.open(from.client.socketPath);
  try {
    const base = watch.counts.delivered;
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const delivered = watch.whenCount('delivered', base + i + 1);
      await from.client.request('POST', '/v1/send', { to: to.peerId, text: `ping ${i} ${'x'.repeat(80)}` });
      samples.push((await delivered) - start);
    }
    return samples;
  } finally {
    watch.close();
  }
}

/** Messages per second for `count` messages of `bytes` sent in batches, until all are delivered. */
async function throughput(from: BenchDaemon, to: BenchDaemon, count: number, bytes: number): Promise<number> {
  const watch = await EventWatch.open(from.client.socketPath);
  try {
    const target = watch.counts.delivered + count;
    const start = performance.now();
    const done = watch.whenCount('delivered', target);
    const text = 'y'.repeat(bytes);
    for (let i = 0; i < count; i += 500) {
      const n = Math.min(500, count - i);
      await from.client.request('POST', '/v1/send/batch', { messages: Array.from({ length: n }, () => ({ to: to.peerId, text })) });
    }
    return count / (((await done) - start) / 1000);
  } finally {
    watch.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function relayRun(ctx: BenchContext): Promise<void> {
  const lab = new WanLab();
  const daemons: BenchDaemon[] = [];
  try {
    const [seg1, seg2] = [lab.segment(), lab.segment()];
    const relayHost = lab.host('relay', 1, [seg1, seg2]);
    const adaHost = lab.host('ada', 2, [seg1]);
    const boHost = lab.host('bo', 2, [seg2]);
    const [r1, r2] = relayHost.addresses as [string, string];
    const relay = daemon(
      'relay',
      relayHost.netns,
      {
        relay: { server: true },
        wan: { privateAddresses: true, announce: [`/ip4/${r1}/tcp/${PORT}`, `/ip4/${r2}/tcp/${PORT}`] },
        trust: { inbound: 'open' },
      },
      ctx.options.homes,
    );
    daemons.push(relay);
    await relay.start();
    const client = (segmentAddress: string) => ({
      wan: { enabled: true, privateAddresses: true, relays: [`/ip4/${segmentAddress}/tcp/${PORT}/p2p/${relay.peerId}`] },
      trust: { inbound: 'open' },
    });
    const ada = daemon('ada', adaHost.netns, client(r1), ctx.options.homes);
    const bo = daemon('bo', boHost.netns, client(r2), ctx.options.homes);
    daemons.push(ada, bo);
    await ada.start();
    const boSpawned = performance.now();
    await bo.start();
    await waitUntil('bo to be reachable through the relay', async () => (await status(bo)).wan?.mode === 'relayed', 60_000, 20);
    const reachableMs = performance.now() - boSpawned;
    await ada.client.request('POST', '/v1/connect', { multiaddr: bo.peerId });

    const trips = ctx.count(200, 20);
    // Warm both paths up first (streams opened, identify done), then alternate, so that the load of
    // the machine at a given moment weighs on both alike.
    await roundTrips(ada, relay, 5);
    await roundTrips(ada, bo, 5);
    const direct: number[] = [];
    const relayed: number[] = [];
    for (let i = 0; i < trips; i += 10) {
      direct.push(...(await roundTrips(ada, relay, 10)));
      relayed.push(...(await roundTrips(ada, bo, 10)));
    }
    const count = ctx.count(5000, 500);
    const directRate = await throughput(ada, relay, count, 1024);
    const relayedRate = await throughput(ada, bo, count, 1024);
    const path = (await ada.client.request<{ peerId: string; path?: string | null }[]>('GET', '/v1/peers')).find(
      (p) => p.peerId === bo.peerId,
    )?.path;
    if (path !== 'relayed') throw new Error(`ada reached bo ${path ?? 'not at all'}, not through the relay`);
    ctx.results.add('wan', 'bo start → reachable through the relay', 'ms', 'lower', [reachableMs]);
    ctx.results.add('wan', 'round trip direct (ada → relay daemon), p50', 'ms', 'lower', [median(direct)]);
    ctx.results.add('wan', 'round trip relayed (ada → relay → bo), p50', 'ms', 'lower', [median(relayed)]);
    ctx.results.add('wan', 'relayed / direct round trip, p50', '×', 'lower', [median(relayed) / median(direct)]);
    ctx.results.add('wan', 'throughput direct, 1 KiB messages', 'msg/s', 'higher', [directRate]);
    ctx.results.add('wan', 'throughput relayed, 1 KiB messages', 'msg/s', 'higher', [relayedRate]);
    ctx.results.add('wan', 'relayed / direct throughput', '×', 'higher', [relayedRate / directRate]);
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    for (const d of daemons) d.remove();
    lab.destroy();
  }
}

/** N daemons on one segment, all DHT servers bootstrapped from the first: the last finds a middle one by id. */
async function dhtRun(ctx: BenchContext, n: number): Promise<number> {
  const lab = new WanLab();
  const daemons: BenchDaemon[] = [];
  try {
    const seg = lab.segment();
    const hosts = Array.from({ length: n }, (_, i) => lab.host(`d${i}`, i + 1, [seg]));
    const first = daemon(
      'd0',
      (hosts[0] as { netns: string }).netns,
      { wan: { enabled: true, dhtServer: true, privateAddresses: true } },
      ctx.options.homes,
    );
    daemons.push(first);
    await first.start();
    const bootstrap = [`/ip4/${hosts[0]?.addresses[0]}/tcp/${PORT}/p2p/${first.peerId}`];
    const rest = hosts
      .slice(1)
      .map((h, i) =>
        daemon(`d${i + 1}`, h.netns, { wan: { enabled: true, dhtServer: true, privateAddresses: true, bootstrap } }, ctx.options.homes),
      );
    daemons.push(...rest);
    // A few at a time: the machine has few cores.
    for (let i = 0; i < rest.length; i += 4) await Promise.all(rest.slice(i, i + 4).map((d) => d.start()));
    await waitUntil(
      'every daemon in the DHT',
      async () => (await Promise.all(daemons.map(status))).every((s) => (s.wan?.dhtPeers ?? 0) >= 1),
      120_000,
      250,
    );
    const seeker = daemons[n - 1] as BenchDaemon;
    const target = daemons[Math.floor(n / 2)] as BenchDaemon;
    const start = performance.now();
    await seeker.client.request('POST', '/v1/connect', { multiaddr: target.peerId });
    return performance.now() - start;
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    for (const d of daemons) d.remove();
    lab.destroy();
  }
}

export const wanScenario: Scenario = {
  id: 'wan',
  title: 'Beyond the LAN: relayed against direct, reachable through a relay, finding a peer by id in the DHT',
  async run(ctx: BenchContext): Promise<void> {
    const reason = netnsUnavailable();
    if (reason) {
      ctx.log(`  wan: skipped: ${reason}`);
      ctx.results.skip('wan', reason);
      return;
    }
    await relayRun(ctx);
    ctx.log('  wan: relayed against direct done');
    const n = ctx.options.quick ? 5 : 20;
    const found = await dhtRun(ctx, n);
    ctx.results.add('wan', `find a peer by id and connect, DHT of ${n} daemons`, 'ms', 'lower', [found]);
    ctx.log('  wan: DHT done');
  },
};
