// Moves the outbox to peers: one sending stream per peer, messages written in order, marked
// delivered on ack, resent on a new stream when a stream dies or acks stop coming, expiring what
// is too old. Keeping the peers connected is the redialer's job (redialer.ts), opening a stream
// the stream opener's (stream-opener.ts).
import type { Logger } from '../logger.js';
import type { PeerTracker } from '../node/peer-tracker.js';
import type { ChatService } from '../protocol/chat-service.js';
import { encodeMessage, encodeText } from '../protocol/envelope.js';
import type { PendingMessage, Store } from '../store/store.js';
import { type Link, newLink, settle, takeSlowOnes } from './link.js';
import { Redialer } from './redialer.js';
import { StreamOpener } from './stream-opener.js';
import { refusalText } from '../trust/inbound-trust.js';
import type { TrustView } from '../types.js';

export interface DeliveryOptions {
  ackTimeoutMs: number;
  redialMinMs: number;
  redialMaxMs: number;
  expirySeconds: number;
  /** Multiaddrs (ending in /p2p/<id>) from the config, kept connected. */
  peers: string[];
}

/** Most messages written but not yet acked on one stream: bounds the sender's buffers. */
const WINDOW = 1024;
/**
 * Most bytes of frames written but not yet acked on one stream (at least one message is always
 * allowed): 1,024 messages of up to 64 KiB would otherwise be 64 MiB in flight, and to resend.
 */
const WINDOW_BYTES = 1024 * 1024;
const BATCH = 128;
const TICK_MS = 500;
/**
 * A message written to a p2pchat peer is marked `sent` only if its ack has not come within this
 * long: usually the ack comes first and the message goes from `queued` straight to `delivered`,
 * which saves a write and an event per message. Plain peers never ack: theirs are marked at once.
 */
const SENT_MARK_MS = 200;
const EXPIRY_CHECK_MS = 60_000;

export class Delivery {
  private readonly store: Store;
  private readonly chat: ChatService;
  private readonly peers: PeerTracker;
  private readonly trust: TrustView;
  private readonly log: Logger;
  private readonly options: DeliveryOptions;
  private readonly links = new Map<string, Link>();
  /** Acked ids per peer, not yet applied to the store. */
  private acks = new Map<string, Set<string>>();
  private acksScheduled = false;
  private timer?: NodeJS.Timeout | undefined;
  private readonly redialer: Redialer;
  private readonly opener: StreamOpener;
  private lastExpiryCheck = 0;
  private stopped = false;
  private readonly windowBytes: (peerId: string, usual: number) => number;

  constructor(
    components: {
      store: Store;
      chat: ChatService;
      peers: PeerTracker;
      trust: TrustView;
      log: Logger;
      /**
       * The byte window for a peer, given the usual one: smaller when the peer is reached only over
       * a relayed connection that the relay closes after a number of bytes (src/wan/), so that acks
       * come back before the relay's limit and every new connection makes progress.
       */
      windowBytes?: ((peerId: string, usual: number) => number) | undefined;
    },
    options: DeliveryOptions,
  ) {
    this.windowBytes = components.windowBytes ?? ((_peerId, usual) => usual);
    this.store = components.store;
    this.chat = components.chat;
    this.peers = components.peers;
    this.trust = components.trust;
    this.log = components.log;
    this.options = options;
    this.opener = new StreamOpener(
      { ...components, kick: (peerId) => this.kick(peerId) },
      { redialMinMs: options.redialMinMs, redialMaxMs: options.redialMaxMs, retrySoonMs: TICK_MS },
    );
    this.redialer = new Redialer(
      { store: this.store, peers: this.peers, trust: this.trust },
      {
        redialMinMs: options.redialMinMs,
        redialMaxMs: options.redialMaxMs,
        recentMs: options.expirySeconds * 1000,
        configured: options.peers,
      },
    );
  }

  start(): void {
    this.chat.onAck((peerId, ids) => this.onAck(peerId, ids));
    this.chat.onRefused((peerId, ids, reason) => this.onRefused(peerId, ids, reason));
    this.peers.onConnected((peerId) => {
      this.redialer.connected(peerId);
      const link = this.link(peerId);
      link.nextOpenAt = 0;
      link.openDelay = this.options.redialMinMs;
      this.kick(peerId);
    });
    // A plain peer that takes no streams of ours can be reached once it opens one of its own.
    this.chat.onPeerStream((peerId) => {
      if (this.store.hasPending(peerId)) this.kick(peerId);
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.tick();
    this.redialer.reconnectRecentContacts();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.applyAcks();
  }

  /** Something was queued for (or changed about) this peer: try to send now. */
  kick(peerId: string): void {
    if (this.stopped) return;
    void this.pump(this.link(peerId));
  }

  /**
   * A message to this peer was queued again (retry). Its seq may lie behind what the open stream
   * has written, so the stream goes back to it; what it writes again is deduplicated by the receiver.
   */
  requeued(peerId: string, seq: number): void {
    const link = this.link(peerId);
    if (seq <= link.lastSeq) link.lastSeq = seq - 1;
    this.kick(peerId);
  }

  private link(peerId: string): Link {
    let link = this.links.get(peerId);
    if (!link) this.links.set(peerId, (link = newLink(peerId, this.options.redialMinMs)));
    return link;
  }

  private async pump(link: Link): Promise<void> {
    if (link.pumping) {
      link.again = true;
      return;
    }
    link.pumping = true;
    try {
      do {
        link.again = false;
        await this.sendPending(link);
      } while (link.again && !this.stopped);
    } catch (err) {
      this.log.warn({ peer: link.peerId, err: (err as Error).message }, 'sending failed; will retry');
      link.stream?.abort(err as Error);
    } finally {
      link.pumping = false;
    }
  }

  private async sendPending(link: Link): Promise<void> {
    if (!this.peers.isConnected(link.peerId)) return;
    const stream = link.stream?.isOpen ? link.stream : await this.opener.open(link);
    if (!stream) return;
    const windowBytes = this.windowBytes(link.peerId, WINDOW_BYTES);
    while (!this.stopped && stream.isOpen && link.unacked.size < WINDOW) {
      let inFlight = 0;
      for (const bytes of link.unacked.values()) inFlight += bytes;
      if (inFlight >= windowBytes) return;
      const fetched = this.store.pendingFor(link.peerId, link.lastSeq, Math.min(BATCH, WINDOW - link.unacked.size));
      if (fetched.length === 0) return;
      // As many as fit in the byte window, and at least one.
      const payloads: Uint8Array[] = [];
      for (const m of fetched) {
        if (payloads.length > 0 && inFlight >= windowBytes) break;
        const payload = this.encode(link, m);
        payloads.push(payload);
        if (link.envelope) inFlight += payload.byteLength;
      }
      const batch = fetched.slice(0, payloads.length);
      const writable = stream.write(payloads);
      if (link.unacked.size === 0) link.progressAt = Date.now();
      link.lastSeq = (batch.at(-1) as PendingMessage).seq;
      if (link.envelope) {
        const at = Date.now();
        batch.forEach((m, i) => {
          link.unacked.set(m.id, (payloads[i] as Uint8Array).byteLength);
          link.unmarked.set(m.id, { seq: m.seq, at });
        });
      } else {
        this.store.markSent(
          batch.map((m) => m.seq),
          false,
        );
      }
      if (!writable) await stream.drained();
    }
  }

  private encode(link: Link, message: PendingMessage): Uint8Array {
    return link.envelope ? encodeMessage(message.id, message.sentAt, message.text) : encodeText(message.text);
  }

  /** Acks that arrive in one turn of the event loop are applied in one transaction. */
  private onAck(peerId: string, ids: string[]): void {
    if (this.stopped) return; // unapplied acks only mean a resend, which the receiver deduplicates
    settle(this.link(peerId), ids, Date.now());
    let pending = this.acks.get(peerId);
    if (!pending) this.acks.set(peerId, (pending = new Set()));
    for (const id of ids) pending.add(id);
    if (!this.acksScheduled) {
      this.acksScheduled = true;
      setImmediate(() => this.applyAcks());
    }
  }

  /** The peer will never store these: they fail with its reason, and are not resent. */
  private onRefused(peerId: string, ids: string[], reason: string): void {
    if (this.stopped) return;
    const link = this.link(peerId);
    settle(link, ids, Date.now());
    const failed = this.store.markFailed(peerId, ids, `refused by the peer: ${refusalText(reason)}`);
    if (failed > 0) this.log.info({ peer: peerId, count: failed, reason }, 'the peer refused messages');
    if (this.store.hasPending(peerId, link.lastSeq)) this.kick(peerId);
  }

  private applyAcks(): void {
    this.acksScheduled = false;
    const acks = this.acks;
    this.acks = new Map();
    for (const [peerId, ids] of acks) {
      const delivered = this.store.markDelivered(peerId, ids);
      if (delivered > 0) this.log.debug({ peer: peerId, count: delivered }, 'messages delivered');
      // The window may have room again.
      if (this.store.hasPending(peerId, this.link(peerId).lastSeq)) this.kick(peerId);
    }
  }

  /** Periodic work: ack timeouts, redials of peers with queued messages, expiry. */
  private tick(): void {
    const now = Date.now();
    // Check at least twice per expiry period, so a short configured expiry is honoured promptly.
    if (now - this.lastExpiryCheck >= Math.min(EXPIRY_CHECK_MS, (this.options.expirySeconds * 1000) / 2)) {
      this.lastExpiryCheck = now;
      const expired = this.store.expireOlderThan(this.options.expirySeconds * 1000);
      if (expired.length > 0) this.log.warn({ count: expired.length }, 'outgoing messages expired undelivered');
    }
    for (const link of this.links.values()) {
      // Messages written a while ago and still not acked become `sent`: the user sees they left.
      this.store.markSent(takeSlowOnes(link, now, SENT_MARK_MS), true);
      if (link.stream && link.unacked.size > 0 && now - link.progressAt > this.options.ackTimeoutMs) {
        this.log.warn({ peer: link.peerId, unacked: link.unacked.size }, 'no ack in time; resending on a new stream');
        link.stream.abort(new Error('ack timeout'));
      }
    }
    const wanted = new Set([...this.store.outboxPeers(), ...this.redialer.configuredPeers()]);
    for (const peerId of wanted) {
      if (this.peers.isConnected(peerId)) {
        const link = this.link(peerId);
        if (!link.pumping && this.store.hasPending(peerId, link.lastSeq)) this.kick(peerId);
      } else {
        this.redialer.redial(peerId, now);
      }
    }
  }
}
