// What every scenario gets from the runner, and what it provides.
import type { ClientKind } from './api-client.js';
import type { Results } from './results.js';

export interface BenchOptions {
  /** A smoke run: one repetition, small counts. */
  quick: boolean;
  /** Repetitions of each measurement (the median and spread are over these). */
  reps: number;
  /** Messages sent in the memory scenario's long run. */
  memoryMessages: number;
  /** Network namespace mesh sizes for scenario 7. */
  meshSizes: number[];
  /** The HTTP client that drives the control API in scenario 3 (see bench/lib/api-client.ts). */
  client: ClientKind;
  /** Where daemon homes go (default: the system's temp dir). */
  homes?: string | undefined;
  /** Directory for `--cpu-prof` profiles of the scenario 3 daemons, if profiling. */
  cpuProfDir?: string | undefined;
}

export interface BenchContext {
  options: BenchOptions;
  results: Results;
  /** Progress lines, to stderr, so the table on stdout stays clean. */
  log(line: string): void;
  /** Scales a count down for --quick runs. */
  count(full: number, quick: number): number;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<void>;
}
