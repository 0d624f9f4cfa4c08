// Opening a link's sending stream: only once identify has said what the peer is (a p2pchat daemon
// gets envelopes and our hello, a plain peer text), with backoff after failures, and a final
// answer for a plain peer that has no way to hear us (see open-failure.ts).
import type { Logger } from '../logger.js';
import type { PeerTracker } from '../node/peer-tracker.js';
import { type ChatService, NoChatStreamError } from '../protocol/chat-service.js';
import type { FrameStream } from '../protocol/frame-stream.js';
import type { Store } from '../store/store.js';
import { type Link, resetLink } from './link.js';
import { afterOpenFailure, NO_CHAT_STREAM_REASON } from './open-failure.js';

const IDENTIFY_WAIT_MS = 2000;
/** Queued messages failed at once, at most: a plain peer may have a week of them. */
const BATCH = 128;

export interface StreamOpenerDeps {
  store: Store;
  chat: ChatService;
  peers: PeerTracker;
  log: Logger;
  /** Try to send to the peer again (its stream closed: what was unacked goes on a fresh one). */
  kick: (peerId: string) => void;
}

export interface StreamOpenerOptions {
  redialMinMs: number;
  redialMaxMs: number;
  /** How soon to try again when a plain peer has not opened its stream yet. */
  retrySoonMs: number;
}

export class StreamOpener {
  private readonly deps: StreamOpenerDeps;
  private readonly options: StreamOpenerOptions;

  constructor(deps: StreamOpenerDeps, options: StreamOpenerOptions) {
    this.deps = deps;
    this.options = options;
  }

  /**
   * The link's new stream, or undefined when it cannot have one now: backing off after a failure,
   * identify has not answered yet (the next tick tries again), or a plain peer with nothing to
   * send. A p2pchat peer gets a stream (and so our hello) as soon as it connects, even with
   * nothing to send. Throws what opening threw, but for a plain peer without a stream.
   */
  async open(link: Link): Promise<FrameStream | undefined> {
    if (Date.now() < link.nextOpenAt) return undefined;
    const kind = await this.peerKind(link.peerId);
    if (kind === 'unknown') return undefined;
    if (kind === 'plain' && !this.deps.store.hasPending(link.peerId)) return undefined;
    return this.tryOpen(link, kind === 'envelope');
  }

  /**
   * Whether the peer speaks envelopes: identify names it as p2pchat (see src/node/peer-kinds.ts).
   * Until identify has answered or failed we cannot tell, and guessing wrong either loses acks or
   * shows a plain peer JSON. A peer without identify fails it within a round trip.
   */
  private async peerKind(peerId: string): Promise<'envelope' | 'plain' | 'unknown'> {
    const kind = await this.deps.peers.kinds.whenKnown(peerId, IDENTIFY_WAIT_MS);
    return kind === 'p2pchat' ? 'envelope' : kind === 'plain' ? 'plain' : 'unknown';
  }

  /**
   * Opens the link's stream. A plain peer with no way to hear us gets a final answer: its
   * messages fail with the reason, once, instead of being retried for a week (see open-failure.ts).
   */
  private async tryOpen(link: Link, envelope: boolean): Promise<FrameStream | undefined> {
    try {
      const stream = await this.openStream(link, envelope);
      link.openDelay = this.options.redialMinMs;
      return stream;
    } catch (err) {
      const noStream = err instanceof NoChatStreamError;
      const retry = afterOpenFailure(
        noStream ? 'no-chat-stream' : 'error',
        { now: Date.now(), connectedForMs: this.deps.peers.connectedFor(link.peerId), openDelay: link.openDelay },
        { retrySoonMs: this.options.retrySoonMs, maxDelayMs: this.options.redialMaxMs },
      );
      link.nextOpenAt = retry.nextOpenAt;
      link.openDelay = retry.openDelay;
      if (retry.failAll) this.failAllPending(link.peerId);
      if (noStream) return undefined;
      throw err;
    }
  }

  private failAllPending(peerId: string): void {
    let failed = 0;
    for (;;) {
      const batch = this.deps.store.pendingFor(peerId, 0, BATCH);
      const count =
        batch.length === 0
          ? 0
          : this.deps.store.markFailed(
              peerId,
              batch.map((m) => m.id),
              NO_CHAT_STREAM_REASON,
            );
      if (count === 0) break;
      failed += count;
    }
    if (failed > 0) this.deps.log.info({ peer: peerId, count: failed }, 'messages failed: the peer has no chat stream for them');
  }

  private async openStream(link: Link, envelope: boolean): Promise<FrameStream> {
    link.envelope = envelope;
    const stream = await this.deps.chat.open(link.peerId, link.envelope, () => {
      if (link.stream !== stream) return;
      resetLink(link);
      // Resend what was unacked on a fresh stream, if the peer is still there.
      setTimeout(() => this.deps.kick(link.peerId), 100).unref();
    });
    resetLink(link);
    link.stream = stream;
    this.deps.log.debug({ peer: link.peerId, envelope: link.envelope }, 'opened chat stream');
    return stream;
  }
}
