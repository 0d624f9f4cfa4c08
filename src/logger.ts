// Structured logs: JSON when stdout is not a terminal (systemd, Docker), readable on a terminal.
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export function createLogger(level: string, forceJson = !process.stdout.isTTY): Logger {
  const options = { level, base: { pid: process.pid } };
  if (forceJson) return pino(options);
  return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}
