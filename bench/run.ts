// `npm run bench`: runs the scenarios, prints a table of medians, spread and ratios to the
// baselines, and writes the results as JSON under bench/results/. See docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_KINDS, type ClientKind, clientDescription } from './lib/api-client.js';
import { writeCharts } from './lib/chart-files.js';
import { issueRows, issueRowsMarkdown, issueRowsText, NOT_MEASURED } from './lib/issue-rows.js';
import { machineInfo } from './lib/machine.js';
import { Results } from './lib/results.js';
import type { BenchContext, BenchOptions, Scenario } from './lib/scenario.js';
import { markdownTable, textTable } from './lib/table.js';
import { abuseScenario } from './scenarios/abuse.js';
import { cliScenario } from './scenarios/cli.js';
import { daemonScenario } from './scenarios/daemon.js';
import { memoryScenario } from './scenarios/memory.js';
import { meshScenario } from './scenarios/mesh.js';
import { roomsScenario } from './scenarios/rooms.js';
import { startupScenario } from './scenarios/startup.js';
import { libp2pScenario, rawScenario } from './scenarios/streams.js';
import { wanScenario } from './scenarios/wan.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SCENARIOS: Scenario[] = [
  rawScenario,
  libp2pScenario,
  daemonScenario,
  startupScenario,
  cliScenario,
  memoryScenario,
  meshScenario,
  abuseScenario,
  roomsScenario,
  wanScenario,
];

const USAGE = `usage: npm run bench -- [options]
  --quick            smoke run: one repetition, small counts
  --reps N           repetitions per measurement (default 5, quick 1)
  --only a,b         run only these scenarios (${SCENARIOS.map((s) => s.id).join(', ')})
  --messages N       messages in the memory scenario's long run (default 10000; the issue's figure is 100000);
                     the stopped-receiver backlog is N/5 (at least 5000), the flood N frames (at least 30000)
  --mesh 3,10        namespace mesh sizes for the mesh scenario (default 3,10)
  --mesh-large       add N=30 and N=50 to the mesh sizes
  --homes DIR        create daemon homes in DIR (default: the temp dir); /dev/shm takes fsync cost out
  --cpu-prof DIR     write --cpu-prof profiles of the scenario 3 daemons into DIR
  --client KIND      HTTP client for scenario 3's control API requests: undici (default, undici 7) or http
  --markdown         also print the tables as Markdown`;

function parseArgs(argv: string[]): { options: BenchOptions; only?: Set<string>; markdown: boolean } {
  let quick = false;
  let reps: number | undefined;
  let only: Set<string> | undefined;
  let meshSizes = [3, 10];
  let meshLarge = false;
  let cpuProfDir: string | undefined;
  let homes: string | undefined;
  let markdown = false;
  let memoryMessages = 10_000;
  let client: ClientKind = 'undici';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--reps') reps = Number(value());
    else if (arg === '--only') only = new Set(value().split(','));
    else if (arg === '--messages') memoryMessages = Number(value());
    else if (arg === '--mesh') meshSizes = value().split(',').map(Number);
    else if (arg === '--mesh-large') meshLarge = true;
    else if (arg === '--cpu-prof') cpuProfDir = value();
    else if (arg === '--homes') homes = value();
    else if (arg === '--markdown') markdown = true;
    else if (arg === '--client') {
      const kind = value();
      if (!(CLIENT_KINDS as readonly string[]).includes(kind))
        throw new Error(`--client must be one of ${CLIENT_KINDS.join(', ')}\n${USAGE}`);
      client = kind as ClientKind;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (meshLarge) meshSizes.push(...[30, 50].filter((n) => !meshSizes.includes(n)));
  if (quick) meshSizes = meshSizes.filter((n) => n <= 3);
  const options: BenchOptions = { quick, reps: reps ?? (quick ? 1 : 5), memoryMessages, meshSizes, cpuProfDir, homes, client };
  return only ? { options, only, markdown } : { options, markdown };
}

async function main(): Promise<void> {
  const { options, only, markdown } = parseArgs(process.argv.slice(2));
  const results = new Results();
  const ctx: BenchContext = {
    options,
    results,
    log: (line) => process.stderr.write(`${line}\n`),
    count: (full, quick) => (options.quick ? quick : full),
  };
  const startedAt = new Date();
  const machine = machineInfo(REPO_ROOT);
  ctx.log(
    `bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${options.reps} repetitions${options.quick ? ', quick' : ''}`,
  );
  for (const scenario of SCENARIOS) {
    if (only && !only.has(scenario.id)) continue;
    ctx.log(`${scenario.title} ...`);
    const started = Date.now();
    try {
      await scenario.run(ctx);
    } catch (err) {
      results.skip(scenario.id, `failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
    ctx.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  results.computeRatios();
  const rows = issueRows(results);
  // Issue 16's rows only when this run measured some of them (not for, say, --only startup).
  const issue = rows.some((r) => r.now !== NOT_MEASURED);
  process.stdout.write(`\n${textTable(results)}\n`);
  if (issue) {
    const heading = `Issue 16's table (ratios to the baselines of this run; requests made with ${clientDescription(options.client)})`;
    process.stdout.write(`\n${heading}:\n${issueRowsText(rows)}\n`);
  }
  if (markdown) process.stdout.write(`\n${markdownTable(results)}\n${issue ? `\n${issueRowsMarkdown(rows)}\n` : ''}`);

  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stem = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${stem}.json`);
  const machineAfter = machineInfo(REPO_ROOT);
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt: startedAt.toISOString(), machine, loadAverageAfter: machineAfter.loadAverage, options, figures: results.figures, skipped: results.skipped, issueRows: rows, distributions: results.distributions }, null, 2)}\n`,
  );
  const charts = writeCharts({ figures: results.figures, distributions: results.distributions, options }, dir, stem);
  process.stdout.write(`\nresults: bench/results/${file.slice(dir.length + 1)}\n`);
  process.stdout.write(`charts: ${charts.map((c) => `bench/results/${c.slice(dir.length + 1)}`).join(', ')}\n`);
}

await main();
