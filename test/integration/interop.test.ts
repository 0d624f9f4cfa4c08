// A plain libp2p chat peer (no envelopes, no acks) talks with a p2pchat daemon both ways.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, it } from 'node:test';
import type { Message, PeerInfo } from '../../src/types.js';
import { CLI, startDaemon, stopAll, waitFor } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw-peer.js';

const peers: RawPeer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await stopAll();
});

it('a plain libp2p chat peer sends text that shows in watch and history, and receives our messages', async () => {
  const daemon = await startDaemon({ name: 'alice' });
  const plain = await RawPeer.start();
  peers.push(plain);

  const watch = spawn(process.execPath, [CLI, '--home', daemon.home, 'watch', '--json']);
  let watched = '';
  watch.stdout.setEncoding('utf8').on('data', (d: string) => {
    watched += d;
  });
  await new Promise((r) => setTimeout(r, 500));

  await plain.sendText(daemon.address, ['hello from plain libp2p', 'second line']);
  const history = await waitFor('plain text in history', async () => {
    const h = await daemon.json<Message[]>(['history', plain.peerId]);
    return h.length === 2 ? h : undefined;
  });
  assert.deepEqual(
    history.map((m) => [m.direction, m.peerId, m.text, m.state, m.acked]),
    [
      ['in', plain.peerId, 'hello from plain libp2p', 'received', false],
      ['in', plain.peerId, 'second line', 'received', false],
    ],
  );
  await waitFor('plain text in watch', () => watched.includes('second line'));
  watch.kill('SIGINT');

  // The daemon knows the plain peer is not p2pchat (identify) and sends it readable UTF-8 text.
  const peerInfo = (await daemon.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === plain.peerId);
  assert.equal(peerInfo?.p2pchat, false);
  const sent = await daemon.json<Message>(['send', plain.peerId, 'hello plain peer']);
  await waitFor('plain peer to receive the text', () => plain.received.includes('hello plain peer'));
  assert.ok(!plain.received.some((f) => f.startsWith('{')), 'no JSON envelope or hello reaches a plain peer');
  // Honest state: sent, never delivered, since a plain peer sends no acks.
  const out = await waitFor('state sent', async () => {
    const h = await daemon.json<Message[]>(['history', plain.peerId]);
    const m = h.find((x) => x.id === sent.id);
    return m?.state === 'sent' ? m : undefined;
  });
  assert.equal(out.acked, false);
  const outbox = await daemon.json<Message[]>(['outbox']);
  assert.equal(outbox.length, 0, 'a message to a plain peer does not wait for an ack forever');
});
