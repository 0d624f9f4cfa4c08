// Rate-limited logging per cause: a fault that repeats many times a second (a full disk refusing
// every retried message, a peer sending bad frames) gives its first line at once, then at most one
// line per interval with the number of occurrences in between, instead of flooding the log.
import type { Logger } from './logger.js';

/**
 * The decision, without I/O. Causes may be keyed by something a peer controls (its id), so at most
 * `maxCauses` are remembered; past it the one reported longest ago is forgotten (and may report again).
 */
export class LogThrottle {
  private readonly causes = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxCauses = 1024,
  ) {}

  /** Undefined: stay quiet. Otherwise report now; the number is how many were held back before this one. */
  admit(cause: string): number | undefined {
    const now = this.now();
    const state = this.causes.get(cause);
    if (state && now - state.at < this.intervalMs) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state?.suppressed ?? 0;
    this.causes.delete(cause);
    if (this.causes.size >= this.maxCauses) this.causes.delete(this.causes.keys().next().value as string);
    this.causes.set(cause, { at: now, suppressed: 0 });
    return suppressed;
  }
}

export type ThrottledLog = (level: 'warn' | 'error', cause: string, fields: Record<string, unknown>, msg: string) => void;

/** Logs through `log`, at most once per `intervalMs` for each cause; lines after a quiet spell carry `suppressed`. */
export function throttledLog(log: Logger, intervalMs = 10_000, now: () => number = Date.now): ThrottledLog {
  const throttle = new LogThrottle(intervalMs, now);
  return (level, cause, fields, msg) => {
    const suppressed = throttle.admit(cause);
    if (suppressed === undefined) return;
    log[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  };
}
