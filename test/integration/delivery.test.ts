// Never lose a message: offline peers, SIGKILL of either side in the middle of a burst, restarts.
// Every message the control API accepted arrives exactly once, in order, without user action.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ControlClient } from '../../src/control/client.js';
import type { Message, PeerInfo, SentMessage } from '../../src/types.js';
import { connectPair, startDaemon, stopAll, TestDaemon, waitFor } from '../helpers/daemon.js';

after(stopAll);

/**
 * A free port below Linux's ephemeral range (32768 and up): daemons listening on port 0 get ports
 * from that range, so none of them can take this one while its daemon is restarting.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

/** A daemon on a fixed loopback port, so that a peer can redial it after a restart. */
async function fixedPortDaemon(name: string): Promise<TestDaemon> {
  const port = await freePort();
  return new TestDaemon({ name, args: ['--listen', `/ip4/127.0.0.1/tcp/${port}`, '--no-mdns'] }).start();
}

/**
 * Sends `count` numbered messages one after another through the control API; stops at the first
 * failure (the daemon was killed). Returns the ids the API accepted, in order.
 */
async function burst(client: ControlClient, to: string, count: number, label: string, onAccepted?: (n: number) => void) {
  const accepted: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const m = await client.request<SentMessage>('POST', '/v1/send', { to, text: `${label} ${i}` });
      accepted.push(m.id);
      onAccepted?.(accepted.length);
    } catch {
      break;
    }
  }
  return accepted;
}

async function inbound(daemon: TestDaemon, from: TestDaemon): Promise<Message[]> {
  return daemon.json<Message[]>(['history', from.peerId, '--limit', '10000']);
}

/** Waits until the sender's outbox to `to` is empty, then checks exactly-once, in-order delivery. */
async function assertAllDelivered(sender: TestDaemon, receiver: TestDaemon, accepted: string[]): Promise<void> {
  try {
    await waitFor('the outbox to drain', async () => (await sender.json<Message[]>(['outbox'])).length === 0, 120_000, 250);
  } catch (err) {
    // What CI shows when this fails: enough to tell a stalled link from a missing connection.
    const outbox = await sender.json<Message[]>(['outbox']).catch(() => []);
    const peers = await sender.json<PeerInfo[]>(['peers']).catch(() => []);
    throw new Error(
      `${(err as Error).message}; ${outbox.length} left (first seq state: ${JSON.stringify(outbox[0] ?? null)}); ` +
        `peers: ${JSON.stringify(peers)}\n--- ${sender.name} log (tail) ---\n${sender.log.slice(-6000)}` +
        `\n--- ${receiver.name} log (tail) ---\n${receiver.log.slice(-6000)}`,
      { cause: err },
    );
  }
  const sent = (await inbound(sender, receiver)).filter((m) => m.direction === 'out');
  const received = (await inbound(receiver, sender)).filter((m) => m.direction === 'in');
  assert.ok(
    sent.every((m) => m.state === 'delivered'),
    'every stored outgoing message is delivered',
  );
  // Exactly once and in the sender's order. The sender may have stored a message whose answer the
  // kill cut off: it is delivered too, so compare with the sender's own record.
  assert.deepEqual(
    received.map((m) => m.id),
    sent.map((m) => m.id),
  );
  assert.equal(new Set(received.map((m) => m.id)).size, received.length, 'no duplicates');
  const receivedIds = new Set(received.map((m) => m.id));
  assert.ok(
    accepted.every((id) => receivedIds.has(id)),
    'every accepted message arrived',
  );
}

describe('delivery', () => {
  it('queues for an offline peer, and delivers when it comes back', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    await bob.stop();
    await waitFor('alice to see bob gone', async () => !(await alice.json<PeerInfo[]>(['peers']))[0]?.connected);

    const queued = await alice.json<Message>(['send', 'bob', 'while you were away']);
    assert.equal(queued.state, 'queued');
    const outbox = await alice.json<Message[]>(['outbox']);
    assert.deepEqual(
      outbox.map((m) => m.id),
      [queued.id],
    );
    const waited = await alice.cli(['send', 'bob', 'second', '--wait', '--timeout', '1']);
    assert.equal(waited.code, 5);
    assert.match(waited.stderr, /not delivered within 1s; it stays queued/);

    await bob.start();
    await assertAllDelivered(alice, bob, [queued.id]);
    const texts = (await inbound(bob, alice)).map((m) => m.text);
    assert.deepEqual(texts, ['while you were away', 'second']);
  });

  it('SIGKILL of the sender in the middle of a burst of 1,000 loses nothing', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    let killed: Promise<unknown> | undefined;
    const accepted = await burst(alice.client, bob.peerId, 1000, 'burst', (n) => {
      if (n === 400) killed = alice.kill();
    });
    await killed;
    assert.ok(accepted.length >= 400 && accepted.length < 1000, `killed mid-burst (${accepted.length} accepted)`);
    await alice.start();
    await assertAllDelivered(alice, bob, accepted);
  });

  it('SIGKILL at a random moment under concurrent load in both directions loses nothing that was answered', async () => {
    const [alice, bob] = await Promise.all([fixedPortDaemon('alice'), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    // Many requests in flight share each fsync; none of them may be answered before it.
    const killAt = 150 + Math.floor(Math.random() * 500);
    let answered = 0;
    let killed: Promise<unknown> | undefined;
    const clients = 16;
    const fromAlice = Array.from({ length: clients }, (_, c) =>
      burst(alice.client, bob.peerId, 100, `alice ${c}`, () => {
        if (++answered === killAt) killed = alice.kill();
      }),
    );
    const fromBob = Array.from({ length: 4 }, (_, c) => burst(bob.client, alice.peerId, 100, `bob ${c}`));
    const acceptedByAlice = (await Promise.all(fromAlice)).flat();
    await killed;
    assert.ok(acceptedByAlice.length < clients * 100, `alice was killed mid-burst (after ${killAt} answers)`);
    const acceptedByBob = (await Promise.all(fromBob)).flat();
    await alice.start();
    await assertAllDelivered(alice, bob, acceptedByAlice);
    await assertAllDelivered(bob, alice, acceptedByBob);
  });

  it('SIGKILL of the receiver in the middle of a burst loses nothing', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    const sending = burst(alice.client, bob.peerId, 1000, 'burst');
    await waitFor('bob to receive some', async () => (await inbound(bob, alice)).length >= 200, 60_000, 20);
    await bob.kill();
    const accepted = await sending;
    assert.equal(accepted.length, 1000, 'the sender accepts everything while the receiver is down');
    await bob.start();
    await assertAllDelivered(alice, bob, accepted);
  });

  it('a receiver stopped for a while gets everything sent meanwhile, exactly once, in order', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    const before = await burst(alice.client, bob.peerId, 50, 'before');
    await bob.stop();
    const during = await burst(alice.client, bob.peerId, 100, 'during');
    await new Promise((r) => setTimeout(r, 2000));
    await bob.start();
    const afterwards = await burst(alice.client, bob.peerId, 50, 'after');
    await assertAllDelivered(alice, bob, [...before, ...during, ...afterwards]);
  });

  it('both daemons restarted with messages still queued: delivery resumes', async () => {
    const [alice, bob] = await Promise.all([fixedPortDaemon('alice'), fixedPortDaemon('bob')]);
    await connectPair(alice, bob);
    await bob.stop();
    const queued = await burst(alice.client, bob.peerId, 20, 'queued');
    await alice.stop();
    await Promise.all([alice.start(), bob.start()]);
    await assertAllDelivered(alice, bob, queued);
  });

  it('expires undelivered messages after the configured time, visibly', async () => {
    const alice = new TestDaemon({ name: 'alice' });
    writeFileSync(join(alice.home, 'config.json'), JSON.stringify({ delivery: { expirySeconds: 2 } }));
    await alice.start();
    const bob = await startDaemon({ name: 'bob' });
    await connectPair(alice, bob);
    await bob.stop();
    await waitFor('alice to see bob gone', async () => !(await alice.json<PeerInfo[]>(['peers']))[0]?.connected);
    const result = await alice.cli(['send', 'bob', 'too late', '--wait', '--timeout', '30', '--json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /expired/);
    const [message] = await alice.json<Message[]>(['history']).then((h) => h.filter((m) => m.text === 'too late'));
    assert.equal(message?.state, 'expired');
    assert.match(message?.reason ?? '', /expiry/);
    assert.equal((await alice.json<Message[]>(['outbox'])).length, 0);
  });

  it('a message written to a peer that does not ack shows as sent, then delivered once it acks', async () => {
    const [alice, bob] = await Promise.all([startDaemon({ name: 'alice' }), startDaemon({ name: 'bob' })]);
    await connectPair(alice, bob);
    const first = await alice.json<Message>(['send', 'bob', 'warm-up', '--wait']);
    assert.equal(first.state, 'delivered');
    // A frozen receiver: its kernel still takes the bytes, its daemon never acks them.
    bob.proc?.kill('SIGSTOP');
    try {
      const sent = await alice.json<Message>(['send', 'bob', 'to a frozen peer']);
      const state = () => alice.json<Message[]>(['outbox']).then((o) => o.find((m) => m.id === sent.id)?.state);
      await waitFor('the message to show as sent', async () => ((await state()) === 'sent' ? true : undefined));
    } finally {
      bob.proc?.kill('SIGCONT');
    }
    await waitFor('the outbox to empty', async () => ((await alice.json<Message[]>(['outbox'])).length === 0 ? true : undefined));
    const history = await alice.json<Message[]>(['history']);
    assert.deepEqual(
      history.map((m) => [m.text, m.state]),
      [
        ['warm-up', 'delivered'],
        ['to a frozen peer', 'delivered'],
      ],
    );
  });
});
