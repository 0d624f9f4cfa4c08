// Real p2pchat daemons for the bench, as child processes with their own homes. Unlike the test
// helper, node flags (such as --cpu-prof) can be passed, and readiness is taken from the daemon's
// own "ready" log line, so start-up can be timed without polling.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../src/control/client.js';
import type { PeerInfo, StatusInfo } from '../../src/types.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'bin', 'p2pchat.js');

export interface BenchDaemonOptions {
  name: string;
  /** Default: 127.0.0.1 with a free port. */
  listen?: string;
  /** Default false: in the machine's own namespace daemons never use mDNS. */
  mdns?: boolean;
  /** Flags for node itself, before the script (for example --cpu-prof). */
  nodeArgs?: string[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Directory for the daemon's home (default: the system's temp dir); a tmpfs takes fsync out of the picture. */
  homeBase?: string | undefined;
}

export class BenchDaemon {
  readonly options: BenchDaemonOptions;
  readonly home: string;
  readonly client: ControlClient;
  proc?: ChildProcess | undefined;
  status!: StatusInfo;
  /** The last part of the daemon's output, for error messages. */
  private output = '';

  constructor(options: BenchDaemonOptions) {
    this.options = options;
    this.home = mkdtempSync(join(options.homeBase ?? tmpdir(), 'p2pchat-bench-'));
    this.client = new ControlClient(join(this.home, 'p2pchat.sock'));
  }

  get name(): string {
    return this.options.name;
  }

  get peerId(): string {
    return this.status.peerId;
  }

  get address(): string {
    return this.status.addresses[0] as string;
  }

  /** Spawns the daemon; resolves with the milliseconds from spawn to its "ready" log line. */
  async start(): Promise<number> {
    const args = [
      ...(this.options.nodeArgs ?? []),
      CLI,
      '--home',
      this.home,
      'daemon',
      '--name',
      this.name,
      '--listen',
      this.options.listen ?? '/ip4/127.0.0.1/tcp/0',
      '--log-level',
      'info',
      ...(this.options.mdns ? [] : ['--no-mdns']),
    ];
    const [cmd, argv] = this.options.netns
      ? ['ip', ['netns', 'exec', this.options.netns, process.execPath, ...args]]
      : [process.execPath, args];
    this.output = '';
    const started = performance.now();
    // The web app runs, as by default, but on a free port: many daemons share this loopback.
    const env = { ...process.env, P2PCHAT_WEB_LISTEN: process.env.P2PCHAT_WEB_LISTEN ?? '127.0.0.1:0' };
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.proc = proc;
    const readyMs = await new Promise<number>((resolve, reject) => {
      let done = false;
      const onData = (d: string) => {
        this.output = (this.output + d).slice(-8000);
        if (!done && this.output.includes('p2pchat daemon ready')) {
          done = true;
          resolve(performance.now() - started);
        }
      };
      proc.stdout?.setEncoding('utf8').on('data', onData);
      proc.stderr?.setEncoding('utf8').on('data', onData);
      proc.once('exit', (code) => {
        if (!done) reject(new Error(`daemon ${this.name} exited with ${code} during start:\n${this.output}`));
      });
    });
    this.status = await this.client.request<StatusInfo>('GET', '/v1/status');
    return readyMs;
  }

  /** Resident and peak resident memory of the daemon process, in MB. */
  memory(): { rssMB: number; peakMB: number } {
    const text = readFileSync(`/proc/${this.status.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
  }

  /** Stops with SIGTERM (so --cpu-prof profiles get written), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Starts daemons, and stops and removes all of them again in `finally` through stopAll. */
export class DaemonSet {
  readonly all: BenchDaemon[] = [];
  private readonly homeBase: string | undefined;

  constructor(homeBase?: string) {
    this.homeBase = homeBase;
  }

  async start(options: BenchDaemonOptions): Promise<BenchDaemon> {
    const daemon = new BenchDaemon({ homeBase: this.homeBase, ...options });
    this.all.push(daemon);
    await daemon.start();
    return daemon;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((d) => d.stop()));
    for (const d of this.all) d.remove();
    this.all.length = 0;
  }
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * `a` dials `b` through the control API. A failed dial is retried twice (and reported through
 * `log`): it is not what the bench measures, and on a loaded machine an inbound upgrade can time out.
 */
export async function dialDaemon(a: BenchDaemon, b: BenchDaemon, log: (line: string) => void = () => {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await a.client.request('POST', '/v1/connect', { multiaddr: b.address });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`  ${a.name} → ${b.name}: dial failed (${(err as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Connects `a` to `b` over the control API, makes them contacts of each other, and waits until both know each other's names. */
export async function connectDaemons(a: BenchDaemon, b: BenchDaemon, log?: (line: string) => void): Promise<void> {
  await dialDaemon(a, b, log);
  // Dialling made b a contact of a; b accepts a too, so that neither holds the other's messages as requests.
  await b.client.request('POST', '/v1/contacts', { peer: a.peerId });
  await waitUntil(`${a.name} and ${b.name} to know each other`, async () => {
    const [pa, pb] = await Promise.all([
      a.client.request<PeerInfo[]>('GET', '/v1/peers'),
      b.client.request<PeerInfo[]>('GET', '/v1/peers'),
    ]);
    const knows = (list: PeerInfo[], other: BenchDaemon) =>
      list.some((p) => p.peerId === other.peerId && p.connected && p.name === other.name);
    return knows(pa, b) && knows(pb, a);
  });
}
