// Trust: strangers' messages are held as requests within a quota, refused past it (and the sender
// is told), names resolve among contacts only, blocks and the `contacts` policy refuse before
// anything is stored. Real daemons and raw libp2p peers, driven through the CLI.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { MessageRequests } from '../../src/trust/trust-api.js';
import type { Message, PeerInfo, SentMessage } from '../../src/types.js';
import { startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw-peer.js';

const peers: RawPeer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await stopAll();
});

/** The database and its WAL: what a flood could make grow. */
function dataBytes(daemon: TestDaemon): number {
  const size = (file: string) => {
    try {
      return statSync(join(daemon.home, file)).size;
    } catch {
      return 0;
    }
  };
  return size('p2pchat.db') + size('p2pchat.db-wal');
}

async function history(daemon: TestDaemon, peer: string): Promise<Message[]> {
  return daemon.json<Message[]>(['history', peer, '-n', '10000']);
}

it('a flooding stranger gets a handful of message requests stored, never more than its quota', async (t) => {
  const victim = await startDaemon({ name: 'victim' });
  const stranger = await RawPeer.start();
  peers.push(stranger);
  const before = dataBytes(victim);

  // 5,000 frames of 1 KiB as fast as the stream takes them: 5 MB offered.
  const flood = await stranger.flood(victim.address, 5000, (i) => `${String(i).padStart(5, '0')} ${'x'.repeat(1018)}`);
  await flood.done;

  const requests = await waitFor('the stranger in the requests', async () => {
    const list = await victim.json<MessageRequests[]>(['requests']);
    return list.find((r) => r.peer.peerId === stranger.peerId);
  });
  const stored = await history(victim, stranger.peerId);
  assert.ok(stored.length >= 1, 'the first messages of a stranger are kept as requests');
  assert.ok(stored.length <= 50, `at most the quota of 50 messages is held, got ${stored.length}`);
  assert.equal(requests.count, stored.length);
  assert.ok(
    stored.every((m) => m.request),
    'held as message requests',
  );
  const growth = dataBytes(victim) - before;
  t.diagnostic(`5,000 frames of 1 KiB from a stranger: ${stored.length} held as requests, database and WAL grew ${growth} bytes`);
  assert.ok(growth < 1024 * 1024, `the data dir grew ${growth} bytes for 5 MB offered`);

  // The daemon still works: a contact's messages go through at once.
  const status = await victim.json<{ messages: { total: number } }>(['status']);
  assert.equal(status.messages.total, stored.length);
});

it('a p2pchat stranger over its quota sees its messages fail with the reason; accepting it lets the rest through', async () => {
  const bob = await startDaemon({ name: 'bob' });
  const carol = await startDaemon({ name: 'carol' });
  // carol dials bob: bob is carol's contact, carol is a stranger to bob.
  const connected = await carol.cli(['connect', bob.address]);
  assert.equal(connected.code, 0, connected.stderr);
  const [bobAsSeenByCarol] = (await carol.json<PeerInfo[]>(['contacts'])).filter((p) => p.peerId === bob.peerId);
  assert.equal(bobAsSeenByCarol?.trust, 'contact');

  const lines = Array.from({ length: 30 }, (_, i) => `request ${i}`).join('\n');
  const sent = await carol.cli(['send', bob.peerId, '--lines', '--json'], { input: `${lines}\n` });
  assert.equal(sent.code, 0, sent.stderr);
  const ids = sent.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as SentMessage).id);

  // Each message ends delivered (held as a request) or failed with bob's reason: none stays queued.
  const outcome = await waitFor('every message to be delivered or refused', async () => {
    const mine = (await history(carol, bob.peerId)).filter((m) => ids.includes(m.id));
    return mine.every((m) => m.state === 'delivered' || m.state === 'failed') ? mine : undefined;
  });
  const delivered = outcome.filter((m) => m.state === 'delivered');
  const failed = outcome.filter((m) => m.state === 'failed');
  assert.ok(delivered.length >= 1 && failed.length >= 1, `${delivered.length} delivered, ${failed.length} failed`);
  assert.match(failed[0]?.reason ?? '', /refused by the peer/);
  assert.equal((await carol.json<Message[]>(['outbox'])).length, 0, 'nothing is retried forever');

  const held = await history(bob, carol.peerId);
  assert.equal(held.length, delivered.length);
  assert.ok(held.every((m) => m.request));

  // bob accepts carol: the requests become history, and carol's next messages are ordinary ones.
  const accepted = await bob.cli(['requests', 'accept', carol.peerId]);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.ok((await history(bob, carol.peerId)).every((m) => !m.request));
  assert.equal((await bob.json<MessageRequests[]>(['requests'])).length, 0);
  const again = await carol.cli(['send', '--wait', bob.peerId, 'now as a contact']);
  assert.equal(again.code, 0, again.stderr);
});

it('names resolve among contacts only: a stranger claiming a contact’s name never receives for it', async () => {
  const dave = await startDaemon({ name: 'dave' });
  const alice = await startDaemon({ name: 'alice' });
  const mallory = await startDaemon({ name: 'alice' }); // claims the same name

  // dave has not met the real alice yet; the squatter connects first and claims "alice".
  assert.equal((await mallory.cli(['connect', dave.address])).code, 0);
  await waitFor('dave to learn the squatter’s name', async () =>
    (await dave.json<PeerInfo[]>(['peers'])).some((p) => p.peerId === mallory.peerId && p.claimedName === 'alice'),
  );
  const refused = await dave.cli(['send', 'alice', 'for alice only']);
  assert.equal(refused.code, 4, 'no contact is called alice: unknown peer');
  assert.match(refused.stderr, /stranger claims that name/);

  // dave meets the real alice (connecting makes her a contact): "alice" now means her, and only her.
  assert.equal((await dave.cli(['connect', alice.address])).code, 0);
  await waitFor('dave to learn alice’s name', async () =>
    (await dave.json<PeerInfo[]>(['contacts'])).some((p) => p.peerId === alice.peerId && p.claimedName === 'alice'),
  );
  const sent = await dave.json<SentMessage>(['send', 'alice', 'for alice only']);
  assert.equal(sent.peerId, alice.peerId);

  // A petname wins over any claim.
  assert.equal((await dave.cli(['contacts', 'rename', alice.peerId, 'work alice'])).code, 0);
  const renamed = await dave.json<SentMessage>(['send', 'work alice', 'by petname']);
  assert.equal(renamed.peerId, alice.peerId);
  const listed = (await dave.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === alice.peerId);
  assert.equal(listed?.name, 'work alice');
  assert.equal(listed?.claimedName, 'alice');
  const squatter = (await dave.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === mallory.peerId);
  assert.equal(squatter?.trust, 'stranger');
});

it('with the contacts policy, strangers’ messages are refused and never stored; blocked peers are refused too', async () => {
  const erin = await startDaemon({ name: 'erin', args: ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--inbound', 'contacts'] });
  const frank = await startDaemon({ name: 'frank' });
  assert.equal((await frank.cli(['connect', erin.address])).code, 0);
  const sent = await frank.json<SentMessage>(['send', erin.peerId, 'let me in']);
  const failed = await waitFor('the message to fail', async () => {
    const m = (await history(frank, erin.peerId)).find((x) => x.id === sent.id);
    return m?.state === 'failed' ? m : undefined;
  });
  assert.match(failed.reason ?? '', /contacts only/);
  assert.equal((await history(erin, frank.peerId)).length, 0, 'nothing stored');

  // erin accepts frank, then blocks him: his messages are refused again and nothing more is stored.
  assert.equal((await erin.cli(['contacts', 'add', frank.peerId])).code, 0);
  const ok = await frank.cli(['send', '--wait', erin.peerId, 'thanks']);
  assert.equal(ok.code, 0, ok.stderr);
  const blocked = await erin.cli(['block', frank.peerId, '--json']);
  assert.equal(blocked.code, 0, blocked.stderr);
  assert.equal((JSON.parse(blocked.stdout) as PeerInfo).trust, 'blocked');
  await frank.cli(['send', erin.peerId, 'after the block']);
  // Whether the connection is refused (gater) or the message is refused, erin never stores it.
  await new Promise((r) => setTimeout(r, 1500));
  const erinHas = (await history(erin, frank.peerId)).map((m) => m.text);
  assert.deepEqual(erinHas, ['thanks']);
  const sendToBlocked = await erin.cli(['send', frank.peerId, 'hi']);
  assert.equal(sendToBlocked.code, 1);
  assert.match(sendToBlocked.stderr, /you blocked this peer/);
  assert.equal((await erin.cli(['unblock', frank.peerId])).code, 0);
  assert.equal((await erin.json<PeerInfo[]>(['peers'])).find((p) => p.peerId === frank.peerId)?.trust, 'stranger');
});
