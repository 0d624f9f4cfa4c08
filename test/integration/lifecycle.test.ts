// Start, stop, restart: identity and history persist; one daemon per data dir; stale sockets;
// clear errors when things are wrong.
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { connectPair, runCli, startDaemon, stopAll, TestDaemon, tempHome, waitFor } from '../helpers/daemon.js';

after(stopAll);

describe('daemon lifecycle', () => {
  it('keeps its peer id and history across restarts, and reconnects to known peers', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startDaemon({ name: 'bob' })]);
    await connectPair(alice, bob);
    await alice.json<Message>(['send', 'bob', 'before restart', '--wait']);
    const peerId = alice.peerId;

    assert.equal(await alice.stop('SIGTERM'), 0, 'SIGTERM is a clean exit');
    assert.equal(existsSync(join(alice.home, 'p2pchat.sock')), false, 'socket removed on shutdown');
    await alice.start();
    assert.equal(alice.peerId, peerId);
    const history = await alice.json<Message[]>(['history']);
    assert.deepEqual(
      history.map((m) => [m.text, m.state]),
      [['before restart', 'delivered']],
    );
    await waitFor('alice to reconnect to bob by herself', async () => {
      const peers = await alice.json<PeerInfo[]>(['peers']);
      return peers.find((p) => p.peerId === bob.peerId)?.connected;
    });
    // Files are private to the user.
    assert.equal(statSync(join(alice.home, 'identity.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(alice.home, 'p2pchat.sock')).mode & 0o777, 0o600);
    assert.equal(statSync(alice.home).mode & 0o777, 0o700);
  });

  it('refuses a second daemon on the same data dir', async () => {
    const first = await startDaemon({ name: 'first' });
    const second = new TestDaemon({ name: 'second', home: first.home });
    await assert.rejects(second.start(), /already running/);
    assert.equal((await first.cli(['status'])).code, 0, 'the first daemon is unaffected');
  });

  it('replaces a stale socket and pid file left by a crash', async () => {
    const daemon = await startDaemon({ name: 'crashy' });
    await daemon.kill();
    assert.ok(existsSync(join(daemon.home, 'p2pchat.sock')), 'SIGKILL leaves the socket behind');
    await daemon.start();
    assert.equal((await daemon.cli(['status'])).code, 0);
  });

  it('refuses to start on a corrupt identity key, without replacing it', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'identity.key'), 'not a key', { mode: 0o600 });
    const daemon = new TestDaemon({ name: 'broken', home });
    await assert.rejects(daemon.start(), /identity key .* is corrupt/);
    assert.equal(statSync(join(home, 'identity.key')).size, 'not a key'.length);
  });

  it('refuses a bad config with a message naming the key', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ mdns: { intervalMs: -1 } }));
    const result = await runCli(['--home', home, 'daemon', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']);
    assert.equal(result.code, 78);
    assert.match(result.stderr, /mdns\.intervalMs/);
  });

  it('says in one line that no daemon runs, and how to start one', async () => {
    const result = await runCli(['--home', tempHome(), 'status']);
    assert.equal(result.code, 3);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /no p2pchat daemon is running.*Start one with: p2pchat (--home \S+ )?daemon/);
    const asJson = await runCli(['--home', tempHome(), 'peers', '--json']);
    assert.equal(asJson.code, 3);
    assert.equal(JSON.parse(asJson.stderr).error, 'daemon_not_running');
  });

  it('does not mistake some other process on the socket for a stale file', async () => {
    const home = tempHome();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(home, 'p2pchat.sock'), resolve));
    const daemon = new TestDaemon({ name: 'squatted', home });
    await assert.rejects(daemon.start(), /already listening/);
    server.close();
  });

  it('rejects usage errors with exit code 2', async () => {
    const result = await runCli(['send']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument/);
  });
});
