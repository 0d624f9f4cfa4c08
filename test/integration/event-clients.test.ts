// Event-stream clients (GET /v1/events: watch, chat, send --wait): a cap on how many, a clear 503
// past it, and a bounded cost for each, including one that stops reading during a flood.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lineSplitter } from '../../src/control/ndjson.js';
import type { ChatEvent, Message } from '../../src/types.js';
import { connectPair, startDaemon, stopAll, type TestDaemon, tempHome, waitFor } from '../helpers/daemon.js';
import { memoryOf, resetPeak } from '../helpers/process-memory.js';

const MAX_CLIENTS = 64;

let alice: TestDaemon;
let bob: TestDaemon;
const clients: EventClient[] = [];

before(async () => {
  const home = tempHome('p2pchat-alice-');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ limits: { maxEventClients: MAX_CLIENTS } }));
  const env = { P2PCHAT_TRUST_INBOUND: 'open' };
  [alice, bob] = await Promise.all([startDaemon({ name: 'alice', home, env }), startDaemon({ name: 'bob', env })]);
  await connectPair(alice, bob);
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll();
});

/** A raw event-stream client that records the ids of the messages it is told were received. */
interface EventClient {
  status: number;
  body: string;
  received: string[];
  res?: IncomingMessage;
  close(): void;
}

function openEvents(daemon: TestDaemon): Promise<EventClient> {
  return new Promise((resolve, reject) => {
    const client: EventClient = { status: 0, body: '', received: [], close: () => req.destroy() };
    const req = request({ socketPath: daemon.client.socketPath, path: '/v1/events' }, (res) => {
      client.status = res.statusCode ?? 0;
      client.res = res;
      res.setEncoding('utf8');
      if (client.status !== 200) {
        res.on('data', (d: string) => {
          client.body += d;
        });
        res.on('end', () => resolve(client));
        return;
      }
      res.on(
        'data',
        lineSplitter((line) => {
          const event = JSON.parse(line) as ChatEvent;
          if (event.type === 'message-received') client.received.push((event.data.message as Message).id);
        }),
      );
      resolve(client);
    });
    req.on('error', reject);
    req.end();
    clients.push(client);
  });
}

/** Opens a client once a slot is free: the daemon learns of clients that left a moment later. */
function openWhenFree(daemon: TestDaemon): Promise<EventClient> {
  return waitFor('a free event-stream slot', async () => {
    const c = await openEvents(daemon);
    if (c.status === 200) return c;
    c.close();
    return undefined;
  });
}

describe('event-stream clients', () => {
  it('past the cap: 503 unavailable, and the CLI says it in words', async () => {
    const open = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => openEvents(alice)));
    assert.ok(open.every((c) => c.status === 200));
    const extra = await openEvents(alice);
    assert.equal(extra.status, 503);
    assert.equal((JSON.parse(extra.body) as { error: string }).error, 'unavailable');

    const watch = await alice.cli(['watch'], { timeoutMs: 10_000 });
    assert.equal(watch.code, 1);
    assert.match(watch.stderr, /too many event-stream clients/);
    const wait = await alice.cli(['send', 'bob', 'while full', '--wait']);
    assert.equal(wait.code, 1);
    assert.match(wait.stderr, /too many event-stream clients/);

    // A client that leaves frees its slot.
    (open.pop() as EventClient).close();
    open.push(await openWhenFree(alice));
    for (const c of open) c.close();
    (await openWhenFree(alice)).close();
    await assertHealthy();
  });

  it('clients within the cap get every event, one that stops reading too, at a bounded cost', async () => {
    const open: EventClient[] = [];
    for (let i = 0; i < MAX_CLIENTS; i++) open.push(await openWhenFree(alice));
    // One client stops reading: the daemon must not buffer the flood for it.
    const stalled = open[0] as EventClient;
    stalled.res?.pause();
    const count = 5000;
    resetPeak(alice.proc?.pid as number);
    const before = memoryOf(alice.proc?.pid as number);
    const lines = Array.from({ length: count }, (_, i) => `flood ${i} ${'x'.repeat(200)}`).join('\n');
    const sent = await bob.cli(['send', 'alice', '--lines', '--wait', '--timeout', '120'], { input: `${lines}\n`, timeoutMs: 150_000 });
    assert.equal(sent.code, 0, sent.stderr);
    const readers = open.slice(1);
    await waitFor('every reading client to get every message', () => readers.every((c) => c.received.length >= count), 60_000);
    const peak = memoryOf(alice.proc?.pid as number).peak;
    stalled.res?.resume();
    await waitFor('the stalled client to catch up', () => stalled.received.length >= count, 60_000);
    for (const c of open) {
      assert.equal(c.received.length, count);
      assert.equal(new Set(c.received).size, count);
    }
    // Generous: 64 clients at the high-water mark (64 KiB) and a page each are about 10 MiB; the
    // flood itself (storing 5,000 messages: about 19 MiB with no client) and the garbage collector
    // account for the rest. Measured here: 43-55 MiB; 222-310 MiB before events were written to
    // all clients as one shared buffer per commit.
    const growth = peak - before.rss;
    const bound = 80 * 1024 * 1024;
    assert.ok(growth < bound, `peak RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB; bound ${(bound / 2 ** 20).toFixed(1)} MiB`);
    console.log(`event clients: ${MAX_CLIENTS} clients, ${count} messages: peak RSS +${(growth / 2 ** 20).toFixed(1)} MiB`);
    for (const c of open) c.close();
    (await openWhenFree(alice)).close();
    await assertHealthy();
  });
});

let round = 0;
async function assertHealthy(): Promise<void> {
  const status = await alice.cli(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  round++;
  const toAlice = await bob.json<Message>(['send', 'alice', `still alive ${round}`, '--wait', '--timeout', '30']);
  assert.equal(toAlice.state, 'delivered');
  const fromAlice = await alice.json<Message>(['send', 'bob', `and sending ${round}`, '--wait', '--timeout', '30']);
  assert.equal(fromAlice.state, 'delivered');
}
