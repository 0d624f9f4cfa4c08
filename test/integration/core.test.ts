// Two and three real daemons on 127.0.0.1 chatting through the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { CLI, connectPair, startDaemon, stopAll, waitFor, startConnectedPair } from '../helpers/daemon.js';

after(stopAll);

describe('two daemons', () => {
  it('find each other by connect, exchange messages both ways, and show them in history', async () => {
    const [alice, bob] = await startConnectedPair();

    const peers = await alice.json<PeerInfo[]>(['peers']);
    assert.deepEqual(
      peers.map((p) => ({ peerId: p.peerId, name: p.name, connected: p.connected })),
      [{ peerId: bob.peerId, name: 'bob', connected: true }],
    );

    const sent = await alice.json<Message>(['send', 'bob', 'hello', 'bob', '--wait']);
    assert.equal(sent.state, 'delivered');
    const reply = await bob.json<Message>(['send', alice.peerId.slice(0, 16), '--wait'], { input: 'hi alice\n' });
    assert.equal(reply.state, 'delivered');

    const aliceHistory = await alice.json<Message[]>(['history']);
    assert.deepEqual(
      aliceHistory.map((m) => [m.direction, m.peerId, m.text, m.state]),
      [
        ['out', bob.peerId, 'hello bob', 'delivered'],
        ['in', bob.peerId, 'hi alice', 'received'],
      ],
    );
    assert.equal(aliceHistory[0]?.id, sent.id);
    const bobHistory = await bob.json<Message[]>(['history', 'alice']);
    assert.deepEqual(
      bobHistory.map((m) => [m.direction, m.text, m.state, m.id]),
      [
        ['in', 'hello bob', 'received', sent.id],
        ['out', 'hi alice', 'delivered', reply.id],
      ],
    );

    const human = await alice.cli(['history']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /→\s+bob \(12D3KooW.*\)\s+delivered\s+hello bob/);
    assert.match(human.stdout, /←\s+bob .*received\s+hi alice/);
  });

  it('streams incoming messages to watch, human and --json', async () => {
    const [alice, bob] = await startConnectedPair();
    const watchers = [false, true].map((json) => {
      const child = spawn(process.execPath, [CLI, '--home', bob.home, 'watch', ...(json ? ['--json'] : [])]);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      return { child, output: () => out };
    });
    // The watchers are connected once the daemon has two event subscribers; a message proves it.
    await new Promise((r) => setTimeout(r, 500));
    await alice.json<Message>(['send', 'bob', 'watch me', '--wait']);
    const [human, json] = watchers;
    await waitFor('watch output', () => human?.output().includes('watch me') && json?.output().includes('watch me'));
    assert.match(human?.output() ?? '', /\d\d:\d\d:\d\d {2}alice \(12D3KooW.*\): watch me/);
    const events = (json?.output() ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; type: string; data: { message?: Message } });
    const received = events.find((e) => e.type === 'message-received');
    assert.equal(received?.data.message?.text, 'watch me');
    assert.equal(received?.data.message?.peerId, alice.peerId);
    for (let i = 1; i < events.length; i++) assert.ok((events[i]?.id ?? 0) > (events[i - 1]?.id ?? 0), 'event ids increase');
    for (const w of watchers) w.child.kill('SIGINT');

    // `since` replays what a client missed, exactly once.
    const replay = await bob.cli(['watch', '--json', '--since', '0'], { timeoutMs: 1500 });
    const replayed = replay.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { message?: Message } })
      .filter((e) => e.type === 'message-received');
    assert.deepEqual(
      replayed.map((e) => e.data.message?.text),
      ['watch me'],
    );
  });
});

describe('watch across a daemon restart', () => {
  it('reconnects and shows each message exactly once', async () => {
    const [alice, bob] = await startConnectedPair();
    const watch = spawn(process.execPath, [CLI, '--home', bob.home, 'watch', '--json', '--since', '0']);
    let out = '';
    watch.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    await alice.json<Message>(['send', 'bob', 'before the restart', '--wait']);
    await waitFor('the first message in watch', () => out.includes('before the restart'));
    await bob.restart();
    await waitFor('bob back with alice', async () => (await bob.json<{ connected: boolean }[]>(['peers']))[0]?.connected);
    await alice.json<Message>(['send', 'bob', 'after the restart', '--wait']);
    await waitFor('the second message in watch', () => out.includes('after the restart'), 30_000);
    watch.kill('SIGINT');
    const texts = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { message?: Message } })
      .filter((e) => e.type === 'message-received')
      .map((e) => e.data.message?.text);
    assert.deepEqual(texts, ['before the restart', 'after the restart']);
  });
});

describe('three daemons', () => {
  it('all pairs exchange messages', async () => {
    const daemons = await Promise.all(['ann', 'ben', 'cat'].map((name) => startDaemon({ name })));
    const [ann, ben, cat] = daemons as [(typeof daemons)[0], (typeof daemons)[0], (typeof daemons)[0]];
    await connectPair(ann, ben);
    await connectPair(ben, cat);
    await connectPair(cat, ann);
    for (const from of daemons) {
      for (const to of daemons) {
        if (from === to) continue;
        const m = await from.json<Message>(['send', to.name, `${from.name} to ${to.name}`, '--wait']);
        assert.equal(m.state, 'delivered');
      }
    }
    for (const d of daemons) {
      const history = await d.json<Message[]>(['history']);
      const received = history.filter((m) => m.direction === 'in').map((m) => m.text);
      const expected = daemons.filter((o) => o !== d).map((o) => `${o.name} to ${d.name}`);
      assert.deepEqual(received.sort(), expected.sort());
    }
  });
});
