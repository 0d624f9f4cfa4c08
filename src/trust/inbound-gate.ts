// Decides, before anything is stored, what happens to each incoming message: stored as usual
// (a contact's), held as a message request (a stranger's, within its quota), or refused with a
// reason the sender is told. Contacts are never refused for their rate: they are slowed down.
import type { IncomingMessage } from '../store/store.js';
import type { RequestUsage } from '../store/trust-table.js';
import { type Rate, RateLimiter } from './rate-limit.js';
import type { InboundPolicy, RefusalReason, TrustView } from '../types.js';

export interface InboundLimits {
  policy: InboundPolicy;
  strangerQuota: { messages: number; bytes: number };
  /** Most bytes of requests held from all strangers together. */
  requestsMaxBytes: number;
  rate: { contact: Rate; stranger: Rate };
}

/** The storage budget of the data dir, as far as admission needs it. */
export interface StorageCheck {
  hasRoomFor(bytes: number): boolean;
}

export interface Refusal {
  /** Absent for a plain text frame, which has no id to refuse. */
  id: string | undefined;
  reason: RefusalReason;
}

export interface InboundVerdict {
  accepted: IncomingMessage[];
  refused: Refusal[];
  /** How long to wait before reading more from this peer (a contact over its rate). */
  delayMs: number;
}

export interface InboundGateDeps {
  trust: TrustView;
  storage: StorageCheck;
  /** Whether a message with this id from this peer is already stored: a resend is never refused. */
  isStored(peerId: string, id: string): boolean;
  /** Requests held per stranger when the daemon starts. */
  initialUsage: RequestUsage[];
  now?: () => number;
}

export class InboundGate {
  private readonly deps: InboundGateDeps;
  private readonly limits: InboundLimits;
  private readonly rates: RateLimiter;
  private readonly usage = new Map<string, { count: number; bytes: number }>();
  private totalBytes = 0;

  constructor(deps: InboundGateDeps, limits: InboundLimits) {
    this.deps = deps;
    this.limits = limits;
    this.rates = new RateLimiter(deps.now);
    for (const u of deps.initialUsage) this.setUsage(u.peerId, u);
  }

  /** Sorts one peer's incoming batch into accepted (some held as requests) and refused, in order. */
  admit(peerId: string, incoming: IncomingMessage[]): InboundVerdict {
    const verdict: InboundVerdict = { accepted: [], refused: [], delayMs: 0 };
    const state = this.deps.trust.effectiveStateOf(peerId);
    for (const message of incoming) {
      const bytes = Buffer.byteLength(message.text);
      const reason = this.refusal(peerId, state, bytes);
      if (reason === undefined) {
        if (state === 'contact') {
          verdict.delayMs = Math.max(verdict.delayMs, this.rates.take(peerId, this.limits.rate.contact, bytes));
          verdict.accepted.push(message);
        } else {
          this.charge(peerId, 1, bytes);
          verdict.accepted.push({ ...message, request: true });
        }
      } else if (message.id !== undefined && this.deps.isStored(peerId, message.id)) {
        // A resend of something already stored (its ack was lost): acked again, stored nothing.
        verdict.accepted.push(message);
      } else {
        verdict.refused.push({ id: message.id, reason });
      }
    }
    return verdict;
  }

  private refusal(peerId: string, state: ReturnType<TrustView['stateOf']>, bytes: number): RefusalReason | undefined {
    if (state === 'blocked') return 'blocked';
    if (state === 'stranger') {
      if (this.limits.policy === 'contacts') return 'contacts_only';
      const used = this.usage.get(peerId) ?? { count: 0, bytes: 0 };
      const quota = this.limits.strangerQuota;
      if (used.count + 1 > quota.messages || used.bytes + bytes > quota.bytes) return 'quota';
      if (this.totalBytes + bytes > this.limits.requestsMaxBytes) return 'quota';
      if (!this.rates.tryTake(peerId, this.limits.rate.stranger, bytes)) return 'rate_limited';
    }
    // Last: the budget counts what it is asked about as about to be stored.
    if (!this.deps.storage.hasRoomFor(bytes)) return 'storage_full';
    return undefined;
  }

  /**
   * The requests now held from a peer, after they were accepted, dropped or forgotten (or a
   * commit failed): the gate's count is set from the store again.
   */
  setUsage(peerId: string, usage: { count: number; bytes: number } | undefined): void {
    const before = this.usage.get(peerId);
    this.totalBytes -= before?.bytes ?? 0;
    if (usage && usage.count > 0) {
      this.usage.set(peerId, { count: usage.count, bytes: usage.bytes });
      this.totalBytes += usage.bytes;
    } else {
      this.usage.delete(peerId);
    }
  }

  /** Requests held now, for status: strangers and bytes. */
  heldRequests(): { strangers: number; bytes: number } {
    return { strangers: this.usage.size, bytes: this.totalBytes };
  }

  private charge(peerId: string, count: number, bytes: number): void {
    const used = this.usage.get(peerId) ?? { count: 0, bytes: 0 };
    this.usage.set(peerId, { count: used.count + count, bytes: used.bytes + bytes });
    this.totalBytes += bytes;
  }
}
