// Plain libp2p chat peers built like libp2p's chat example: the dialer handles no /chat/1.0.0
// streams and hears us only on the stream it opened; with or without identify. What they type
// arrives once, without its newline; what we send reaches them as plain text with the honest
// state `sent`; a peer with no way to hear us gets a final `failed`; typed JSON renames no one.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw-peer.js';

const peers: RawPeer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await stopAll();
});

async function plainPeer(options: { identify: boolean; handleChat?: boolean }): Promise<RawPeer> {
  const peer = await RawPeer.start({ identify: options.identify, handleChat: options.handleChat ?? false });
  peers.push(peer);
  return peer;
}

async function historyOf(daemon: TestDaemon, peerId: string): Promise<Message[]> {
  return daemon.json<Message[]>(['history', peerId]);
}

for (const identify of [false, true]) {
  describe(`a chat example dialer ${identify ? 'with' : 'without'} identify`, () => {
    it('is heard once without its newline, and hears `send` on its own stream as plain text, `sent`', async () => {
      const daemon = await startDaemon({ name: 'alice' });
      const dialer = await plainPeer({ identify });
      const link = await dialer.openLink(daemon.address);
      link.write(['hello from the dialer\n', 'windows line\r\n', 'two newlines\n\n', '\n']);

      const received = await waitFor('the dialer’s lines in history', async () => {
        const h = await historyOf(daemon, dialer.peerId);
        return h.length >= 3 ? h : undefined;
      });
      assert.deepEqual(
        received.map((m) => [m.direction, m.text, m.acked]),
        [
          ['in', 'hello from the dialer', false],
          ['in', 'windows line', false],
          ['in', 'two newlines\n', false],
        ],
        'exactly one trailing newline is dropped; an empty line is no message',
      );

      const waited = await daemon.cli(['send', '--wait', dialer.peerId, 'hello dialer']);
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stdout, /sent to .*this peer does not confirm delivery/);
      const json = await daemon.cli(['send', '--wait', '--json', dialer.peerId, 'second reply']);
      assert.equal(json.code, 0, json.stderr);
      const shown = JSON.parse(json.stdout) as Message;
      assert.deepEqual([shown.state, shown.acked], ['sent', false]);

      await waitFor('both replies on the dialer’s stream', () => link.replies.length >= 2);
      assert.deepEqual(link.replies, ['hello dialer', 'second reply'], 'plain text only: no hello, ack or refused frame');
      const outgoing = (await historyOf(daemon, dialer.peerId)).filter((m) => m.direction === 'out');
      assert.deepEqual(
        outgoing.map((m) => [m.text, m.state, m.acked]),
        [
          ['hello dialer', 'sent', false],
          ['second reply', 'sent', false],
        ],
      );
      assert.equal((await daemon.json<Message[]>(['outbox'])).length, 0);
      assert.doesNotMatch(daemon.log, /could not negotiate|sending failed/);
    });

    it('is not taken for a p2pchat daemon, nor renamed, when it types our JSON', async () => {
      const daemon = await startDaemon({ name: 'alice' });
      const dialer = await plainPeer({ identify });
      const link = await dialer.openLink(daemon.address);
      const typed = [
        '{"v":1,"type":"hello","name":"mallory","version":"9"}',
        '{"v":1,"type":"message","id":"typed-1","time":1,"text":"looks like an envelope"}',
        '{"v":1,"type":"ack","ids":["x"]}',
      ];
      link.write(typed.map((t) => `${t}\n`));
      const received = await waitFor('the typed lines in history', async () => {
        const h = await historyOf(daemon, dialer.peerId);
        return h.length >= 3 ? h : undefined;
      });
      assert.deepEqual(
        received.map((m) => m.text),
        typed,
        'each typed line is a plain message, as typed',
      );
      const info = (await daemon.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === dialer.peerId);
      assert.equal(info?.name, null, 'a typed hello renames no one');
      assert.equal(info?.p2pchat, false);

      const sent = await daemon.cli(['send', '--wait', dialer.peerId, 'only text for you']);
      assert.equal(sent.code, 0, sent.stderr);
      await waitFor('the reply on the dialer’s stream', () => link.replies.length >= 1);
      assert.deepEqual(link.replies, ['only text for you'], 'no ack, hello or refused frame answers typed JSON');
    });
  });
}

it('a peer with no chat stream and no handler gets a final failed state, and the log stays quiet', async () => {
  const daemon = await startDaemon({ name: 'alice' });
  const silent = await plainPeer({ identify: true });
  await silent.connect(daemon.address);
  await waitFor('the daemon to see the peer', async () =>
    (await daemon.json<PeerInfo[]>(['peers'])).some((p) => p.peerId === silent.peerId && p.connected),
  );

  const waited = await daemon.cli(['send', '--wait', silent.peerId, 'anyone there?']);
  assert.notEqual(waited.code, 0);
  assert.match(waited.stderr, /failed/);
  const [message] = (await historyOf(daemon, silent.peerId)).filter((m) => m.direction === 'out');
  assert.equal(message?.state, 'failed');
  assert.match(message?.reason ?? '', /does not accept chat streams and has none open to us/);

  // A second message fails the same way, at once: the daemon remembers the peer takes no streams.
  const again = await daemon.json<Message>(['send', silent.peerId, 'still there?']);
  await waitFor('the second message to fail', async () =>
    (await historyOf(daemon, silent.peerId)).some((m) => m.id === again.id && m.state === 'failed'),
  );
  // Several delivery ticks later (500 ms each), nothing was retried or logged again.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const lines = daemon.log.split('\n');
  assert.equal(lines.filter((l) => /could not negotiate|sending failed/.test(l)).length, 0);
  assert.equal(lines.filter((l) => l.includes('the peer has no chat stream for them')).length, 2, 'one line per failed send');
  assert.equal((await daemon.json<Message[]>(['outbox'])).length, 0);
});
