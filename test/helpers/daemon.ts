// Test helpers: real daemons as child processes, each with its own home, driven through the real
// CLI and control socket. Every daemon started here is stopped by stopAll() (call it in after()).
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../src/control/client.js';
import type { StatusInfo } from '../../src/types.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'bin', 'p2pchat.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  netns?: string;
}

function command(args: string[], netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, process.execPath, ...args]] : [process.execPath, args];
}

/** Runs `p2pchat ARGS` to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const [cmd, argv] = command([CLI, ...args], options.netns);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Temporary directories made by tempHome(): stopAll() removes them, whether a daemon used them or not. */
const tempHomes = new Set<string>();

export function tempHome(prefix = 'p2pchat-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempHomes.add(dir);
  return dir;
}

/** Thrown by a waitFor check to stop waiting at once. */
export class StartFailed extends Error {}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (err instanceof StartFailed) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

export interface DaemonOptions {
  name: string;
  home?: string;
  /** Extra `daemon` flags. Default: listen on 127.0.0.1 with a free port, mDNS off. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  netns?: string;
}

export class TestDaemon {
  readonly name: string;
  readonly home: string;
  readonly client: ControlClient;
  readonly options: DaemonOptions;
  proc?: ChildProcess | undefined;
  log = '';
  status!: StatusInfo;

  constructor(options: DaemonOptions) {
    this.options = options;
    this.name = options.name;
    this.home = options.home ?? tempHome(`p2pchat-${options.name}-`);
    this.client = new ControlClient(join(this.home, 'p2pchat.sock'), 5000);
    created.add(this);
  }

  get peerId(): string {
    return this.status.peerId;
  }

  /** The first TCP address, with /p2p/<id>: what another daemon `connect`s to. */
  get address(): string {
    return this.status.addresses[0] as string;
  }

  async start(): Promise<this> {
    const args = this.options.args ?? ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'];
    const [cmd, argv] = command([CLI, '--home', this.home, 'daemon', '--name', this.name, ...args], this.options.netns);
    const proc = spawn(cmd, argv, {
      // The web app on a free port: test daemons never contend for the default one.
      env: {
        ...process.env,
        P2PCHAT_LOG_LEVEL: process.env.P2PCHAT_LOG_LEVEL ?? 'info',
        P2PCHAT_WEB_LISTEN: '127.0.0.1:0',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    running.add(this);
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.log += d;
    });
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.log += d;
    });
    let exitCode: number | null | undefined;
    proc.once('exit', (code) => {
      exitCode = code;
    });
    this.status = await waitFor(
      `daemon ${this.name} to answer status`,
      async () => {
        if (exitCode !== undefined) throw new StartFailed(`daemon ${this.name} exited with ${exitCode} during start:\n${this.log}`);
        // Only this process counts: another daemon may answer on the same socket.
        const status = await this.client.request<StatusInfo>('GET', '/v1/status');
        return status.pid === proc.pid ? status : undefined;
      },
      30_000,
      50,
    );
    return this;
  }

  cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
    return runCli(['--home', this.home, ...args], { netns: this.options.netns, ...options });
  }

  /** Runs a CLI command that must succeed with --json and returns its parsed output. */
  async json<T>(args: string[], options: CliOptions = {}): Promise<T> {
    const result = await this.cli([...args, '--json'], options);
    if (result.code !== 0) throw new Error(`p2pchat ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Stops the daemon with a signal and waits for the process to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill(signal);
    const code = await exited;
    running.delete(this);
    return code;
  }

  kill(): Promise<number | null> {
    return this.stop('SIGKILL');
  }

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

const running = new Set<TestDaemon>();
const created = new Set<TestDaemon>();

export function startDaemon(options: DaemonOptions): Promise<TestDaemon> {
  return new TestDaemon(options).start();
}

/** What the daemon's fault guard logs before it exits on an error nothing caught (src/daemon/fault-guard.ts). */
const CRASH_MARK = '"msg":"uncaught error; exiting"';

/**
 * Stops every daemon this process started and removes their homes, and every other tempHome().
 * Then fails if any of them crashed on an uncaught error, even in a test that passed: a crash of
 * a peer otherwise shows only as something else timing out, or not at all.
 */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((d) => d.kill()));
  const crashed = [...created].filter((d) => d.log.includes(CRASH_MARK));
  for (const d of created) d.remove();
  created.clear();
  for (const dir of tempHomes) rmSync(dir, { recursive: true, force: true });
  tempHomes.clear();
  if (crashed.length > 0) {
    const lines = crashed.map((d) => `${d.name}: ${d.log.split('\n').find((line) => line.includes(CRASH_MARK))}`);
    throw new Error(`daemons crashed on an uncaught error:\n${lines.join('\n')}`);
  }
}

/** stopAll(), then a test file's own cleanups, which run even when stopAll fails on a crashed daemon. */
export async function stopAllThen(...cleanups: Array<() => unknown>): Promise<void> {
  try {
    await stopAll();
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** Connects `a` to `b` through the CLI, makes them contacts of each other, and waits until both see each other with names. */
export async function connectPair(a: TestDaemon, b: TestDaemon): Promise<void> {
  const result = await a.cli(['connect', b.address]);
  if (result.code !== 0) throw new Error(`connect failed: ${result.stderr}`);
  // Connecting made b a contact of a; b accepts a too, so that neither holds the other's messages as requests.
  const accepted = await b.cli(['contacts', 'add', a.peerId]);
  if (accepted.code !== 0) throw new Error(`contacts add failed: ${accepted.stderr}`);
  await waitFor(`${a.name} and ${b.name} to know each other's names`, async () => {
    const [pa, pb] = await Promise.all([a.json<{ name: string | null }[]>(['peers']), b.json<{ name: string | null }[]>(['peers'])]);
    return pa.some((p) => p.name === b.name) && pb.some((p) => p.name === a.name);
  });
}

/** Starts alice and bob and makes them connected contacts of each other (see connectPair). */
export async function startConnectedPair(): Promise<[TestDaemon, TestDaemon]> {
  const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startDaemon({ name: 'bob' })]);
  await connectPair(alice, bob);
  return [alice, bob];
}

/** Output of a child, stdout and stderr together, and its exit. */
export function capture(child: ChildProcessWithoutNullStreams): { out: () => string; exit: Promise<number | null> } {
  let out = '';
  const add = (d: string) => {
    out += d;
  };
  child.stdout.setEncoding('utf8').on('data', add);
  child.stderr.setEncoding('utf8').on('data', add);
  return { out: () => out, exit: new Promise((resolve) => child.once('exit', resolve)) };
}
