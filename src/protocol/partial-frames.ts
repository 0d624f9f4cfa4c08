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
 * Whether a stream may go from holding `before` to `after` bytes of partial frame while all
 * streams together hold `total` (its `before` included). A stream that does not grow is always
 * allowed; one that grows past the budget is refused, not an older stream evicted: evicting would
 * let whoever opens the most new streams reset the streams of everyone else (a contact's large
 * message in progress), while refusing the newcomer only costs the newcomer, and what older
 * streams hold is freed by their own timeouts.
 */
export function mayHold(total: number, before: number, after: number, maxBytes: number): boolean {
  return after <= before || total - before + after <= maxBytes;
}

/** The shared account of partial-frame bytes: one per daemon, handed to every FrameStream. */
export class PartialFrameBudget {
  readonly limits: PartialFrameLimits;
  private total = 0;
  private readonly held = new Map<object, number>();

  constructor(limits: PartialFrameLimits) {
    this.limits = limits;
  }

  /** Records that `holder` now holds `bytes`; false (and nothing recorded) when that is over budget. */
  hold(holder: object, bytes: number): boolean {
    const before = this.held.get(holder) ?? 0;
    if (!mayHold(this.total, before, bytes, this.limits.maxBytes)) return false;
    this.total += bytes - before;
    if (bytes === 0) this.held.delete(holder);
    else this.held.set(holder, bytes);
    return true;
  }

  release(holder: object): void {
    this.hold(holder, 0);
  }

  /** Bytes held across all streams. */
  get heldBytes(): number {
    return this.total;
  }

  /** Streams holding a partial frame. */
  get holders(): number {
    return this.held.size;
  }
}
