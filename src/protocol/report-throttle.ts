// Reports (log lines) about what a peer sends wrong: a peer controls how often that happens, so at
// most one line per peer and period gets written, with a count of the ones held back.

export class ReportThrottle {
  private readonly periodMs: number;
  private readonly maxKeys: number;
  private readonly last = new Map<string, { at: number; held: number }>();

  /** @param maxKeys peers remembered at most; past it the oldest are forgotten (and may report again). */
  constructor(periodMs: number, maxKeys = 1024) {
    this.periodMs = periodMs;
    this.maxKeys = maxKeys;
  }

  /**
   * Whether to report now for `key`: the number of reports held back since the last one, or
   * undefined when this one is held back too.
   */
  take(key: string, now = Date.now()): number | undefined {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.periodMs) {
      entry.held++;
      return undefined;
    }
    const held = entry?.held ?? 0;
    this.last.delete(key);
    if (this.last.size >= this.maxKeys) this.last.delete(this.last.keys().next().value as string);
    this.last.set(key, { at: now, held: 0 });
    return held;
  }
}
