// Helpers for daemons on a TestLan: waiting for connections through the control API (the one the
// CLI uses) and reading discovery times from the daemons' own JSON logs.
import type { PeerInfo } from '../../src/types.js';
import type { TestDaemon } from './daemon.js';
import { waitFor } from './daemon.js';

/** Waits long enough for a slow, shared machine; the figures that matter are measured, not bounded. */
export const LAN_TIMEOUT_MS = 60_000;

export async function connectedIds(daemon: TestDaemon): Promise<Set<string>> {
  const peers = await daemon.client.request<PeerInfo[]>('GET', '/v1/peers');
  return new Set(peers.filter((p) => p.connected).map((p) => p.peerId));
}

/** Waits until `daemon` is connected to every one of `others`. */
export function waitConnected(daemon: TestDaemon, others: TestDaemon[], timeoutMs = LAN_TIMEOUT_MS): Promise<true> {
  const names = others.map((o) => o.name).join(', ');
  return waitFor(
    `${daemon.name} to be connected to ${names}`,
    async () => {
      const ids = await connectedIds(daemon);
      return others.every((o) => ids.has(o.peerId));
    },
    timeoutMs,
  );
}

/** Waits until `daemon` shows `other` as disconnected. */
export function waitDisconnected(daemon: TestDaemon, other: TestDaemon, timeoutMs = LAN_TIMEOUT_MS): Promise<true> {
  return waitFor(
    `${daemon.name} to show ${other.name} as disconnected`,
    async () => !(await connectedIds(daemon)).has(other.peerId),
    timeoutMs,
  );
}

/** Waits until every daemon is connected to every other one. */
export async function waitFullMesh(daemons: TestDaemon[], timeoutMs = LAN_TIMEOUT_MS): Promise<void> {
  await Promise.all(
    daemons.map((d) =>
      waitConnected(
        d,
        daemons.filter((o) => o !== d),
        timeoutMs,
      ),
    ),
  );
}

interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  msg: string;
  peer?: string;
}

/** The daemon's JSON log lines, with times as numbers (the log writes ISO times; older builds wrote numbers). */
function logLines(daemon: TestDaemon): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of daemon.log.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as Omit<LogLine, 'time'> & { time: number | string };
      const time = typeof line.time === 'string' ? Date.parse(line.time) : line.time;
      if (Number.isFinite(time)) lines.push({ ...line, time });
    } catch {
      // a partial last line
    }
  }
  return lines;
}

const spawnedAt = new WeakMap<TestDaemon, number>();

/** Starts a daemon, remembering when its process was spawned (for discoveryLatency). */
export function startTimed(daemon: TestDaemon): Promise<TestDaemon> {
  spawnedAt.set(daemon, Date.now());
  return daemon.start();
}

/** When the daemon first logged a connection to `peerId` at or after `since`, if it has. */
export function connectedAt(daemon: TestDaemon, peerId: string, since = 0): number | undefined {
  return logLines(daemon).find((l) => l.msg === 'peer connected' && l.peer === peerId && l.time >= since)?.time;
}

/** Like connectedAt, waiting for the line: a log line may arrive after the control API already shows the connection. */
export function loggedConnectedAt(daemon: TestDaemon, peerId: string, since = 0): Promise<number> {
  return waitFor(`${daemon.name} to log its connection to ${peerId}`, () => connectedAt(daemon, peerId, since), 10_000);
}

export interface Latency {
  /** From spawning the process to connected to every one of the others: what a user sees. */
  fromSpawn: number;
  /** From the daemon's first log line (code loaded, starting up) to connected to every one of the others. */
  fromFirstLog: number;
}

/** How long `daemon` (started with startTimed) took to be connected to all of `others`; same machine, same clock. */
export async function discoveryLatency(daemon: TestDaemon, others: TestDaemon[]): Promise<Latency> {
  const spawned = spawnedAt.get(daemon);
  if (spawned === undefined) throw new Error(`${daemon.name} was not started with startTimed`);
  const firstLog = logLines(daemon)[0]?.time ?? spawned;
  const connected = Math.max(...(await Promise.all(others.map((o) => loggedConnectedAt(daemon, o.peerId, spawned)))));
  return { fromSpawn: connected - spawned, fromFirstLog: connected - firstLog };
}

export function formatLatency(l: Latency): string {
  return `${l.fromSpawn} ms from process spawn, ${l.fromFirstLog} ms from its first log line`;
}
