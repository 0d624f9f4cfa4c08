// The benchmark's HTTP clients (bench/lib/api-client.ts) against a real daemon: messages sent
// through each arrive at the peer, and an answer that is not 2xx is an error that says why. Also
// the client-alone ceiling (bench/lib/client-limit.ts): its server process starts, answers every
// client, and is gone afterwards. A canary for the undici client, which Node does not export and
// the bench takes from Node's fetch: a Node that changes that fails here, not in the middle of a bench.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CLIENT_KINDS, createApiClient } from '../../bench/lib/api-client.js';
import { measureClientLimit } from '../../bench/lib/client-limit.js';
import { Results } from '../../bench/lib/results.js';
import type { BenchContext } from '../../bench/lib/scenario.js';
import { sendMany, textOf } from '../../bench/lib/senders.js';
import type { Message } from '../../src/types.js';
import { startConnectedPair, stopAll, waitFor } from '../helpers/daemon.js';

after(stopAll);

describe('bench HTTP clients', () => {
  it('send through the control API with each client, one per request and in batches, and every message arrives', async () => {
    const [alice, bob] = await startConnectedPair();
    for (const kind of CLIENT_KINDS) {
      const client = await createApiClient(kind, alice.client.socketPath);
      try {
        assert.equal(client.kind, kind);
        await sendMany(client, bob.peerId, 40, 8, (i) => textOf(`${kind}-single-${i}-`, 100));
        await sendMany(client, bob.peerId, 250, 2, (i) => textOf(`${kind}-batch-${i}-`, 100), 100);
        await assert.rejects(client.post('/v1/send', { to: bob.peerId }), /HTTP 400|text/, 'a refused request is an error');
      } finally {
        await client.close();
      }
      await waitFor(`bob to have every message sent with ${kind}`, async () => {
        const messages = await bob.client.request<Message[]>('GET', `/v1/messages?peer=${alice.peerId}&limit=10000`);
        const texts = new Set(messages.map((m) => m.text));
        const expected = [
          ...Array.from({ length: 40 }, (_, i) => textOf(`${kind}-single-${i}-`, 100)),
          ...Array.from({ length: 250 }, (_, i) => textOf(`${kind}-batch-${i}-`, 100)),
        ];
        return expected.every((t) => texts.has(t)) ? true : undefined;
      });
    }
  });

  it('measures the client alone against a server that answers at once, for each number of clients', async () => {
    const results = new Results();
    const ctx: BenchContext = {
      options: { quick: true, reps: 1, memoryMessages: 0, meshSizes: [], client: 'undici' },
      results,
      log: () => {},
      count: (_full, quick) => quick,
    };
    await measureClientLimit(ctx, [1, 4]);
    assert.deepEqual(
      results.figures.map((f) => [f.name, f.unit, f.samples.length]),
      [
        ['client alone, 1 client: answered req/s', 'req/s', 1],
        ['client alone, 1 client: client CPU per request', 'µs', 1],
        ['client alone, 4 clients: answered req/s', 'req/s', 1],
        ['client alone, 4 clients: client CPU per request', 'µs', 1],
      ],
    );
    for (const f of results.figures) assert.ok((f.samples[0] as number) > 0, `${f.name} is a positive count`);
  });
});
