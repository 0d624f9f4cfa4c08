// What arrives on /chat/1.0.0 streams, once decoded: messages go through the trust gate into
// the store and are acked after their fsync; acks, refusals and hellos go to whoever listens.
// The chat service (chat-service.ts) owns the streams and decides how a peer's frames read.
import type { Logger } from '../logger.js';
import { GroupCommit } from '../store/group-commit.js';
import type { IncomingMessage, Store } from '../store/store.js';
import { LogThrottle } from '../log-throttle.js';
import type { InboundAdmission } from '../trust/inbound-trust.js';
import type { Message } from '../types.js';
import { encodeAck, encodeRefused, type Frame, MAX_ACK_IDS } from './envelope.js';
import type { FrameStream, FrameStreamRejection } from './frame-stream.js';
import { StoreFailures } from './store-failures.js';

/** Incoming frames dropped before the trust gate, by reason (for metrics). */
export type RejectedFramesListener = (reason: FrameStreamRejection | 'invalid', count: number) => void;

export type AckListener = (peerId: string, ids: string[]) => void;
export type RefusedListener = (peerId: string, ids: string[], reason: string) => void;

export interface InboundFramesDeps {
  store: Store;
  inbound: InboundAdmission;
  log: Logger;
  rejectedFrames: RejectedFramesListener;
  /** A daemon said hello on this stream: answer with ours, if not done yet. */
  hello: (stream: FrameStream) => void;
}

export class InboundFrames {
  /** Set by the chat service's onAck and onRefused (delivery listens). */
  readonly listeners: { acked: AckListener; refused: RefusedListener } = { acked: () => {}, refused: () => {} };
  private readonly deps: InboundFramesDeps;
  private readonly store: Store;
  private readonly inbound: InboundAdmission;
  private readonly log: Logger;
  /** Incoming messages that could not be stored: paced retries, throttled logs. */
  private readonly storeFailures: StoreFailures;
  /** A peer sending junk as fast as it can must not fill the log: one line per peer every 10 s. */
  private readonly invalidReports = new LogThrottle(10_000);
  /** Frames that arrive together, on any stream, are stored in one transaction; acks wait for its fsync. */
  private readonly receives = new GroupCommit<{ peerId: string; incoming: IncomingMessage[] }, Message[]>(
    (items) => this.store.atomically(() => items.map((i) => this.store.receive(i.peerId, i.incoming)), true),
    () => this.store.synced(),
  );

  constructor(deps: InboundFramesDeps) {
    this.deps = deps;
    this.store = deps.store;
    this.inbound = deps.inbound;
    this.log = deps.log;
    this.storeFailures = new StoreFailures(deps.log);
  }

  /**
   * Frames that arrived together are stored in one transaction and acked in one frame per stream.
   * Returns the pending commit, if any: the stream is not read until it is done.
   */
  handle(peerId: string, frames: Frame[], stream: FrameStream): Promise<void> | undefined {
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
          this.listeners.refused(peerId, frame.ids, frame.reason);
          break;
        case 'hello':
          // Only a peer identify named as p2pchat gets here (see handlePayloads). On a full disk the
          // name is not saved (the peer says hello again on its next stream), and the frames that
          // came with it still go on to the trust gate.
          this.storeFailures.tryWrite(peerId, 'a peer’s hello', () => this.store.updatePeer(peerId, { name: frame.name }));
          this.deps.hello(stream);
          break;
        case 'unknown':
          this.log.debug({ peer: peerId, type: frame.type }, 'ignored frame of unknown type');
          break;
        case 'invalid': {
          this.deps.rejectedFrames('invalid', 1);
          const heldBack = this.invalidReports.admit(peerId);
          if (heldBack !== undefined) this.log.warn({ peer: peerId, reason: frame.reason, heldBack }, 'dropped invalid frame');
          // A message we can never store is refused by id, so that its sender stops resending it.
          if (frame.id !== undefined) invalidIds.push(frame.id);
          break;
        }
      }
    }
    if (acked.length > 0) this.listeners.acked(peerId, acked);
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
