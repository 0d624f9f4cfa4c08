// Scenario 4: daemon start-up, from spawn to the libp2p port accepting connections and to the
// control socket being ready, against a bare libp2p node and `node -e 0`. The daemon is the one that
// ships: bin/p2pchat.js, with the bundles that `npm run build` makes.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DIST_BENCH } from '../lib/child.js';
import { BenchDaemon } from '../lib/daemons.js';
import { freePort, timeToExit, whenListening } from '../lib/processes.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';

/** Start-ups are cheap and noisy: more samples than the other scenarios. */
export function startSamples(ctx: BenchContext): number {
  return ctx.options.quick ? 3 : Math.max(8, ctx.options.reps);
}

async function bareNodeListening(): Promise<number> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, [`${DIST_BENCH}peers/stream-peer.js`, 'libp2p', 'server', String(port)], { stdio: 'ignore' });
  try {
    return (await whenListening(port)) - start;
  } finally {
    child.kill('SIGKILL');
  }
}

/** Starts a daemon; milliseconds to listening and to ready. `daemon` may be reused to start with an existing home. */
async function daemonStart(daemon: BenchDaemon, port: number): Promise<{ listening: number; ready: number }> {
  const start = performance.now();
  const listening = whenListening(port);
  const ready = await daemon.start();
  const listeningAt = await listening;
  await daemon.stop();
  return { listening: listeningAt - start, ready };
}

export const startupScenario: Scenario = {
  id: 'startup',
  title: '4. Daemon start-up: spawn → listening → control socket ready',
  async run(ctx: BenchContext): Promise<void> {
    const samples: Record<string, number[]> = {};
    const add = (key: string, ms: number) => {
      samples[key] = [...(samples[key] ?? []), ms];
    };
    const daemons: BenchDaemon[] = [];
    try {
      // Interleaved, so that noise from other load spreads over all variants alike.
      for (let i = 0; i < startSamples(ctx); i++) {
        add('node -e 0', await timeToExit(process.execPath, ['-e', '0']));
        add('bare libp2p node: listening', await bareNodeListening());
        const port = await freePort();
        const daemon = new BenchDaemon({ name: 'starter', listen: `/ip4/127.0.0.1/tcp/${port}` });
        daemons.push(daemon);
        const fresh = await daemonStart(daemon, port);
        add('daemon: listening, new home', fresh.listening);
        add('daemon: ready, new home', fresh.ready);
        const again = await daemonStart(daemon, port);
        add('daemon: listening, existing home', again.listening);
        add('daemon: ready, existing home', again.ready);
      }
    } finally {
      for (const d of daemons) {
        await d.stop();
        d.remove();
      }
    }
    for (const [name, values] of Object.entries(samples)) {
      const baselines =
        name === 'node -e 0' ? [] : name.startsWith('bare') ? ['startup/node -e 0'] : ['startup/bare libp2p node: listening'];
      ctx.results.add('startup', name, 'ms', 'lower', values, { baselines });
    }
  },
};
