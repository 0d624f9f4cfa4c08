// A stranger for the abuse scenario: a bare libp2p node (one identity per process) that floods a
// daemon's /chat/1.0.0 at full speed for a fixed time, with plain 100 B text frames or with
// p2pchat envelopes (a hello, then messages with fresh ids). It never waits for the daemon except
// when the stream says its buffer is full; it reads what comes back only to count refusals, and
// when the daemon closes or resets a stream it opens another, as an attacker would.
// Usage: flood-peer (driven over IPC: { cmd: 'flood', address, kind, seconds, size }).
import '../../src/polyfills.js';
import type { Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { streamDrained } from '../../src/protocol/stream-drained.js';
import { CHAT_PROTOCOL, createBareNode } from '../lib/bare-node.js';
import { serveRequests } from '../lib/child.js';
import { encodeFrames, FrameReader } from '../lib/framing.js';

export type FloodKind = 'text' | 'envelope';

export interface FloodReport {
  /** The stranger's identity: a new one for every flood. */
  peerId: string;
  /** Frames handed to a stream (written or buffered for the connection). */
  frames: number;
  bytes: number;
  /** Streams opened: more than one when the daemon closed or reset them. */
  streams: number;
  /** Message ids the daemon answered with a `refused` frame, and with an `ack` (stored). */
  refused: number;
  acked: number;
  /** Why streams or dials ended, with how often. */
  endings: Record<string, number>;
}

/** Frames written per `send()`: a fast attacker batches, as the daemon's own delivery pump does. */
const FRAMES_PER_WRITE = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function payloads(kind: FloodKind, size: number, stream: number, first: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = first; i < first + FRAMES_PER_WRITE; i++) {
    const text = `s${stream}-${i}-`.padEnd(size, 'x');
    const body = kind === 'text' ? text : JSON.stringify({ v: 1, type: 'message', id: `flood-${stream}-${i}`, time: Date.now(), text });
    out.push(encoder.encode(body));
  }
  return out;
}

/** Counts the `refused` and `ack` frames the daemon sends back. */
function countReplies(stream: Stream, report: FloodReport): void {
  const reader = new FrameReader();
  stream.addEventListener('message', (event) => {
    for (const frame of reader.push(event.data)) {
      const text = decoder.decode(frame);
      if (!text.startsWith('{')) continue;
      try {
        const reply = JSON.parse(text) as { type?: string; ids?: unknown[] };
        if (reply.type === 'refused') report.refused += reply.ids?.length ?? 0;
        else if (reply.type === 'ack') report.acked += reply.ids?.length ?? 0;
      } catch {
        // not ours to judge
      }
    }
  });
}

async function flood(address: string, kind: FloodKind, seconds: number, size: number): Promise<FloodReport> {
  const node = await createBareNode([]);
  const report: FloodReport = { peerId: node.peerId.toString(), frames: 0, bytes: 0, streams: 0, refused: 0, acked: 0, endings: {} };
  const ended = (why: string) => {
    report.endings[why] = (report.endings[why] ?? 0) + 1;
  };
  const deadline = Date.now() + seconds * 1000;
  try {
    while (Date.now() < deadline) {
      let stream: Stream;
      try {
        stream = await node.dialProtocol(multiaddr(address), CHAT_PROTOCOL, { signal: AbortSignal.timeout(5000) });
      } catch (err) {
        ended(`dial failed: ${(err as Error).name}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const streamNo = report.streams++;
      countReplies(stream, report);
      if (kind === 'envelope')
        stream.send(encodeFrames([encoder.encode(JSON.stringify({ v: 1, type: 'hello', name: 'stranger', version: 'bench' }))]));
      try {
        for (let i = 0; Date.now() < deadline; i += FRAMES_PER_WRITE) {
          if (stream.writeStatus !== 'writable') throw new Error(`stream ${stream.status}, ${stream.writeStatus}`);
          const bytes = encodeFrames(payloads(kind, size, streamNo, i));
          report.frames += FRAMES_PER_WRITE;
          report.bytes += bytes.byteLength;
          if (!stream.send(bytes)) await streamDrained(stream);
          // Let replies and timers in now and then, even while the stream takes everything at once.
          else if (i % (64 * FRAMES_PER_WRITE) === 0) await new Promise((r) => setImmediate(r));
        }
        ended('time is up');
        await stream.close().catch(() => stream.abort(new Error('flood over')));
      } catch (err) {
        ended((err as Error).message.slice(0, 60));
      }
    }
  } finally {
    await node.stop();
  }
  return report;
}

serveRequests(true, async (req) => {
  if (req.cmd !== 'flood') throw new Error(`unknown request ${String(req.cmd)}`);
  return flood(req.address as string, req.kind as FloodKind, req.seconds as number, req.size as number);
});
