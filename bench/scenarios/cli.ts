// Scenario 5: CLI cold start. Wall time of `p2pchat --version`, `status` and `send` against a running
// daemon, from spawn to exit, against `node -e 0`.
import { CLI, connectDaemons, DaemonSet } from '../lib/daemons.js';
import { timeToExit } from '../lib/processes.js';
import type { BenchContext, Scenario } from '../lib/scenario.js';
import { startSamples } from './startup.js';

export const cliScenario: Scenario = {
  id: 'cli',
  title: '5. CLI cold start: p2pchat --version / status / send against node -e 0',
  async run(ctx: BenchContext): Promise<void> {
    const set = new DaemonSet(ctx.options.homes);
    try {
      const [alice, bob] = await Promise.all([set.start({ name: 'alice' }), set.start({ name: 'bob' })]);
      await connectDaemons(alice, bob, ctx.log);
      const commands: [string, string[]][] = [
        ['node -e 0', ['-e', '0']],
        ['p2pchat --version', [CLI, '--version']],
        ['p2pchat status', [CLI, '--home', alice.home, 'status']],
        ['p2pchat send', [CLI, '--home', alice.home, 'send', 'bob', 'hello from the bench']],
      ];
      const samples = new Map<string, number[]>(commands.map(([name]) => [name, []]));
      // One warm run each fills the page cache; then interleaved, so noise spreads evenly.
      for (const [, args] of commands) await timeToExit(process.execPath, args);
      for (let i = 0; i < startSamples(ctx); i++) {
        for (const [name, args] of commands) samples.get(name)?.push(await timeToExit(process.execPath, args));
      }
      for (const [name, values] of samples) {
        ctx.results.add('cli', name, 'ms', 'lower', values, { baselines: name === 'node -e 0' ? [] : ['cli/node -e 0'] });
      }
    } finally {
      await set.stopAll();
    }
  },
};
