// What the chat service does when incoming messages cannot be stored (a full disk, most often):
// not stored means not acked, so the sender keeps them and retries, and it retries as soon as its
// stream closes. Holding the stream (unread, unacked) for a while before closing it paces those
// retries; the fault is logged once per interval and cause, not once per retry.
import { type ThrottledLog, throttledLog } from '../log-throttle.js';
import type { Logger } from '../logger.js';
import { isStorageFull } from '../store/storage-full.js';

/** How long to hold a stream after `failures` failures in a row from one peer: 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function holdAfterStoreFailure(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 10_000);
}

/** Peers remembered at most (a peer is forgotten on its next successful store). */
const MAX_PEERS = 10_000;

export class StoreFailures {
  private readonly failures = new Map<string, number>();
  private readonly logThrottled: ThrottledLog;

  constructor(log: Logger) {
    this.logThrottled = throttledLog(log);
  }

  succeeded(peerId: string): void {
    this.failures.delete(peerId);
  }

  /** Records a failed store for `peerId`, logs it (throttled), and returns how long to hold its stream. */
  failed(peerId: string, err: Error): number {
    const count = (this.failures.get(peerId) ?? 0) + 1;
    if (this.failures.size < MAX_PEERS || this.failures.has(peerId)) this.failures.set(peerId, count);
    const full = isStorageFull(err);
    this.logThrottled(
      'error',
      full ? 'storage-full' : `store-failed:${String((err as { code?: unknown }).code ?? 'unknown')}`,
      { peer: peerId, err: err.message },
      full ? 'data disk full: incoming messages not stored; senders will retry' : 'failed to store incoming messages',
    );
    return holdAfterStoreFailure(count);
  }

  /** A write that may be skipped on a full disk (a peer's hello): false, and logged, when the disk is full. */
  tryWrite(peerId: string, what: string, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.logThrottled('error', 'storage-full', { peer: peerId, err: (err as Error).message }, `data disk full: ${what} not saved`);
      return false;
    }
  }
}
