// Structured logs: JSON lines when stdout is not a terminal (systemd, Docker), readable on a terminal.
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Message texts are private: whatever a log call passes, a `text` field up to three levels deep is
 * replaced, at every level (debug included), so no refactoring can leak one into journald or `docker logs`.
 */
export const REDACTED_PATHS = ['text', '*.text', '*.*.text', '*[*].text', '*.*[*].text'];
export const REDACTED = '[redacted]';

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    // ISO times and level names read well in `docker logs`, `journalctl -o cat` and `jq`.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
}

/** JSON lines, or readable text on a terminal; pino-pretty is loaded only then. */
export async function createLogger(level: string, forceJson = !process.stdout.isTTY): Promise<Logger> {
  const options = loggerOptions(level);
  if (forceJson) return pino(options);
  const { default: pretty } = await import('pino-pretty');
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}
