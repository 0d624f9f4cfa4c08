// Untrusted input from peers and from the control socket: each bad input gets a clear answer or is
// dropped, and the daemon still answers status and still delivers messages afterwards.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { lpStream } from '@libp2p/utils';
import type { Message } from '../../src/types.js';
import { stopAll, type TestDaemon, waitFor, startConnectedPair } from '../helpers/daemon.js';
import { P2PCHAT_AGENT, RawPeer } from '../helpers/raw-peer.js';

let alice: TestDaemon;
let bob: TestDaemon;
let raw: RawPeer;
let round = 0;

before(async () => {
  [alice, bob] = await startConnectedPair();
  // It speaks our envelopes, so it passes for a p2pchat daemon: plain peers' frames are all text.
  raw = await RawPeer.start({ agent: P2PCHAT_AGENT });
});

after(async () => {
  await raw?.stop();
  await stopAll();
});

/** The daemon under attack (alice) still answers and still delivers, both ways. */
async function assertHealthy(): Promise<void> {
  const status = await alice.cli(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  round++;
  const toAlice = await bob.json<Message>(['send', 'alice', `still alive ${round}`, '--wait', '--timeout', '20']);
  assert.equal(toAlice.state, 'delivered');
  const fromAlice = await alice.json<Message>(['send', 'bob', `and sending ${round}`, '--wait', '--timeout', '20']);
  assert.equal(fromAlice.state, 'delivered');
}

async function historyFrom(peerId: string): Promise<Message[]> {
  return alice.json<Message[]>(['history', peerId]).catch(() => []);
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('bad frames from a raw libp2p peer', () => {
  it('an oversized length prefix resets the stream before the payload is read', async () => {
    const stream = await raw.openStream(alice.address);
    const closed = new Promise<void>((resolve) => stream.addEventListener('close', () => resolve()));
    // varint 16 MiB, then a little payload: the daemon must reject on the prefix alone.
    stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x08, 1, 2, 3]));
    await closed;
    assert.notEqual(stream.status, 'open');
    await assertHealthy();
  });

  it('invalid UTF-8, non-envelope JSON and envelopes with wrong types', async () => {
    const stream = await raw.openStream(alice.address);
    const lp = lpStream(stream);
    await lp.write(Uint8Array.from([0xc3, 0x28, 0xff]));
    await lp.write(utf8('{"v":1,"type":"message","id":42,"time":"x","text":5}'));
    await lp.write(utf8('{"v":1,"type":"ack","ids":"nope"}'));
    await lp.write(utf8('{"v":1,"type":"message","id":"forged","time":1,"text":"real envelope","from":"someone-else"}'));
    await lp.write(utf8('{"some":"json"}'));
    await lp.write(utf8('{"v":1,"type":"future-feature","x":1}'));
    await lp.write(utf8('plain after the junk'));
    const history = await waitFor('the valid frames to be stored', async () => {
      const h = await historyFrom(raw.peerId);
      return h.length >= 3 ? h : undefined;
    });
    // Only the envelope, the non-envelope JSON (as text) and the plain text are stored; the sender is
    // the authenticated peer, whatever a frame claims.
    assert.deepEqual(
      history.map((m) => [m.text, m.peerId]),
      [
        ['real envelope', raw.peerId],
        ['{"some":"json"}', raw.peerId],
        ['plain after the junk', raw.peerId],
      ],
    );
    // The envelope was acked on the same stream, after it was stored.
    const ack = new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray());
    assert.deepEqual(JSON.parse(ack), { v: 1, type: 'ack', ids: ['forged'] });
    await stream.close();
    await assertHealthy();
  });

  it('a duplicate message id is acked again but stored once', async () => {
    const stream = await raw.openStream(alice.address);
    const lp = lpStream(stream);
    const frame = utf8('{"v":1,"type":"message","id":"dup-1","time":1,"text":"only once"}');
    await lp.write(frame);
    await lp.read({ signal: AbortSignal.timeout(5000) });
    await lp.write(frame);
    const ack = new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray());
    assert.deepEqual(JSON.parse(ack).ids, ['dup-1']);
    const h = await historyFrom(raw.peerId);
    assert.equal(h.filter((m) => m.id === 'dup-1').length, 1);
    await stream.close();
  });

  it('a thousand streams at once', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, async (_, i) => {
        const stream = await raw.openStream(alice.address);
        stream.send(Uint8Array.from([5, ...utf8(`s${String(i).padStart(3, '0')}`).subarray(0, 4), 0x21]));
        return stream;
      }),
    );
    // Extra streams beyond the per-connection limit are refused; the daemon is unharmed.
    assert.ok(results.some((r) => r.status === 'fulfilled'));
    for (const r of results) if (r.status === 'fulfilled') r.value.abort(new Error('done'));
    await assertHealthy();
  });
});

/** A raw HTTP request on the control socket, for bodies the CLI would never send. */
function rawRequest(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ socketPath: alice.client.socketPath, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bad requests on the control socket', () => {
  const json = { 'content-type': 'application/json' };

  it('answer 4xx JSON errors', async () => {
    const cases: Array<[string, string, string | Buffer | undefined, Record<string, string>, number]> = [
      ['POST', '/v1/send', '{"to": "bob", "text": ', json, 400],
      ['POST', '/v1/send', '{"to": 5, "text": ["x"]}', json, 400],
      ['POST', '/v1/send', '{"to": "bob"}', json, 400],
      ['POST', '/v1/send', '{"to": "nobody-known", "text": "x"}', json, 404],
      ['POST', '/v1/send', JSON.stringify({ to: 'bob', text: 'x'.repeat(100_000) }), json, 413],
      // Announced as 5 MB: refused on the header, before the body is read.
      ['POST', '/v1/send', 'aaaa', { ...json, 'content-length': '5000000' }, 413],
      ['GET', '/v1/nope', undefined, {}, 404],
      ['DELETE', '/v1/status', undefined, {}, 404],
      ['GET', '/v1/messages?limit=-3', undefined, {}, 400],
      ['GET', '/v1/events?since=abc', undefined, {}, 400],
      ['GET', '/v1/status', undefined, { origin: 'http://evil.example' }, 403],
    ];
    for (const [method, path, body, headers, status] of cases) {
      const res = await rawRequest(method, path, body, headers);
      assert.equal(res.status, status, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error, 'string');
      assert.equal(typeof res.body.message, 'string');
    }
    await assertHealthy();
  });

  it('a client that connects and sends nothing does not block others', async () => {
    const idle = connect(alice.client.socketPath);
    await new Promise((resolve) => idle.once('connect', resolve));
    const half = connect(alice.client.socketPath);
    await new Promise((resolve) => half.once('connect', resolve));
    half.write('POST /v1/send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"to":');
    await assertHealthy();
    idle.destroy();
    half.destroy();
  });
});
