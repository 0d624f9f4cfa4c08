// Scenario 7: discovery and scale. N daemons, each in its own network namespace on one bridge,
// find each other with mDNS: time from start to a full mesh, RSS per daemon, and the time for one
// message from one daemon to each of the others. Counts that do not depend on how busy the machine
// is go next to the times: TCP connections per pair at the full mesh (1.0 when only one side of
// each pair dialled), mDNS packets on the link until then (seen from a namespace of its own), and
// the CPU time each daemon spent. Needs root; skipped with a message otherwise.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DaemonSet, waitUntil } from '../lib/daemons.js';
import { EventWatch, PeerWatch } from '../lib/events.js';
import { type Host, NetnsLab, netnsUnavailable } from '../lib/netns.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { summarize } from '../lib/stats.js';

interface MeshRun {
  ready: number;
  mesh: number;
  rssMedian: number;
  rssMax: number;
  fanOut: number;
  connectionsPerPair: number;
  queries: number;
  responses: number;
  cpuStartMs: number;
  cpuMeshMs: number;
}

/**
 * Counts mDNS packets on the bridge by the QR bit of their header: 'q' or 'r' per packet on
 * stdout. Plain Node, no DNS library: it runs from `node -e` in a namespace of its own.
 */
const MDNS_COUNTER = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (b) => { if (b.length >= 12) process.stdout.write(b[2] & 0x80 ? 'r' : 'q'); });
s.bind(5353, () => { s.addMembership('224.0.0.251'); process.stdout.write('L'); });
`;

class MdnsCounter {
  queries = 0;
  responses = 0;
  private readonly proc: ChildProcess;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
  }

  static async start(host: Host): Promise<MdnsCounter> {
    const proc = spawn('ip', ['netns', 'exec', host.netns, process.execPath, '-e', MDNS_COUNTER], { stdio: ['ignore', 'pipe', 'ignore'] });
    const counter = new MdnsCounter(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`the mDNS counter exited with ${code}`)));
      proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        for (const c of chunk) {
          if (c === 'q') counter.queries++;
          else if (c === 'r') counter.responses++;
          else if (c === 'L') resolve();
        }
      });
    });
    return counter;
  }

  stop(): void {
    this.proc.kill('SIGKILL');
  }
}

/** TCP connections that arrived at the daemon's port in this namespace. */
function inboundConnections(host: Host): number {
  const out = execFileSync('ip', ['netns', 'exec', host.netns, 'ss', '-Htn', 'state', 'established', '( sport = :4747 )'], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean).length;
}

/** CPU time (user and system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function meshRun(n: number): Promise<MeshRun> {
  const lab = new NetnsLab();
  const set = new DaemonSet();
  const watches: { close(): void }[] = [];
  try {
    const hosts = lab.create(n + 1);
    const mdns = await MdnsCounter.start(hosts.pop() as Host);
    watches.push({ close: () => mdns.stop() });
    const t0 = Date.now();
    const daemons = await Promise.all(
      hosts.map((h, i) => set.start({ name: `n${i}`, netns: h.netns, listen: `/ip4/${h.address}/tcp/4747`, mdns: true })),
    );
    const ready = Date.now() - t0;
    const cpuAtReady = daemons.map((d) => cpuMs(d.status.pid));
    const peerWatches = await Promise.all(daemons.map((d) => PeerWatch.open(d.client.socketPath)));
    watches.push(...peerWatches);
    try {
      await waitUntil(`a full mesh of ${n}`, () => peerWatches.every((w) => w.connectedSince.size >= n - 1), 60_000 + 3000 * n, 100);
    } catch (err) {
      // How far it got says more than the timeout alone.
      const links = peerWatches.reduce((sum, w) => sum + w.connectedSince.size, 0) / 2;
      const cpu = daemons.reduce((sum, d) => sum + cpuMs(d.status.pid), 0) / n;
      throw new Error(
        `${(err as Error).message}: ${links} of ${(n * (n - 1)) / 2} pairs connected, ` +
          `${mdns.queries} mDNS queries and ${mdns.responses} responses, ${Math.round(cpu)} ms CPU per daemon`,
        { cause: err },
      );
    }
    const mesh = Math.max(...peerWatches.map((w) => Math.max(...w.connectedSince.values()))) - t0;
    const [queries, responses] = [mdns.queries, mdns.responses];
    const cpuAtMesh = daemons.map((d) => cpuMs(d.status.pid));
    const connections = hosts.reduce((sum, h) => sum + inboundConnections(h), 0);
    const perDaemon = (values: number[]) => values.reduce((a, b) => a + b, 0) / n;

    await new Promise((r) => setTimeout(r, 2000));
    const rss = summarize(daemons.map((d) => d.memory().rssMB));

    const [sender, ...others] = daemons as [(typeof daemons)[0], ...typeof daemons];
    const delivered = await EventWatch.open(sender.client.socketPath);
    watches.push(delivered);
    const start = performance.now();
    const allDelivered = delivered.whenCount('delivered', others.length);
    await Promise.all(others.map((d) => sender.client.request('POST', '/v1/send', { to: d.peerId, text: `hello ${d.name}` })));
    const fanOut = (await allDelivered) - start;
    return {
      ready,
      mesh,
      rssMedian: rss.median,
      rssMax: rss.max,
      fanOut,
      connectionsPerPair: connections / ((n * (n - 1)) / 2),
      queries,
      responses,
      cpuStartMs: perDaemon(cpuAtReady),
      cpuMeshMs: perDaemon(cpuAtMesh) - perDaemon(cpuAtReady),
    };
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
      add('TCP connections per pair at the full mesh', 'count', (r) => r.connectionsPerPair);
      add('mDNS queries on the link, start → full mesh', 'count', (r) => r.queries);
      add('mDNS responses on the link, start → full mesh', 'count', (r) => r.responses);
      add('CPU per daemon, start → all daemons ready', 'ms', (r) => r.cpuStartMs);
      add('CPU per daemon, ready → full mesh', 'ms', (r) => r.cpuMeshMs);
      add('RSS per daemon, median', 'MB', (r) => r.rssMedian);
      add('RSS per daemon, max', 'MB', (r) => r.rssMax);
      add('one message to each peer, all delivered', 'ms', (r) => r.fanOut);
      ctx.log(`  mesh: N=${n} done`);
    }
  },
};
