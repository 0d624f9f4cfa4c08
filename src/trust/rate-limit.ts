// Per-peer inbound rate limits: a token bucket for messages and one for bytes, refilled
// continuously. Pure bookkeeping with an injected clock; the inbound gate decides what a shortfall
// means (a stranger is refused, a contact is slowed down).

export interface Rate {
  messagesPerSecond: number;
  bytesPerSecond: number;
  /** How many seconds of the rate may arrive at once: the size of each bucket. */
  burstSeconds: number;
}

interface Buckets {
  messages: number;
  bytes: number;
  at: number;
}

/** Most peers whose buckets are remembered; the ones idle longest are dropped first (they are full anyway). */
const MAX_TRACKED = 4096;

export class RateLimiter {
  private readonly buckets = new Map<string, Buckets>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Takes one message of `bytes` from the peer's buckets if both hold enough; returns whether it did.
   * A message larger than the byte bucket can ever hold passes when the bucket is full, so that a
   * slow rate never makes a large message impossible.
   */
  tryTake(key: string, rate: Rate, bytes: number): boolean {
    const b = this.refill(key, rate);
    const byteCap = rate.bytesPerSecond * rate.burstSeconds;
    const enoughBytes = b.bytes >= Math.min(bytes, byteCap);
    if (b.messages < 1 || !enoughBytes) return false;
    b.messages -= 1;
    b.bytes -= bytes;
    return true;
  }

  /**
   * Takes one message whatever the buckets hold (they may go negative) and returns how long, in
   * milliseconds, the peer should wait before the buckets are back at zero: a debt to be paid by
   * reading the peer's stream later.
   */
  take(key: string, rate: Rate, bytes: number): number {
    const b = this.refill(key, rate);
    b.messages -= 1;
    b.bytes -= bytes;
    const waitMessages = b.messages < 0 ? (-b.messages / rate.messagesPerSecond) * 1000 : 0;
    const waitBytes = b.bytes < 0 ? (-b.bytes / rate.bytesPerSecond) * 1000 : 0;
    return Math.ceil(Math.max(waitMessages, waitBytes));
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  private refill(key: string, rate: Rate): Buckets {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { messages: rate.messagesPerSecond * rate.burstSeconds, bytes: rate.bytesPerSecond * rate.burstSeconds, at: now };
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      const seconds = Math.max(0, now - b.at) / 1000;
      b.messages = Math.min(rate.messagesPerSecond * rate.burstSeconds, b.messages + seconds * rate.messagesPerSecond);
      b.bytes = Math.min(rate.bytesPerSecond * rate.burstSeconds, b.bytes + seconds * rate.bytesPerSecond);
      b.at = now;
      // Most recently used last, so the first key is the one idle longest.
      this.buckets.delete(key);
    }
    this.buckets.set(key, b);
    return b;
  }
}
