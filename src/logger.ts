// Structured logs: JSON lines when stdout is not a terminal (systemd, Docker), readable on a terminal.
import { Writable } from 'node:stream';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { LogDestination } from './log-destination.js';

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

/**
 * JSON lines, or readable text on a terminal; pino-pretty is loaded only then. Both go through a
 * LogDestination, so a log destination that fails (a full disk, a closed pipe) costs log lines,
 * never the daemon; what is still queued when the process exits is written synchronously.
 */
export async function createLogger(
  level: string,
  forceJson = !process.stdout.isTTY,
  destination = new LogDestination({ fd: 1 }),
): Promise<Logger> {
  const options = loggerOptions(level);
  process.once('exit', () => destination.flushSync());
  if (forceJson) return pino(options, destination);
  const { default: pretty } = await import('pino-pretty');
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      destination.write(String(chunk));
      callback();
    },
  });
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: sink }));
}
