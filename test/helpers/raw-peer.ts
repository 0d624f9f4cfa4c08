// A plain libp2p 3 peer, as libp2p's own chat example builds it: TCP + Noise + Yamux, speaking
// /chat/1.0.0 with varint length-prefixed UTF-8 frames through lpStream. It knows nothing of
// p2pchat's envelopes, which makes it both the interop partner and a source of bad input.
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { LengthPrefixedDecoder, lpStream } from '@libp2p/utils';
import * as lp from 'it-length-prefixed';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { Uint8ArrayList } from 'uint8arraylist';
import { streamDrained } from '../../src/protocol/stream-drained.js';

export const CHAT = '/chat/1.0.0';

export interface Flood {
  done: Promise<void>;
  sentBytes(): number;
}

/** A stream we opened, with the frames the other side writes back on it (acks, refusals). */
export interface FrameLink {
  stream: Stream;
  /** Frames received on this stream, as UTF-8 text, in order. */
  replies: string[];
  /** Writes each text as one frame, in one send. */
  write(texts: string[]): void;
}

export interface RawPeerOptions {
  /** Most /chat/1.0.0 streams this peer may open per connection (libp2p's default is 64). */
  maxOutboundStreams?: number;
  /**
   * Whether it handles /chat/1.0.0 (default true). libp2p's chat example dialer does not: it
   * reads and writes only on the stream it opened, and streams opened to it fail negotiation.
   */
  handleChat?: boolean;
  /** Whether it runs identify (default true). The chat example runs none. */
  identify?: boolean;
  /**
   * Its identify agent version. With P2PCHAT_AGENT it passes for a p2pchat daemon, so that the
   * daemon reads its frames as envelopes: what an attacker speaking our protocol would do.
   */
  agent?: string | undefined;
}

/** An identify agent that makes a raw peer pass for a p2pchat daemon (see docs/protocol.md). */
export const P2PCHAT_AGENT = 'p2pchat/0.0.0-raw-test-peer';

export class RawPeer {
  readonly received: string[] = [];

  private constructor(readonly node: Libp2p<Record<string, unknown>>) {}

  static async start(options: RawPeerOptions = {}): Promise<RawPeer> {
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // No test here is about how fast a dial is, and a daemon busy with an attack (or a machine
      // busy with other tests) can take longer than libp2p's 6 s per address to finish Noise.
      connectionManager: { dialTimeout: 60_000, addressDialTimeout: 30_000 },
      ...(options.agent === undefined ? {} : { nodeInfo: { userAgent: options.agent } }),
      services: (options.identify === false ? {} : { identify: identify() }) as Record<string, never>,
    });
    const peer = new RawPeer(node);
    if (options.handleChat === false) return peer;
    // Like the chat example: print every frame that arrives on a stream the other side opened.
    await node.handle(
      CHAT,
      async (stream) => {
        const lp = lpStream(stream);
        try {
          while (true) peer.received.push(new TextDecoder().decode((await lp.read()).subarray()));
        } catch {
          // the stream ended
        }
      },
      options.maxOutboundStreams === undefined ? {} : { maxOutboundStreams: options.maxOutboundStreams },
    );
    return peer;
  }

  get peerId(): string {
    return this.node.peerId.toString();
  }

  get address(): string {
    return this.node.getMultiaddrs()[0]?.toString() as string;
  }

  async openStream(address: string): Promise<Stream> {
    return this.node.dialProtocol(multiaddr(address), CHAT);
  }

  /** Connects without opening any stream (as a libp2p node that does not chat would). */
  async connect(address: string): Promise<void> {
    await this.node.dial(multiaddr(address));
  }

  /** Opens a stream and collects what the other side writes back on it. */
  async openLink(address: string): Promise<FrameLink> {
    const stream = await this.openStream(address);
    const replies: string[] = [];
    const decoder = new LengthPrefixedDecoder();
    stream.addEventListener('message', (event) => {
      for (const frame of decoder.decode(event.data)) replies.push(new TextDecoder().decode(frame.subarray()));
    });
    const encoder = new TextEncoder();
    return {
      stream,
      replies,
      write: (texts) => {
        stream.send(new Uint8ArrayList(...texts.map((t) => lp.encode.single(encoder.encode(t)))));
      },
    };
  }

  /** Sends UTF-8 text frames on a new stream, as the chat example does with stdin lines. */
  async sendText(address: string, lines: string[]): Promise<void> {
    const stream = await this.openStream(address);
    const lp = lpStream(stream);
    for (const line of lines) await lp.write(new TextEncoder().encode(line));
    await stream.close();
  }

  /**
   * Writes `count` text frames on a new stream as fast as the stream takes them: it waits for
   * `drain` when a write says so, never for anything from the other side. `text(i)` is frame i.
   * `done` resolves once all are written and the stream is closed, and rejects when the stream
   * dies first; `sentBytes()` is how much has left the stream's own buffer for the connection.
   */
  async flood(address: string, count: number, text: (i: number) => string): Promise<Flood> {
    const stream = await this.openStream(address);
    let given = 0;
    const write = async () => {
      const encoder = new TextEncoder();
      for (let i = 0; i < count; i++) {
        if (stream.status !== 'open') throw new Error(`stream ${stream.status} after ${i} of ${count} frames`);
        const frame = lp.encode.single(encoder.encode(text(i)));
        given += frame.byteLength;
        if (!stream.send(frame)) await streamDrained(stream);
      }
      await stream.close();
    };
    return { done: write(), sentBytes: () => given - stream.writeBufferLength };
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }
}
