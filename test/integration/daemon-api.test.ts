// The daemon side of everyday commands, through the real control API of real daemons: idempotent
// sends with client-chosen ids, cancel and retry, a name change peers see at once, names in
// peer events, and a clean stop that clients can tell from a crash.
import assert from 'node:assert/strict';
import { get as httpGet, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatEvent, Message, SentMessage, StatusInfo } from '../../src/types.js';
import { connectPair, startDaemon, stopAll, type TestDaemon, tempHome, waitFor, startConnectedPair } from '../helpers/daemon.js';
import { webSession } from '../helpers/web-client.js';

/** Opens the web app's event stream (server-sent events) as a logged-in tab; `text` resolves with all it read once it ends. */
async function openWebEvents(daemon: TestDaemon): Promise<{ text: Promise<string> }> {
  const { origin, cookie } = await webSession(daemon);
  return new Promise((resolveOpen, reject) => {
    const req = httpGet(`${origin}/api/v1/events?since=0`, { headers: { cookie } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      // In an object: a promise resolved with a promise would wait for it.
      resolveOpen({ text: new Promise((resolveText) => res.on('close', () => resolveText(text))) });
    });
    req.on('error', reject);
  });
}

/** One control API request, with its HTTP status (the client library keeps only the body). */
function api(daemon: TestDaemon, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        socketPath: daemon.client.socketPath,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function history(daemon: TestDaemon, peerId: string): Promise<Message[]> {
  return daemon.client.request<Message[]>('GET', `/v1/messages?peer=${peerId}&limit=1000`);
}

async function stateOf(daemon: TestDaemon, peerId: string, id: string): Promise<string | undefined> {
  return (await history(daemon, peerId)).find((m) => m.id === id)?.state;
}

describe('daemon API for everyday use', { timeout: 180_000 }, () => {
  let alice: TestDaemon;
  let bob: TestDaemon;
  before(async () => {
    [alice, bob] = await startConnectedPair();
  });
  after(stopAll);

  it('a send repeated with the same id stores one message; another text with that id is a conflict', async () => {
    const first = await api(alice, '/v1/send', { to: bob.peerId, text: 'exactly once', id: 'k-0001' });
    assert.equal(first.status, 202);
    assert.equal(first.body.id, 'k-0001');
    assert.equal(first.body.existing, undefined);
    const again = await api(alice, '/v1/send', { to: bob.peerId, text: 'exactly once', id: 'k-0001' });
    assert.equal(again.status, 200);
    assert.equal(again.body.existing, true);
    assert.equal(again.body.seq, first.body.seq);
    assert.equal(typeof (again.body as unknown as SentMessage).eventId, 'number');
    const other = await api(alice, '/v1/send', { to: bob.peerId, text: 'something else', id: 'k-0001' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error, 'conflict');
    const bad = await api(alice, '/v1/send', { to: bob.peerId, text: 'x', id: 'has space' });
    assert.equal(bad.status, 400);
    await waitFor('k-0001 delivered', async () => (await stateOf(alice, bob.peerId, 'k-0001')) === 'delivered');
    const sentAfterDelivery = await api(alice, '/v1/send', { to: bob.peerId, text: 'exactly once', id: 'k-0001' });
    assert.equal(sentAfterDelivery.status, 200);
    assert.equal(sentAfterDelivery.body.state, 'delivered');
    assert.equal((await history(alice, bob.peerId)).filter((m) => m.id === 'k-0001').length, 1);
    assert.equal((await history(bob, alice.peerId)).filter((m) => m.id === 'k-0001').length, 1);
  });

  it('a batch with ids can be rerun; a conflicting batch stores nothing', async () => {
    const messages = [1, 2, 3].map((i) => ({ to: bob.peerId, text: `line ${i}`, id: `batch-${i}` }));
    const first = await api(alice, '/v1/send/batch', { messages });
    assert.equal(first.status, 202);
    const rerun = await api(alice, '/v1/send/batch', { messages: [...messages, { to: bob.peerId, text: 'line 4', id: 'batch-4' }] });
    assert.equal(rerun.status, 202, 'one message is new');
    const answered = rerun.body.messages as SentMessage[];
    assert.deepEqual(
      answered.map((m) => m.existing ?? false),
      [true, true, true, false],
    );
    const all = await api(alice, '/v1/send/batch', { messages });
    assert.equal(all.status, 200, 'nothing new');
    const conflict = await api(alice, '/v1/send/batch', {
      messages: [
        { to: bob.peerId, text: 'line 5', id: 'batch-5' },
        { to: bob.peerId, text: 'not line 2', id: 'batch-2' },
      ],
    });
    assert.equal(conflict.status, 409);
    assert.match(String(conflict.body.message), /messages\.1/);
    const mine = await history(alice, bob.peerId);
    assert.equal(mine.filter((m) => m.id.startsWith('batch-')).length, 4);
    assert.ok(!mine.some((m) => m.id === 'batch-5'), 'nothing of a refused batch is stored');
  });

  it('a name change reaches a connected peer without a restart, with a peer-named event', async () => {
    const events: ChatEvent[] = [];
    const stream = bob.client.events(undefined, (e) => events.push(e));
    try {
      const renamed = await api(alice, '/v1/name', { name: 'alice-renamed' });
      assert.equal(renamed.status, 200);
      assert.equal((renamed.body as unknown as StatusInfo).name, 'alice-renamed');
      await waitFor('bob to see the new name', async () => {
        const peers = await bob.client.request<{ peerId: string; claimedName: string | null }[]>('GET', '/v1/peers');
        return peers.some((p) => p.peerId === alice.peerId && p.claimedName === 'alice-renamed');
      });
      await waitFor('a peer-named event', () =>
        events.some((e) => e.type === 'peer-named' && e.data.peerId === alice.peerId && e.data.name !== undefined),
      );
      assert.equal((await api(alice, '/v1/name', { name: '   ' })).status, 400);
    } finally {
      stream.close();
      await api(alice, '/v1/name', { name: 'alice' });
    }
  });

  it('peer events carry the name: a known peer’s at once, a new peer’s in peer-named right after', async () => {
    const events: ChatEvent[] = [];
    const stream = bob.client.events(undefined, (e) => events.push(e));
    let frank: TestDaemon | undefined;
    try {
      await alice.restart();
      await waitFor('alice back at bob', () => events.some((e) => e.type === 'peer-connected' && e.data.peerId === alice.peerId));
      for (const e of events.filter((e) => e.type === 'peer-connected' || e.type === 'peer-disconnected')) {
        if (e.data.peerId === alice.peerId) assert.equal(e.data.name, 'alice', `${e.type} carries the known name`);
      }
      frank = await startDaemon({ name: 'frank' });
      const connected = await frank.cli(['connect', bob.address]);
      assert.equal(connected.code, 0, connected.stderr);
      await waitFor('frank named at bob', () =>
        events.some(
          (e) => (e.type === 'peer-named' || e.type === 'peer-connected') && e.data.peerId === frank?.peerId && e.data.name === 'frank',
        ),
      );
    } finally {
      stream.close();
      await frank?.stop();
    }
  });

  it('a cancelled message is never delivered; retried, it is', async () => {
    const carol = await startDaemon({ name: 'carol' });
    await connectPair(alice, carol);
    await carol.stop();
    await waitFor('alice to see carol gone', async () => {
      const peers = await alice.client.request<{ peerId: string; connected: boolean }[]>('GET', '/v1/peers');
      return peers.some((p) => p.peerId === carol.peerId && !p.connected);
    });
    const queued = await api(alice, '/v1/send', { to: carol.peerId, text: 'never mind', id: 'cancel-me-0001' });
    assert.equal(queued.body.state, 'queued');
    const cancelled = await api(alice, '/v1/messages/cancel', { id: 'cancel-me' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal((await api(alice, '/v1/messages/cancel', { id: 'cancel-me-0001' })).status, 409, 'not twice');
    assert.equal((await api(alice, '/v1/messages/cancel', { id: 'no-such-id' })).status, 404);
    assert.equal((await api(alice, '/v1/messages/retry', { id: 'k-0001' })).status, 409, 'a delivered message is not retried');
    const marker = await api(alice, '/v1/send', { to: carol.peerId, text: 'after the cancelled one', id: 'marker-0001' });
    await carol.start();
    // Delivery keeps the order of the outbox: once the later message arrived, the cancelled one would have too.
    await waitFor('the marker delivered', async () => (await stateOf(alice, carol.peerId, String(marker.body.id))) === 'delivered');
    assert.ok(!(await history(carol, alice.peerId)).some((m) => m.id === 'cancel-me-0001'), 'the cancelled message never arrived');
    assert.equal(await stateOf(alice, carol.peerId, 'cancel-me-0001'), 'cancelled');

    const retried = await api(alice, '/v1/messages/retry', { id: 'cancel-me-0001' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.state, 'queued');
    await waitFor('the retried message delivered', async () => (await stateOf(alice, carol.peerId, 'cancel-me-0001')) === 'delivered');
    assert.equal((await history(carol, alice.peerId)).filter((m) => m.id === 'cancel-me-0001').length, 1);
  });

  it('an expired message can be retried and is delivered', async () => {
    const home = tempHome('p2pchat-dave-');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ delivery: { expirySeconds: 2 } }));
    const dave = await startDaemon({ name: 'dave', home });
    const erin = await startDaemon({ name: 'erin' });
    await connectPair(dave, erin);
    await erin.stop();
    const sent = await api(dave, '/v1/send', { to: erin.peerId, text: 'late but there' });
    const id = String(sent.body.id);
    await waitFor('the message to expire', async () => (await stateOf(dave, erin.peerId, id)) === 'expired');
    await erin.start();
    await waitFor('dave and erin connected again', async () => {
      const peers = await dave.client.request<{ peerId: string; connected: boolean }[]>('GET', '/v1/peers');
      return peers.some((p) => p.peerId === erin.peerId && p.connected);
    });
    // With an expiry this short, a busy machine may expire it again before the ack: retry again then.
    await waitFor('the retried message delivered', async () => {
      const state = await stateOf(dave, erin.peerId, id);
      if (state === 'expired') await api(dave, '/v1/messages/retry', { id: id.slice(0, 20) });
      return state === 'delivered';
    });
    assert.equal((await history(erin, dave.peerId)).filter((m) => m.id === id).length, 1);
  });

  it('POST /v1/stop stops the daemon cleanly: exit 0, and the event stream ends with daemon-stopping', async () => {
    const gina = await startDaemon({ name: 'gina' });
    const events: ChatEvent[] = [];
    // From event 0: the stream misses nothing, however late its request reaches the daemon.
    const stream = gina.client.events(0, (e) => events.push(e));
    // The web app's event stream too: its last events used to be written twice at the stop, the
    // second time from an empty batch, which ended the daemon with exit 1.
    const webEvents = await openWebEvents(gina);
    await gina.client.request('GET', '/v1/status');
    const exited = new Promise<number | null>((resolve) => gina.proc?.once('exit', (code) => resolve(code)));
    const answer = await api(gina, '/v1/stop', {});
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { stopping: true });
    assert.equal(await exited, 0);
    await stream.done;
    assert.equal(events.at(-1)?.type, 'daemon-stopping');
    assert.match(await webEvents.text, /"type":"daemon-stopping"/);
  });
});
