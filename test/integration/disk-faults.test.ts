// A full data disk and a failing log destination: sends get a clear `storage_full`, a receiver
// paces its senders and logs the fault once per interval, log lines are dropped instead of the
// daemon blocking or dying, and everything works again once there is space.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ControlClient } from '../../src/control/client.js';
import type { Message, StatusInfo } from '../../src/types.js';
import { CLI, connectPair, startDaemon, stopAll, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js';
import { IS_ROOT, mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const skip = IS_ROOT ? false : 'needs root to mount a small tmpfs';
const mounts: Tmpfs[] = [];
const children: ChildProcess[] = [];
const homes: string[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stopAll();
  for (const m of mounts) m.remove();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function tmpfs(size: string): Tmpfs {
  const m = mountTmpfs(size);
  mounts.push(m);
  return m;
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
    const home = join(disk.dir, 'home');
    const [alice, bob] = await pair(home);
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

  it('makes a receiver pace its senders and log the fault once per interval, then take the messages', async () => {
    const disk = tmpfs('24m');
    const home = join(disk.dir, 'home');
    const [bob, alice] = await pair(home).then(([a, b]) => [a, b] as const);
    // `bob` here is the daemon named alice on the small disk; `alice` (named bob) sends to it.
    const filler = disk.fill();
    const victim = bob;
    const sender = alice;
    // A peer connecting means a write to the peers table: with the disk full it used to crash the daemon.
    const carol = await startDaemon({ name: 'carol' });
    assert.equal((await carol.cli(['connect', victim.address])).code, 0);
    await waitFor('the victim to log the failed background write', () => victim.log.includes('background work not saved'));
    assert.equal((await victim.cli(['status'])).code, 0, 'still running after a peer connected');
    const texts = Array.from({ length: 50 }, (_, i) => `while full ${i} ${'y'.repeat(20_000)}`);
    await sender.cli(['send', 'alice', '--lines'], { input: `${texts.join('\n')}\n` });
    const fullLines = () => victim.log.split('\n').filter((l) => l.includes('data disk full: incoming messages not stored'));
    // The first failure is logged at once; the next line comes an interval later and counts the
    // failures in between. Without pacing a sender retries about every 100 ms.
    const second = await waitFor('a second "disk full" line with a count', () => fullLines()[1], 40_000, 200);
    const suppressed = (JSON.parse(second) as { suppressed?: number }).suppressed ?? 0;
    assert.ok(suppressed < 20, `${suppressed} failures in one 10 s interval: retries are paced`);
    assert.equal(fullLines().length, 2);
    assert.equal((await victim.cli(['status'])).code, 0);

    rmSync(filler);
    await waitFor(
      'every message delivered once there is space',
      async () => {
        const history = await sender.json<Message[]>(['history', 'alice', '-n', '100']);
        return history.filter((m) => m.direction === 'out' && m.state === 'delivered').length === texts.length;
      },
      60_000,
      500,
    );
    const got = await victim.json<Message[]>(['history', '-n', '100']);
    assert.equal(got.filter((m) => m.direction === 'in').length, texts.length, 'each stored once');
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
      const lines = readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const notice = lines.map((l) => JSON.parse(l) as { msg: string; dropped?: number }).find((l) => l.dropped !== undefined);
      assert.ok(notice && (notice.dropped as number) > 0, `a line says how many were dropped:\n${lines.join('\n')}`);
      assert.ok(
        lines.some((l) => l.includes('hello') === false && l.includes('peer connected')),
        'logging resumed',
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
