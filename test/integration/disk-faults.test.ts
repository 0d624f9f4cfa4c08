// A full data disk and a failing log destination: sends get a clear `storage_full`, a receiver
// paces its senders and logs the fault once per interval, log lines are dropped instead of the
// daemon blocking or dying, and everything works again once there is space.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ControlClient } from '../../src/control/client.js';
import type { Message, StatusInfo } from '../../src/types.js';
import { CLI, connectPair, startDaemon, type TestDaemon, tempHome, waitFor, stopAllThen } from '../helpers/daemon.js';
import { mountTmpfs, type Tmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';

const skip = tmpfsUnavailable();
const mounts: Tmpfs[] = [];
const children: ChildProcess[] = [];
const homes: string[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stopAllThen(() => {
    for (const m of mounts) m.remove();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });
});

function tmpfs(size: string): Tmpfs {
  const m = mountTmpfs(size);
  mounts.push(m);
  return m;
}

/**
 * A home on the small disk. The storage budget's free-space floor is off there: the budget refuses
 * incoming messages before the disk is full, and these tests are about the disk filling anyway
 * (another program writing to it, or a floor set to 0).
 */
function homeOn(disk: Tmpfs): string {
  const home = join(disk.dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  writeFileSync(join(home, 'config.json'), JSON.stringify({ storage: { minFreeBytes: 0 } }));
  return home;
}

/**
 * Empties a running daemon's write-ahead log (a checkpoint from a connection of our own), so that
 * its next write needs new disk space: a log that was reset is reused in place, so on a full disk a
 * small write into it still succeeds, and the failure under test would not happen.
 */
function truncateLog(home: string): void {
  const db = new Database(join(home, 'p2pchat.db'), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    assert.equal(result?.busy, 0, 'the log was emptied');
  } finally {
    db.close();
  }
}

async function pair(homeOfA?: string): Promise<[TestDaemon, TestDaemon]> {
  const [a, b] = await Promise.all([startDaemon({ name: 'alice', ...(homeOfA ? { home: homeOfA } : {}) }), startDaemon({ name: 'bob' })]);
  await connectPair(a, b);
  // Each is the other's contact, whatever the inbound policy.
  await b.cli(['connect', a.address]);
  return [a, b];
}

describe('a full data disk', { skip, timeout: 240_000 }, () => {
  it('gives sends a storage_full error in words, keeps answering, and sends again once there is space', async () => {
    const disk = tmpfs('24m');
    const home = homeOn(disk);
    const [alice, bob] = await pair(home);
    truncateLog(home);
    const filler = disk.fill();
    // The WAL may still have room for a few commits: send until the disk says no.
    const big = 'x'.repeat(30_000);
    let failure: { code: number | null; stderr: string } | undefined;
    for (let i = 0; i < 200 && failure === undefined; i++) {
      const result = await alice.cli(['send', 'bob', `${i} ${big}`]);
      if (result.code !== 0) failure = result;
    }
    assert.ok(failure, 'a send failed once the disk was full');
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /data disk is full: the message was not stored\. Free space/);
    const asJson = await alice.cli(['send', 'bob', 'as json', '--json']);
    assert.equal(JSON.parse(asJson.stderr).error, 'storage_full');
    assert.equal((await alice.cli(['status'])).code, 0, 'status still answers');
    assert.equal((await alice.cli(['history', '-n', '1'])).code, 0, 'history still answers');
    assert.equal(alice.proc?.exitCode, null, 'the daemon is still running');

    rmSync(filler);
    const sent = await alice.json<Message>(['send', 'bob', 'after cleanup', '--wait', '--timeout', '30']);
    assert.equal(sent.state, 'delivered');
    await waitFor('bob to have it', async () => (await bob.json<Message[]>(['history', 'alice'])).some((m) => m.text === 'after cleanup'));
  });

  it('keeps a receiver up and quiet: senders are told why, nothing is retried forever, and it takes messages again once there is space', async () => {
    const disk = tmpfs('24m');
    const victimHome = homeOn(disk);
    const [victim, sender] = await pair(victimHome);
    truncateLog(victimHome);
    const filler = disk.fill();
    // A peer connecting means a write to the peers table: with the disk full it used to crash the daemon.
    const carol = await startDaemon({ name: 'carol' });
    assert.equal((await carol.cli(['connect', victim.address])).code, 0);
    await waitFor('the victim to log the failed background write', () => victim.log.includes('background work not saved'));
    assert.equal((await victim.cli(['status'])).code, 0, 'still running after a peer connected');

    const texts = Array.from({ length: 50 }, (_, i) => `while full ${i} ${'y'.repeat(20_000)}`);
    const sentAt = Date.now();
    await sender.cli(['send', 'alice', '--lines'], { input: `${texts.join('\n')}\n` });
    // The storage budget sees the full disk and the victim refuses them with its reason; one that
    // slipped past the budget's last measurement is not acked, and refused when it comes again.
    const outgoing = async () => (await sender.json<Message[]>(['history', 'alice', '-n', '100'])).filter((m) => m.direction === 'out');
    await waitFor(
      'every message refused with the reason while the disk is full',
      async () => {
        const messages = await outgoing();
        return messages.length === texts.length && messages.every((m) => m.state === 'failed' && /storage/.test(m.reason ?? ''));
      },
      60_000,
      500,
    );
    assert.equal((await victim.json<Message[]>(['history', '-n', '200'])).filter((m) => m.direction === 'in').length, 0, 'none stored');
    assert.equal((await victim.cli(['status'])).code, 0);
    // Each cause is logged at most once per 10 s (there are a few causes); a sender's retries used to log 90 lines a second.
    const faultLines = victim.log.split('\n').filter((l) => /disk full|database or disk is full|storage budget reached/.test(l));
    const periods = 1 + Math.ceil((Date.now() - sentAt) / 10_000);
    assert.ok(faultLines.length <= 4 * periods, `${faultLines.length} lines about the full disk in ${periods} periods of 10 s`);

    rmSync(filler);
    // The budget measures again within a second: until then a message may still be refused.
    await waitFor(
      'a message delivered once there is space',
      async () => (await sender.json<Message>(['send', 'alice', 'space again', '--wait', '--timeout', '10'])).state === 'delivered',
      60_000,
      1000,
    );
    assert.ok((await victim.json<Message[]>(['history', '-n', '5'])).some((m) => m.text === 'space again'));
  });
});

/** A daemon whose stdout is `stdoutFd`; stderr is kept. Answers status before this resolves. */
async function daemonWithStdout(
  stdout: number | 'pipe',
  args: string[] = [],
): Promise<{ child: ChildProcess; client: ControlClient; home: string }> {
  const home = tempHome('p2pchat-logs-');
  homes.push(home);
  const child = spawn(
    process.execPath,
    [CLI, '--home', home, 'daemon', '--name', 'logger', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...args],
    {
      stdio: ['ignore', stdout, 'pipe'],
      env: { ...process.env, P2PCHAT_LOG_LEVEL: 'debug' },
    },
  );
  children.push(child);
  const client = new ControlClient(join(home, 'p2pchat.sock'), 5000);
  await waitFor('the daemon to answer', async () => (await client.request<StatusInfo>('GET', '/v1/status')).pid === child.pid);
  return { child, client, home };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Makes the daemon log: another daemon connects to it and messages go both ways. */
async function exercise(client: ControlClient, round: string): Promise<void> {
  const peer = await startDaemon({ name: `peer-${round}` });
  const info = await client.request<{ peerId: string }>('POST', '/v1/connect', { multiaddr: peer.address });
  await peer.cli(['connect', (await client.request<StatusInfo>('GET', '/v1/status')).addresses[0] as string]);
  const sent = await client.request<{ id: string }>('POST', '/v1/send', { to: info.peerId, text: `hello ${round}` });
  await waitFor('the message to be delivered', async () => {
    const history = await client.request<Message[]>('GET', '/v1/messages?limit=10');
    return history.some((m) => m.id === sent.id && m.state === 'delivered');
  });
  await peer.stop();
}

// Each with a timeout: with pino's own destination the daemon stalled, and the test would wait for it.
describe('a failing log destination', { timeout: 120_000 }, () => {
  it('stdout on a full device (/dev/full): the daemon keeps working and stops cleanly', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const { child, client } = await daemonWithStdout(fd);
      await exercise(client, 'devfull');
      assert.equal(child.exitCode, null);
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
    } finally {
      closeSync(fd);
    }
  });

  it('stdout on a disk that fills and frees up: lines are dropped, then counted once space is back', { skip }, async () => {
    const disk = tmpfs('2m');
    const logPath = join(disk.dir, 'daemon.log');
    const fd = openSync(logPath, 'a');
    try {
      const { child, client } = await daemonWithStdout(fd);
      const filler = disk.fill([logPath]);
      await exercise(client, 'full');
      rmSync(filler);
      await exercise(client, 'freed');
      // Lines are written asynchronously, and a second after the last failure at the earliest.
      const lines = () =>
        readFileSync(logPath, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { msg: string; dropped?: number });
      const noticeAt = await waitFor('a line that says how many were dropped', () => {
        const at = lines().findIndex((l) => l.dropped !== undefined);
        return at >= 0 ? at : undefined;
      });
      const after = lines().slice(noticeAt);
      assert.ok((after[0]?.dropped ?? 0) > 0, `lines were dropped: ${JSON.stringify(after[0])}`);
      await waitFor('logging to resume after it', () =>
        lines()
          .slice(noticeAt)
          .some((l) => l.msg === 'peer connected'),
      );
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0, 'the daemon did not die when space came back');
    } finally {
      closeSync(fd);
    }
  });

  it('stdout a pipe whose reader went away (EPIPE): the daemon keeps working and stops cleanly', async () => {
    const { child, client } = await daemonWithStdout('pipe');
    child.stdout?.destroy();
    await exercise(client, 'epipe');
    assert.equal(child.exitCode, null);
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
  });
});
