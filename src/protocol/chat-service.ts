// /chat/1.0.0 sessions: accepts inbound streams, opens outbound ones, and turns frames into stored
// messages and acks. The sender of every message is the Noise-authenticated remote peer.
import { type Stream, UnsupportedProtocolError } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from '../logger.js';
import type { ChatNode } from '../node/create-node.js';
import type { PeerKindView } from '../node/peer-kinds.js';
import { GroupCommit } from '../store/group-commit.js';
import type { IncomingMessage, Store } from '../store/store.js';
import type { Message } from '../types.js';
import { VERSION } from '../version.js';
import { LogThrottle } from '../log-throttle.js';
import type { InboundAdmission } from '../trust/inbound-trust.js';
import type { TrustView } from '../types.js';
import { decodeFrame, decodePlainFrame, encodeAck, encodeHello, encodeRefused, type Frame, MAX_ACK_IDS, PROTOCOL } from './envelope.js';
import { FrameStream, type FrameStreamRejection } from './frame-stream.js';
import { PartialFrameBudget, type PartialFrameLimits } from './partial-frames.js';
import { PeerStreams } from './peer-streams.js';
import { StoreFailures } from './store-failures.js';

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

/** Incoming frames dropped before the trust gate, by reason (for metrics). */
export type RejectedFramesListener = (reason: FrameStreamRejection | 'invalid', count: number) => void;

export type AckListener = (peerId: string, ids: string[]) => void;
export type RefusedListener = (peerId: string, ids: string[], reason: string) => void;

export class ChatService {
  private readonly node: ChatNode;
  private readonly kinds: PeerKindView;
  /** Streams peers opened to us: a plain peer that takes no streams of ours hears us on its own. */
  private readonly peerStreams = new PeerStreams();
  private readonly store: Store;
  private readonly inbound: InboundAdmission;
  /** Who is a contact: their streams may use the part of the partial-frame budget kept for contacts. */
  private readonly trust: TrustView | undefined;
  private readonly log: Logger;
  private readonly options: ChatServiceOptions;
  private readonly streams = new Set<FrameStream>();
  private readonly helloSent = new WeakSet<FrameStream>();
  private ackListener: AckListener = () => {};
  /** Incoming messages that could not be stored: paced retries, throttled logs. */
  private readonly storeFailures: StoreFailures;
  private readonly partialFrames: PartialFrameBudget | undefined;
  /** A peer sending junk as fast as it can must not fill the log: one line per peer every 10 s. */
  private readonly invalidReports = new LogThrottle(10_000);
  private refusedListener: RefusedListener = () => {};
  private readonly rejectedFrames: RejectedFramesListener;
  /** Frames that arrive together, on any stream, are stored in one transaction; acks wait for its fsync. */
  private readonly receives = new GroupCommit<{ peerId: string; incoming: IncomingMessage[] }, Message[]>(
    (items) => this.store.atomically(() => items.map((i) => this.store.receive(i.peerId, i.incoming)), true),
    () => this.store.synced(),
  );

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
    this.store = components.store;
    this.inbound = components.inbound;
    this.trust = components.trust;
    this.log = components.log;
    this.options = options;
    this.storeFailures = new StoreFailures(this.log);
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
    this.ackListener = listener;
  }

  /** The peer refused some of our messages for good (see the `refused` frame in docs/protocol.md). */
  onRefused(listener: RefusedListener): void {
    this.refusedListener = listener;
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
    if (kind !== 'pending') return this.handleFrames(peerId, decode(kind), stream);
    return this.kinds.whenKnown(peerId, IDENTIFY_WAIT_MS).then((known) => {
      // Still unknown (the peer left meanwhile): store nothing; a daemon resends what was not acked.
      if (known === 'pending') return stream.abort(new Error('the peer’s identify did not finish'));
      return this.handleFrames(peerId, decode(known), stream);
    });
  }

  /**
   * Frames that arrived together are stored in one transaction and acked in one frame per stream.
   * Returns the pending commit, if any: the stream is not read until it is done.
   */
  private handleFrames(peerId: string, frames: Frame[], stream: FrameStream): Promise<void> | undefined {
    const incoming: IncomingMessage[] = [];
    const acked: string[] = [];
    const invalidIds: string[] = [];
    for (const frame of frames) {
      switch (frame.kind) {
        case 'message':
          incoming.push({ id: frame.id, text: frame.text, sentAt: frame.time });
          break;
        case 'text':
          // An empty line (a plain user pressing Enter) is no message.
          if (frame.text !== '') incoming.push({ text: frame.text, sentAt: Date.now() });
          break;
        case 'ack':
          acked.push(...frame.ids);
          break;
        case 'refused':
          this.refusedListener(peerId, frame.ids, frame.reason);
          break;
        case 'hello':
          // Only a peer identify named as p2pchat gets here (see handlePayloads). On a full disk the
          // name is not saved (the peer says hello again on its next stream), and the frames that
          // came with it still go on to the trust gate.
          this.storeFailures.tryWrite(peerId, 'a peer’s hello', () => this.store.updatePeer(peerId, { name: frame.name }));
          this.sendHello(stream);
          break;
        case 'unknown':
          this.log.debug({ peer: peerId, type: frame.type }, 'ignored frame of unknown type');
          break;
        case 'invalid': {
          this.rejectedFrames('invalid', 1);
          const heldBack = this.invalidReports.admit(peerId);
          if (heldBack !== undefined) this.log.warn({ peer: peerId, reason: frame.reason, heldBack }, 'dropped invalid frame');
          // A message we can never store is refused by id, so that its sender stops resending it.
          if (frame.id !== undefined) invalidIds.push(frame.id);
          break;
        }
      }
    }
    if (acked.length > 0) this.ackListener(peerId, acked);
    this.sendRefusals(
      stream,
      invalidIds.map((id) => ({ id, reason: 'invalid' })),
    );
    if (incoming.length === 0) return undefined;
    // Trust decides before anything is stored: kept, held as a request, or refused (and told so).
    const verdict = this.inbound.admit(peerId, incoming);
    this.sendRefusals(stream, verdict.refused);
    const accepted = verdict.accepted;
    const hadRequests = accepted.some((m) => m.request);
    let settled: Promise<void> | undefined;
    if (accepted.length > 0) {
      // Acks wait for the disk; a plain peer's texts have no id and get none, so nothing does, and
      // its finished stream is closed at the commit instead of holding one of its stream slots.
      const acks = accepted.some((m) => m.id !== undefined);
      settled = this.receives.submit({ peerId, incoming: accepted }, acks).then(
        (stored) => {
          this.storeFailures.succeeded(peerId);
          if (stored.length > 0) this.log.debug({ peer: peerId, count: stored.length }, 'messages received');
          this.inbound.settled(peerId, hadRequests);
          // Acks go out only after the commit; duplicates are acked again so that the sender stops.
          this.sendAcks(
            stream,
            accepted.flatMap((m) => (m.id === undefined ? [] : [m.id])),
          );
        },
        (err: unknown) => {
          this.inbound.settled(peerId, hadRequests);
          return this.storeFailed(peerId, stream, err as Error);
        },
      );
    }
    // A contact over its rate is slowed down: its stream is not read again until the debt is paid.
    const delayMs = verdict.delayMs;
    if (delayMs > 0) settled = (settled ?? Promise.resolve()).then(() => new Promise((resolve) => setTimeout(resolve, delayMs)));
    return settled;
  }

  private sendRefusals(stream: FrameStream, refused: { id: string | undefined; reason: string }[]): void {
    const byReason = new Map<string, string[]>();
    for (const r of refused) if (r.id !== undefined) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.id]);
    if (byReason.size === 0 || !stream.isOpen) return;
    const payloads: Uint8Array[] = [];
    for (const [reason, ids] of byReason) {
      for (let i = 0; i < ids.length; i += MAX_ACK_IDS) payloads.push(encodeRefused(ids.slice(i, i + MAX_ACK_IDS), reason));
    }
    stream.write(payloads);
  }

  /** Not stored means not acked: the stream is held a while, then closed, and the sender retries. */
  private storeFailed(peerId: string, stream: FrameStream, err: Error): Promise<void> {
    const holdMs = this.storeFailures.failed(peerId, err);
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        stream.abort(err);
        resolve();
      }, holdMs).unref();
    });
  }

  private sendAcks(stream: FrameStream, ids: string[]): void {
    if (ids.length === 0 || !stream.isOpen) return;
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) payloads.push(encodeAck(ids.slice(i, i + MAX_ACK_IDS)));
    // No wait for drain here: acks are small and bounded by what the peer sent us.
    stream.write(payloads);
  }
}
