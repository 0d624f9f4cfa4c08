// Scenarios 1 and 2: the same workload over plain TCP sockets and over one libp2p stream
// (TCP + Noise + Yamux), between two helper processes.
import { Helper } from '../lib/child.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { latencyPercentiles } from '../lib/stats.js';

/** Batched writes, as the daemon's delivery pump writes up to 128 frames per send. */
export const PUMP_BATCH = 128;

export const THROUGHPUT_CASES = [
  { name: '100 B msg/s', size: 100, perWrite: 1, full: 40_000, quick: 10_000 },
  { name: '100 B msg/s, 128 per write', size: 100, perWrite: PUMP_BATCH, full: 300_000, quick: 30_000 },
  { name: '4 KiB msg/s', size: 4096, perWrite: 1, full: 20_000, quick: 3000 },
  { name: '64 KiB msg/s', size: 65_536, perWrite: 1, full: 3000, quick: 400 },
] as const;

function streamScenario(id: 'raw' | 'libp2p', transport: 'tcp' | 'libp2p', title: string): Scenario {
  return {
    id,
    title,
    async run(ctx: BenchContext): Promise<void> {
      const { helper: server, ready: address } = await Helper.start<string>('peers/stream-peer.js', [transport, 'server']);
      const { helper: client } = await Helper.start<boolean>('peers/stream-peer.js', [transport, 'client']);
      try {
        await client.call({ cmd: 'connect', address });
        const baselines = (name: string) => (id === 'libp2p' ? [`raw/${name}`] : []);
        for (const c of THROUGHPUT_CASES) {
          const count = ctx.count(c.full, c.quick);
          // Warm-up: JIT, TCP and yamux windows.
          await client.call({ cmd: 'throughput', count: Math.ceil(count / 5), size: c.size, perWrite: c.perWrite });
          const rates: number[] = [];
          for (let rep = 0; rep < ctx.options.reps; rep++) {
            const seconds = await client.call<number>({ cmd: 'throughput', count, size: c.size, perWrite: c.perWrite });
            rates.push(count / seconds);
          }
          ctx.results.add(id, c.name, 'msg/s', 'higher', rates, { baselines: baselines(c.name) });
          if (c.size === 65_536) {
            const mbs = rates.map((r) => (r * c.size) / 1e6);
            ctx.results.add(id, '64 KiB MB/s', 'MB/s', 'higher', mbs, { baselines: baselines('64 KiB MB/s') });
          }
          ctx.log(`  ${id}: ${c.name} done`);
        }
        const pings = ctx.count(3000, 500);
        await client.call({ cmd: 'latency', count: Math.ceil(pings / 5), size: 100 });
        const p50: number[] = [];
        const p99: number[] = [];
        for (let rep = 0; rep < ctx.options.reps; rep++) {
          const samples = await client.call<number[]>({ cmd: 'latency', count: pings, size: 100 });
          const p = latencyPercentiles(samples);
          ctx.results.keepSamples(`${id}/round trip 100 B`, samples);
          p50.push(p.p50);
          p99.push(p.p99);
        }
        ctx.results.add(id, 'round trip 100 B p50', 'ms', 'lower', p50, { baselines: baselines('round trip 100 B p50') });
        ctx.results.add(id, 'round trip 100 B p99', 'ms', 'lower', p99, { baselines: baselines('round trip 100 B p99') });
      } finally {
        await Promise.all([client.stop(), server.stop()]);
      }
    },
  };
}

export const rawScenario = streamScenario('raw', 'tcp', '1. Raw limit: plain TCP, same framing');
export const libp2pScenario = streamScenario('libp2p', 'libp2p', '2. Bare libp2p: TCP + Noise + Yamux, one /chat/1.0.0 stream');
