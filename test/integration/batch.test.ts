// Batches of sends: POST /v1/send/batch and `p2pchat send --lines`, with real daemons on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiResponseError } from '../../src/control/client.js';
import type { Message, SentMessage } from '../../src/types.js';
import { stopAll, type TestDaemon, startConnectedPair } from '../helpers/daemon.js';

after(stopAll);

describe('batches of sends', () => {
  let alice: TestDaemon;
  let bob: TestDaemon;
  before(async () => {
    [alice, bob] = await startConnectedPair();
  });

  const history = (d: TestDaemon) => d.client.request<Message[]>('GET', '/v1/messages?limit=10000');

  it('send --lines sends every non-empty line as one message, in order, exactly once', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    const input = `${lines.slice(0, 1200).join('\n')}\n\n${lines.slice(1200).join('\r\n')}\n`;
    const result = await alice.cli(['send', 'bob', '--lines', '--wait', '--timeout', '60'], { input });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^2500 messages delivered to bob/);
    const received = (await history(bob)).filter((m) => m.direction === 'in');
    assert.deepEqual(
      received.map((m) => m.text),
      lines,
    );
    const sent = (await history(alice)).filter((m) => m.direction === 'out');
    assert.deepEqual(
      sent.map((m) => m.id),
      received.map((m) => m.id),
    );
    assert.ok(sent.every((m) => m.state === 'delivered'));
  });

  it('send --lines --json prints one stored message per line', async () => {
    const result = await alice.cli(['send', 'bob', '--lines', '--json'], { input: 'one\ntwo\n' });
    assert.equal(result.code, 0, result.stderr);
    const printed = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SentMessage);
    assert.deepEqual(
      printed.map((m) => [m.text, m.state, m.peerId]),
      [
        ['one', 'queued', bob.peerId],
        ['two', 'queued', bob.peerId],
      ],
    );
  });

  it('send --lines refuses text arguments and an unknown peer before reading input', async () => {
    const withText = await alice.cli(['send', 'bob', '--lines', 'hello']);
    assert.equal(withText.code, 2);
    assert.match(withText.stderr, /--lines reads the messages from stdin/);
    const unknown = await alice.cli(['send', 'nobody', '--lines'], { input: 'x\n' });
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /no known peer matches "nobody"/);
  });

  it('rejects a batch with any bad message as a whole, storing none of it', async () => {
    const before = (await history(alice)).length;
    const bad: Array<[unknown, number, RegExp]> = [
      [
        {
          messages: [
            { to: 'bob', text: 'ok' },
            { to: 'nobody', text: 'x' },
          ],
        },
        404,
        /messages\.1\.to: no known peer/,
      ],
      [
        {
          messages: [
            { to: 'bob', text: 'ok' },
            { to: 'bob', text: 'y'.repeat(70_000) },
          ],
        },
        413,
        /messages\.1: message is \d+ bytes/,
      ],
      [
        {
          messages: [
            { to: 'bob', text: 'ok' },
            { to: 'bob', text: 5 },
          ],
        },
        400,
        /messages\.1\.text/,
      ],
      [{ messages: [] }, 400, /messages/],
      [{ messages: Array.from({ length: 1001 }, () => ({ to: 'bob', text: 'z' })) }, 400, /messages/],
      [{ messages: [{ to: 'bob', text: 'ok' }], extra: 1 }, 400, /extra|unrecognized/i],
    ];
    for (const [body, status, message] of bad) {
      await assert.rejects(alice.client.request('POST', '/v1/send/batch', body), (err: unknown) => {
        assert.ok(err instanceof ApiResponseError);
        assert.equal(err.status, status, err.message);
        assert.match(err.message, message);
        return true;
      });
    }
    assert.equal((await history(alice)).length, before);
    // Still serving: a good batch goes through.
    const ok = await alice.client.request<{ messages: SentMessage[] }>('POST', '/v1/send/batch', {
      messages: [
        { to: 'bob', text: 'after the bad ones' },
        { to: bob.peerId, text: 'by full id' },
      ],
    });
    assert.deepEqual(
      ok.messages.map((m) => [m.text, m.state]),
      [
        ['after the bad ones', 'queued'],
        ['by full id', 'queued'],
      ],
    );
    assert.ok((ok.messages[0] as SentMessage).seq < (ok.messages[1] as SentMessage).seq);
  });
});
