// Where the daemon's log lines go (stdout by default): a destination that never blocks the daemon
// and never kills it. pino's default destination writes synchronously to fd 1 and treats a failed
// write as fatal; with stdout on a full disk (ENOSPC) or a closed pipe (EPIPE) that stalled the
// control API and later crashed the daemon. Here lines are written asynchronously, one write at a
// time, from a bounded queue. While the destination fails, lines are dropped and counted; the
// first write that succeeds again starts with one line saying how many were dropped and why.
import { write as fsWrite, writeSync } from 'node:fs';

export type WriteFn = (fd: number, buffer: Buffer, callback: (err: NodeJS.ErrnoException | null, written: number) => void) => void;

export interface LogDestinationOptions {
  fd?: number;
  /** Most bytes waiting to be written; lines beyond are dropped (and counted). */
  maxQueuedBytes?: number;
  /** Wait after a failed write before the next attempt. */
  retryMs?: number;
  /** Wait after EAGAIN (a non-blocking pipe that is full) before trying the same bytes again. */
  busyRetryMs?: number;
  write?: WriteFn;
}

const defaultWrite: WriteFn = (fd, buffer, callback) => fsWrite(fd, buffer, 0, buffer.length, null, callback);

function countLines(buffer: Buffer): number {
  let n = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) n++;
  return n;
}

/** The line that reports a gap, shaped like the daemon's other JSON log lines. */
export function droppedNotice(dropped: number, cause: string, now = new Date()): string {
  const msg = `dropped ${dropped} log lines while the log destination failed (${cause})`;
  return `${JSON.stringify({ level: 'warn', time: now.toISOString(), pid: process.pid, msg, dropped, cause })}\n`;
}

export class LogDestination {
  private readonly fd: number;
  private readonly maxQueuedBytes: number;
  private readonly retryMs: number;
  private readonly busyRetryMs: number;
  private readonly writeFn: WriteFn;
  private queue: string[] = [];
  private queuedBytes = 0;
  /** Bytes being written (possibly the rest of a partial write), and how many log lines they stand for. */
  private inFlight?: { buffer: Buffer; lines: number } | undefined;
  private waiting?: NodeJS.Timeout | undefined;
  private dropped = 0;
  private cause = '';

  constructor(options: LogDestinationOptions = {}) {
    this.fd = options.fd ?? 1;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.retryMs = options.retryMs ?? 1000;
    this.busyRetryMs = options.busyRetryMs ?? 20;
    this.writeFn = options.write ?? defaultWrite;
  }

  /** Lines dropped since the last successful write. */
  get droppedLines(): number {
    return this.dropped;
  }

  write(line: string): boolean {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++;
      this.cause ||= 'queue full';
      return true;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (this.inFlight === undefined && this.waiting === undefined) this.next();
    return true;
  }

  /** Writes what is queued synchronously, ignoring errors: for the last lines before the process exits. */
  flushSync(): void {
    clearTimeout(this.waiting);
    this.waiting = undefined;
    const text = (this.dropped > 0 ? droppedNotice(this.dropped, this.cause) : '') + this.queue.join('');
    this.queue = [];
    this.queuedBytes = 0;
    if (text === '') return;
    try {
      writeSync(this.fd, text);
      this.dropped = 0;
    } catch {
      // nowhere left to say it
    }
  }

  private next(): void {
    if (this.inFlight === undefined) {
      if (this.queue.length === 0) return;
      const lines = this.queue.length;
      const notice = this.dropped > 0 ? droppedNotice(this.dropped, this.cause) : '';
      // The notice is written with the batch; if that write fails, its count is restored below.
      this.inFlight = { buffer: Buffer.from(notice + this.queue.join('')), lines: lines + this.dropped };
      this.dropped = 0;
      this.queue = [];
      this.queuedBytes = 0;
    }
    const { buffer } = this.inFlight;
    this.writeFn(this.fd, buffer, (err, written) => this.done(err, written));
  }

  private done(err: NodeJS.ErrnoException | null, written: number): void {
    const flight = this.inFlight as { buffer: Buffer; lines: number };
    if (err) {
      if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
        this.later(this.busyRetryMs); // the reader is slow: try the same bytes again shortly
        return;
      }
      // ENOSPC, EPIPE, EIO...: these lines are lost; count them, and try again with later lines.
      this.dropped += flight.lines;
      this.cause = err.code ?? err.message;
      this.inFlight = undefined;
      this.later(this.retryMs);
      return;
    }
    if (written < flight.buffer.length) {
      flight.buffer = flight.buffer.subarray(written);
      flight.lines = countLines(flight.buffer);
      this.next();
      return;
    }
    this.inFlight = undefined;
    if (this.dropped === 0) this.cause = '';
    this.next();
  }

  private later(ms: number): void {
    this.waiting = setTimeout(() => {
      this.waiting = undefined;
      this.next();
    }, ms);
    this.waiting.unref();
  }
}
