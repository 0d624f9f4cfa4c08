// Send → delivered latency, from the store's events alone: a message's `queued` event starts its
// clock, its `delivered` event stops it. Messages that never end (plain peers, whose `sent` is
// final only when its event says so; expired ones long after) must not grow the daemon: at most
// `maxInFlight` clocks run, and the oldest is dropped first.
import type { MessageState } from '../types.js';

/** Far more than the outbox of a busy daemon drains at once; about 100 bytes each. */
export const MAX_IN_FLIGHT = 10_000;

export class DeliveryLatency {
  /** Start time (ms, monotonic) by message seq, oldest first (a Map keeps insertion order). */
  private readonly started = new Map<number, number>();
  private readonly now: () => number;
  private readonly maxInFlight: number;

  constructor(now: () => number, maxInFlight = MAX_IN_FLIGHT) {
    this.now = now;
    this.maxInFlight = maxInFlight;
  }

  /** Clocks running now. */
  get size(): number {
    return this.started.size;
  }

  /**
   * An outgoing message entered `state`. Returns the seconds since it was queued when it was
   * delivered and its start is known (it was queued while this daemon ran), else undefined.
   * `final` marks a `sent` that ends the message (a plain peer never acks).
   */
  changed(seq: number, state: MessageState, final = false): number | undefined {
    if (state === 'queued') {
      // A retry starts a new clock: the user waits from the retry on.
      this.started.delete(seq);
      this.started.set(seq, this.now());
      if (this.started.size > this.maxInFlight) this.started.delete(this.started.keys().next().value as number);
      return undefined;
    }
    if (state === 'sent' && !final) return undefined;
    const start = this.started.get(seq);
    this.started.delete(seq);
    if (state !== 'delivered' || start === undefined) return undefined;
    return Math.max(0, this.now() - start) / 1000;
  }

  clear(): void {
    this.started.clear();
  }
}
