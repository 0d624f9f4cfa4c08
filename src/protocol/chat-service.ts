// /chat/1.0.0 sessions: accepts inbound streams, opens outbound ones, says hello, and reads each
// peer's frames as envelopes or as text depending on what identify says it is; inbound-frames.ts
// stores and acks them. The sender of every message is the Noise-authenticated remote peer.
import { type Stream, UnsupportedProtocolError } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from '../logger.js';
import type { ChatNode } from '../node/create-node.js';
import type { PeerKindView } from '../node/peer-kinds.js';
import type { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import type { InboundAdmission } from '../trust/inbound-trust.js';
import type { TrustView } from '../types.js';
import { decodeFrame, decodePlainFrame, encodeHello, PROTOCOL } from './envelope.js';
import { FrameStream } from './frame-stream.js';
import { type AckListener, InboundFrames, type RefusedListener, type RejectedFramesListener } from './inbound-frames.js';
import { PartialFrameBudget, type PartialFrameLimits } from './partial-frames.js';
import { PeerStreams } from './peer-streams.js';

export interface ChatServiceOptions {
  name: string;
  maxFrameBytes: number;
  maxInboundStreams: number;
  /** Limits on partial frames across all streams; none when absent. */
  partialFrames?: PartialFrameLimits | undefined;
}

/**
 * Longest wait for identify before frames from a peer are read: until then we cannot tell a
 * daemon's hello from a plain user's typed line. Identify gives up after 5 s, and is tried twice.
 */
const IDENTIFY_WAIT_MS = 11_000;

/** A plain peer neither accepts our /chat/1.0.0 streams nor has one of its own open to us. */
export class NoChatStreamError extends Error {
  constructor() {
    super('the peer does not accept /chat/1.0.0 streams and has no chat stream open to us');
    this.name = 'NoChatStreamError';
  }
}

export class ChatService {
  private readonly node: ChatNode;
  private readonly kinds: PeerKindView;
  /** Streams peers opened to us: a plain peer that takes no streams of ours hears us on its own. */
  private readonly peerStreams = new PeerStreams();
  /** Who is a contact: their streams may use the part of the partial-frame budget kept for contacts. */
  private readonly trust: TrustView | undefined;
  private readonly log: Logger;
  private readonly options: ChatServiceOptions;
  private readonly streams = new Set<FrameStream>();
  private readonly helloSent = new WeakSet<FrameStream>();
  private readonly partialFrames: PartialFrameBudget | undefined;
  private readonly rejectedFrames: RejectedFramesListener;
  /** What the frames of every stream do once read: stored and acked, or passed on. */
  private readonly inboundFrames: InboundFrames;

  constructor(
    components: {
      node: ChatNode;
      kinds: PeerKindView;
      store: Store;
      inbound: InboundAdmission;
      trust?: TrustView | undefined;
      log: Logger;
      rejectedFrames?: RejectedFramesListener | undefined;
    },
    options: ChatServiceOptions,
  ) {
    this.rejectedFrames = components.rejectedFrames ?? (() => {});
    this.node = components.node;
    this.kinds = components.kinds;
    this.trust = components.trust;
    this.log = components.log;
    this.options = options;
    this.inboundFrames = new InboundFrames({
      store: components.store,
      inbound: components.inbound,
      log: this.log,
      rejectedFrames: this.rejectedFrames,
      hello: (stream) => this.sendHello(stream),
    });
    this.partialFrames = options.partialFrames && new PartialFrameBudget(options.partialFrames);
  }

  async start(): Promise<void> {
    await this.node.handle(PROTOCOL, (stream, connection) => this.accept(stream, connection.remotePeer.toString()), {
      maxInboundStreams: this.options.maxInboundStreams,
      maxOutboundStreams: 8,
      // Relayed connections are "limited" (the relay closes them past its limits): chat runs on
      // them anyway, since acks and resends make a closed connection cost a retry, not a message.
      runOnLimitedConnection: true,
    });
  }

  async stop(): Promise<void> {
    await this.node.unhandle(PROTOCOL);
    await Promise.all([...this.streams].map((s) => s.close()));
    this.streams.clear();
  }

  onAck(listener: AckListener): void {
    this.inboundFrames.listeners.acked = listener;
  }

  /** The peer refused some of our messages for good (see the `refused` frame in docs/protocol.md). */
  onRefused(listener: RefusedListener): void {
    this.inboundFrames.listeners.refused = listener;
  }

  /** A peer opened a /chat/1.0.0 stream to us (delivery may now reach a plain peer on it). */
  onPeerStream(listener: (peerId: string) => void): void {
    this.peerStreams.onOpened(listener);
  }

  /**
   * Opens a stream for sending to `peerId`. With `envelope`, a hello goes first; plain chat peers
   * get no hello, since they would print it as text.
   */
  async open(peerId: string, envelope: boolean, onClose: (error?: Error) => void): Promise<FrameStream> {
    if (!envelope) return this.openPlain(peerId, onClose);
    const stream = await this.dial(peerId);
    const frames = this.attach(stream, peerId, onClose);
    this.sendHello(frames);
    return frames;
  }

  /**
   * A stream to a plain peer: one we open if it takes ours, else the newest one it opened to us
   * (libp2p's chat example dialer handles no streams and reads only the one it opened).
   * Throws NoChatStreamError when there is neither.
   */
  private async openPlain(peerId: string, onClose: (error?: Error) => void): Promise<FrameStream> {
    if (this.kinds.acceptsChat(peerId) !== false) {
      try {
        return this.attach(await this.dial(peerId), peerId, onClose);
      } catch (err) {
        if (!(err instanceof UnsupportedProtocolError)) throw err;
        this.kinds.refusedChat(peerId);
      }
    }
    const theirs = this.peerStreams.newest(peerId);
    if (!theirs) throw new NoChatStreamError();
    this.peerStreams.whenClosed(theirs, onClose);
    return theirs;
  }

  private dial(peerId: string): Promise<Stream> {
    return this.node.dialProtocol(peerIdFromString(peerId), PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
      runOnLimitedConnection: true,
    });
  }

  private accept(stream: Stream, peerId: string): void {
    this.peerStreams.opened(peerId, this.attach(stream, peerId, undefined, true));
  }

  private attach(stream: Stream, peerId: string, onClose?: (error?: Error) => void, inbound = false): FrameStream {
    const frames = new FrameStream(
      stream,
      this.options.maxFrameBytes,
      {
        onFrames: (batch, fs) => this.handlePayloads(peerId, batch, fs),
        onClose: (fs, error) => {
          this.streams.delete(fs);
          this.peerStreams.closed(peerId, fs, error);
          if (error) this.log.debug({ peer: peerId, err: error.message }, 'chat stream closed with error');
          onClose?.(error);
        },
        onRejected: (reason) => this.rejectedFrames(reason, 1),
      },
      { budget: this.partialFrames, closeWhenFinished: inbound, contact: this.trust?.effectiveStateOf(peerId) === 'contact' },
    );
    this.streams.add(frames);
    return frames;
  }

  /** A new display name: used for new streams, and sent at once in a new hello on every stream that had ours. */
  rename(name: string): void {
    this.options.name = name;
    for (const frames of this.streams) {
      if (!this.helloSent.has(frames) || !frames.isOpen) continue;
      try {
        frames.write([encodeHello(name, VERSION)]);
      } catch {
        // That stream's connection just went (the write aborted it); the others still hear the name.
      }
    }
  }

  private sendHello(frames: FrameStream): void {
    if (this.helloSent.has(frames) || !frames.isOpen) return;
    this.helloSent.add(frames);
    frames.write([encodeHello(this.options.name, VERSION)]);
  }

  /**
   * How a frame reads depends on who sent it: from a p2pchat daemon it may be an envelope; from
   * anyone else it is text, even when it looks like one. Until identify has told which, the
   * stream is not read (the returned promise holds it).
   */
  private handlePayloads(peerId: string, payloads: Uint8Array[], stream: FrameStream): Promise<void> | undefined {
    const decode = (kind: string) => payloads.map((p) => (kind === 'p2pchat' ? decodeFrame(p) : decodePlainFrame(p)));
    const kind = this.kinds.kindOf(peerId);
    if (kind !== 'pending') return this.inboundFrames.handle(peerId, decode(kind), stream);
    return this.kinds.whenKnown(peerId, IDENTIFY_WAIT_MS).then((known) => {
      // Still unknown (the peer left meanwhile): store nothing; a daemon resends what was not acked.
      if (known === 'pending') return stream.abort(new Error('the peer’s identify did not finish'));
      return this.inboundFrames.handle(peerId, decode(known), stream);
    });
  }
}
