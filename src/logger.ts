// Structured logs: JSON lines when stdout is not a terminal (systemd, Docker), readable on a terminal.
import { type Logger, type LoggerOptions, pino } from 'pino';
import pretty from 'pino-pretty';

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

export function createLogger(level: string, forceJson = !process.stdout.isTTY): Logger {
  const options = loggerOptions(level);
  if (forceJson) return pino(options);
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}
