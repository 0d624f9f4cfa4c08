// How many requests per second the bench's own HTTP client can make when the server answers at
// once (bench/peers/instant-api.ts, in a process of its own like a daemon): the ceiling of every
// single-message figure of scenario 3, measured in the same run, so a reader sees how much of a
// figure is the client and how much the daemon.
import { performance } from 'node:perf_hooks';
import { createApiClient } from './api-client.js';
import { Helper } from './child.js';
import type { BenchContext } from './scenario.js';
import { textOf } from './senders.js';

export function clientLimitName(clients: number): string {
  return `client alone, ${clients} client${clients > 1 ? 's' : ''}: answered req/s`;
}

export async function measureClientLimit(ctx: BenchContext, concurrencies: readonly number[]): Promise<void> {
  const { helper, ready: socketPath } = await Helper.start<string>('peers/instant-api.js', []);
  const client = await createApiClient(ctx.options.client, socketPath);
  try {
    const body = { to: 'peer', text: textOf('limit-', 100) };
    /** Requests answered per second, and the bench process's CPU time per request (µs): the client's own cost. */
    const run = async (clients: number, ms: number) => {
      let answered = 0;
      const cpu = process.cpuUsage();
      const start = performance.now();
      const end = start + ms;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < end) {
            await client.post('/v1/send', body);
            answered++;
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      return { rate: answered / seconds, cpuPerRequest: (used.user + used.system) / answered };
    };
    const ms = ctx.count(2000, 500);
    for (const clients of concurrencies) {
      await run(clients, ms / 4); // warm-up: connections, JIT
      const rates: number[] = [];
      const cpu: number[] = [];
      for (let rep = 0; rep < Math.min(ctx.options.reps, 3); rep++) {
        const r = await run(clients, ms);
        rates.push(r.rate);
        cpu.push(r.cpuPerRequest);
      }
      ctx.results.add('p2pchat', clientLimitName(clients), 'req/s', 'higher', rates, { baselines: ['libp2p/100 B msg/s'] });
      ctx.results.add('p2pchat', `client alone, ${clients} client${clients > 1 ? 's' : ''}: client CPU per request`, 'µs', 'lower', cpu);
    }
  } finally {
    await client.close();
    await helper.stop();
  }
}
