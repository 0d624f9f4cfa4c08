// Backpressure: a fast peer cannot make the daemon buffer its frames without limit, and a client of
// the event stream that stops reading cannot make the daemon buffer events without limit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type IncomingMessage, request } from 'node:http';
import { after, it } from 'node:test';
import { lineSplitter } from '../../src/control/ndjson.js';
import type { ChatEvent, Message, StatusInfo } from '../../src/types.js';
import { CLI, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw-peer.js';

const peers: RawPeer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await stopAll();
});

async function storedCount(daemon: TestDaemon): Promise<number> {
  return (await daemon.client.request<StatusInfo>('GET', '/v1/status')).messages.total;
}

/** Every stored message from `peerId`, oldest first, paging through /v1/messages. */
async function allFrom(daemon: TestDaemon, peerId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const after = all.at(-1)?.seq ?? 0;
    const page = await daemon.client.request<Message[]>('GET', `/v1/messages?peer=${peerId}&limit=10000&after=${after}`);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** Texts of the message-received events, checking that event ids only increase. */
function receivedTexts(events: ChatEvent[]): string[] {
  for (let i = 1; i < events.length; i++) {
    assert.ok((events[i] as ChatEvent).id > (events[i - 1] as ChatEvent).id, 'event ids increase, no event twice');
  }
  return events.filter((e) => e.type === 'message-received').map((e) => (e.data.message as Message).text);
}

function assertTexts(actual: string[], expected: string[], who: string): void {
  const wrong = expected.findIndex((t, i) => actual[i] !== t);
  assert.equal(wrong, -1, `${who}: message ${wrong} is ${JSON.stringify(actual[wrong]?.slice(0, 20))}`);
  assert.equal(actual.length, expected.length, `${who}: ${actual.length} messages, expected ${expected.length}`);
}

it('a peer that floods frames without waiting gets every one stored, in order, on the same connection', async () => {
  const daemon = await startDaemon({ name: 'flooded' });
  const plain = await RawPeer.start();
  peers.push(plain);
  // A contact: a stranger's flood would be refused past its quota (see trust.test.ts).
  assert.equal((await daemon.cli(['contacts', 'add', plain.peerId])).code, 0);
  const count = 50_000;
  const text = (i: number) => `flood ${String(i).padStart(6, '0')} ${'x'.repeat(87)}`; // 100 bytes
  const frameBytes = 101; // with its one-byte length prefix

  const flood = await plain.flood(daemon.address, count, text);
  const connection = plain.node.getConnections()[0]?.id;
  let failure: Error | undefined;
  flood.done.catch((err: Error) => {
    failure = err;
  });
  // How far the peer got ahead of what the daemon stored. Sent is read before stored, so this never
  // overstates it. The daemon grants a window of 256 KiB per stream and reads nothing more while it
  // stores, so the peer cannot get far ahead, however fast it writes: no buffer grows with the flood.
  let mostAhead = 0;
  await waitFor(
    'every flooded frame to be stored',
    async () => {
      if (failure) throw new Error(`the flood failed: ${failure.message}`);
      const sent = flood.sentBytes();
      const stored = await storedCount(daemon);
      mostAhead = Math.max(mostAhead, sent - stored * frameBytes);
      return stored === count;
    },
    180_000,
    20,
  );
  await flood.done;
  // Two windows: one being stored, and the one granted when the daemon resumed reading. (With
  // yamux's default window and no pause while storing, it was 1.7 MB in this test.)
  assert.ok(mostAhead <= 3 * 256 * 1024, `the peer got ${mostAhead} bytes ahead of what was stored`);

  const stored = await allFrom(daemon, plain.peerId);
  assertTexts(
    stored.map((m) => m.text),
    Array.from({ length: count }, (_, i) => text(i)),
    'history',
  );
  // The connection was never dropped (by libp2p's connection monitor, say) and redialed.
  assert.equal(plain.node.getConnections()[0]?.id, connection);
  assert.equal((await daemon.client.request<StatusInfo>('GET', '/v1/status')).peers.connected, 1);
});

it('event stream clients that stop reading cost the daemon a bounded buffer, then get every event once', async () => {
  // A small heap: if the daemon kept what it could not write to the two stalled clients (60 MB of
  // events each), it would run out of memory and die, as it did before they were served from the store.
  const daemon = await startDaemon({
    name: 'watched',
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=96`.trim() },
  });
  const plain = await RawPeer.start();
  peers.push(plain);
  assert.equal((await daemon.cli(['contacts', 'add', plain.peerId])).code, 0);

  // `p2pchat watch`, stopped with SIGSTOP once it is following the stream.
  const watch = spawn(process.execPath, [CLI, '--home', daemon.home, 'watch', '--json', '--since', '0']);
  const watched: ChatEvent[] = [];
  watch.stdout.setEncoding('utf8').on(
    'data',
    lineSplitter((line) => watched.push(JSON.parse(line) as ChatEvent)),
  );
  await plain.sendText(daemon.address, ['first']);
  await waitFor('watch to show the first message', () => receivedTexts(watched).includes('first'));
  watch.kill('SIGSTOP');

  // A client replaying from the start that reads nothing until told to.
  const replayed: ChatEvent[] = [];
  const replay = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ socketPath: daemon.client.socketPath, path: '/v1/events?since=0' }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });

  try {
    const count = 6_000;
    const text = (i: number) => `big ${String(i).padStart(6, '0')} ${'y'.repeat(10_000)}`;
    const flood = await plain.flood(daemon.address, count, text);
    await flood.done;
    // The daemon stores everything and answers meanwhile, while both clients read nothing.
    await waitFor('every frame to be stored', async () => (await storedCount(daemon)) === count + 1, 180_000);
    assert.equal(daemon.proc?.exitCode, null, `the daemon exited:\n${daemon.log.slice(-2000)}`);

    const expected = ['first', ...Array.from({ length: count }, (_, i) => text(i))];
    replay.setEncoding('utf8');
    replay.on(
      'data',
      lineSplitter((line) => replayed.push(JSON.parse(line) as ChatEvent)),
    );
    replay.resume();
    watch.kill('SIGCONT');
    await waitFor(
      'both clients to catch up',
      () => receivedTexts(watched).length >= count + 1 && receivedTexts(replayed).length >= count + 1,
      180_000,
    );
    // Nothing missed, nothing twice, in order; and nothing more arrives.
    await new Promise((r) => setTimeout(r, 500));
    assertTexts(receivedTexts(watched), expected, 'p2pchat watch');
    assertTexts(receivedTexts(replayed), expected, 'the since=0 client');
    assert.equal(daemon.proc?.exitCode, null);
  } finally {
    watch.kill('SIGCONT');
    watch.kill('SIGINT');
    replay.destroy();
  }
});
