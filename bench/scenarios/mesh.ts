// Scenario 7: discovery and scale. N daemons, each in its own network namespace on one bridge,
// find each other with mDNS: time from start to a full mesh, RSS per daemon, and the time for one
// message from one daemon to each of the others. Needs root; skipped with a message otherwise.
import { performance } from 'node:perf_hooks';
import { DaemonSet, waitUntil } from '../lib/daemons.js';
import { EventWatch, PeerWatch } from '../lib/events.js';
import { NetnsLab, netnsUnavailable } from '../lib/netns.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { summarize } from '../lib/stats.js';

interface MeshRun {
  ready: number;
  mesh: number;
  rssMedian: number;
  rssMax: number;
  fanOut: number;
}

async function meshRun(n: number): Promise<MeshRun> {
  const lab = new NetnsLab();
  const set = new DaemonSet();
  const watches: { close(): void }[] = [];
  try {
    const hosts = lab.create(n);
    const t0 = Date.now();
    const daemons = await Promise.all(
      hosts.map((h, i) => set.start({ name: `n${i}`, netns: h.netns, listen: `/ip4/${h.address}/tcp/4747`, mdns: true })),
    );
    const ready = Date.now() - t0;
    const peerWatches = await Promise.all(daemons.map((d) => PeerWatch.open(d.client.socketPath)));
    watches.push(...peerWatches);
    await waitUntil(`a full mesh of ${n}`, () => peerWatches.every((w) => w.connectedSince.size >= n - 1), 60_000 + 3000 * n, 100);
    const mesh = Math.max(...peerWatches.map((w) => Math.max(...w.connectedSince.values()))) - t0;

    await new Promise((r) => setTimeout(r, 2000));
    const rss = summarize(daemons.map((d) => d.memory().rssMB));

    const [sender, ...others] = daemons as [(typeof daemons)[0], ...typeof daemons];
    const delivered = await EventWatch.open(sender.client.socketPath);
    watches.push(delivered);
    const start = performance.now();
    const allDelivered = delivered.whenCount('delivered', others.length);
    await Promise.all(others.map((d) => sender.client.request('POST', '/v1/send', { to: d.peerId, text: `hello ${d.name}` })));
    const fanOut = (await allDelivered) - start;
    return { ready, mesh, rssMedian: rss.median, rssMax: rss.max, fanOut };
  } finally {
    for (const w of watches) w.close();
    await set.stopAll();
    lab.destroy();
  }
}

export const meshScenario: Scenario = {
  id: 'mesh',
  title: '7. Discovery and scale: N daemons in network namespaces on one bridge, mDNS',
  async run(ctx: BenchContext): Promise<void> {
    const reason = netnsUnavailable();
    if (reason) {
      ctx.log(`  mesh: skipped: ${reason}`);
      ctx.results.skip('mesh', reason);
      return;
    }
    for (const n of ctx.options.meshSizes) {
      const runs: MeshRun[] = [];
      const reps = ctx.options.quick || n >= 10 ? 1 : Math.min(ctx.options.reps, 3);
      for (let rep = 0; rep < reps; rep++) runs.push(await meshRun(n));
      const add = (name: string, unit: string, pick: (r: MeshRun) => number) =>
        ctx.results.add('mesh', `N=${n}: ${name}`, unit, 'lower', runs.map(pick));
      add('start → all daemons ready', 'ms', (r) => r.ready);
      add('start → full mesh', 'ms', (r) => r.mesh);
      add('all ready → full mesh (discovery and dials)', 'ms', (r) => r.mesh - r.ready);
      add('RSS per daemon, median', 'MB', (r) => r.rssMedian);
      add('RSS per daemon, max', 'MB', (r) => r.rssMax);
      add('one message to each peer, all delivered', 'ms', (r) => r.fanOut);
      ctx.log(`  mesh: N=${n} done`);
    }
  },
};
