// Rate-limited logging per cause: a fault that repeats many times a second (a full disk refusing
// every retried message) gives its first line at once, then at most one line per interval with the
// number of occurrences in between, instead of flooding the log.
import type { Logger } from './logger.js';

interface CauseState {
  /** When the next line for this cause may be written. */
  nextAt: number;
  suppressed: number;
}

/** The decision, without I/O: `admit` answers undefined (stay quiet) or how many were suppressed before this one. */
export class LogThrottle {
  private readonly causes = new Map<string, CauseState>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  admit(cause: string): number | undefined {
    const now = this.now();
    const state = this.causes.get(cause);
    if (state === undefined || now >= state.nextAt) {
      const suppressed = state?.suppressed ?? 0;
      this.causes.set(cause, { nextAt: now + this.intervalMs, suppressed: 0 });
      return suppressed;
    }
    state.suppressed++;
    return undefined;
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
