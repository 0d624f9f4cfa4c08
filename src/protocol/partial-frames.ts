// Partial frames: the start of a frame a stream has sent and not finished. Each stream may hold at
// most one frame's worth, but a peer (or many) can open thousands of streams that each send half a
// frame and then nothing. Two limits keep that bounded: a frame must be finished within a time, and
// all streams together may hold at most a number of bytes.

export interface PartialFrameLimits {
  /** A stream that holds a partial frame and completes no frame for this long is reset. */
  timeoutMs: number;
  /** Most bytes of partial frames held across all streams. */
  maxBytes: number;
}

/**
 * Strangers together may hold at most this share of the budget: however many streams they open,
 * contacts always find the rest of it.
 */
export const STRANGER_SHARE = 0.5;

/** Bytes of partial frames held: by all streams, and by strangers' streams. */
export interface Held {
  total: number;
  strangers: number;
}

/**
 * Whether a stream may go from holding `before` to `after` bytes of partial frame. A stream that
 * does not grow is always allowed; one that grows past the budget (or, a stranger's, past the
 * strangers' share) is refused, not an older stream evicted: evicting would let whoever opens the
 * most new streams reset the streams of everyone else (a contact's large message in progress),
 * while refusing the newcomer only costs the newcomer, and what older streams hold is freed by
 * their own timeouts.
 */
export function mayHold(held: Held, before: number, after: number, maxBytes: number, contact: boolean): boolean {
  const growth = after - before;
  if (growth <= 0) return true;
  if (held.total + growth > maxBytes) return false;
  return contact || held.strangers + growth <= maxBytes * STRANGER_SHARE;
}

/** The shared account of partial-frame bytes: one per daemon, handed to every FrameStream. */
export class PartialFrameBudget {
  readonly limits: PartialFrameLimits;
  private readonly held: Held = { total: 0, strangers: 0 };
  private readonly holders = new Map<object, { bytes: number; contact: boolean }>();

  constructor(limits: PartialFrameLimits) {
    this.limits = limits;
  }

  /**
   * Records that `holder` (a stream of a contact or a stranger) now holds `bytes`; false, and
   * nothing recorded, when that is over budget.
   */
  hold(holder: object, bytes: number, contact: boolean): boolean {
    const before = this.holders.get(holder)?.bytes ?? 0;
    if (!mayHold(this.held, before, bytes, this.limits.maxBytes, contact)) return false;
    this.held.total += bytes - before;
    if (!contact) this.held.strangers += bytes - before;
    if (bytes === 0) this.holders.delete(holder);
    else this.holders.set(holder, { bytes, contact });
    return true;
  }

  release(holder: object): void {
    const entry = this.holders.get(holder);
    if (entry) this.hold(holder, 0, entry.contact);
  }

  /** Bytes held across all streams, and by strangers' streams. */
  get heldBytes(): Readonly<Held> {
    return { ...this.held };
  }

  /** Streams holding a partial frame. */
  get holderCount(): number {
    return this.holders.size;
  }
}
