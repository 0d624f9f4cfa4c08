// Durable commits without blocking the event loop. Every transaction commits with
// synchronous=NORMAL: SQLite appends its frames to the write-ahead log (WAL) in the OS page cache
// and returns, in tens of microseconds. WalSync then makes them durable with one fdatasync of the
// WAL on libuv's thread pool. While that runs, the loop keeps accepting requests and frames and
// committing them; all of those share the next fdatasync. At most two syncs run at a time and one
// waits, whatever the load.
//
// Why this is enough: the WAL is written sequentially and each frame's checksum chains to the one
// before it, so recovery after a power cut keeps a prefix of the commits and never a later commit
// without an earlier one. An fdatasync that started after commit N returned makes commits 1..N
// durable. Checkpoints are SQLite's own: with synchronous=NORMAL it syncs the WAL before copying
// pages into the database, syncs the database after, and syncs the WAL header when it starts to
// reuse the file, so a checkpoint never undoes what a sync here made durable (docs/delivery.md).
import { closeSync, fdatasync, openSync } from 'node:fs';
import type { StoreObserver } from './observer.js';

/** Makes everything written to one file so far durable (fdatasync), off the event loop. */
export type FileSync = () => Promise<void>;

/**
 * An fdatasync of `path` on the thread pool, through a descriptor opened on first use (the WAL
 * exists once anything was written) and kept. `close` waits for a sync in flight.
 */
export function fileSync(path: string): FileSync & { close(): Promise<void> } {
  let fd: number | undefined;
  let running: Promise<void> = Promise.resolve();
  const sync = (): Promise<void> => {
    running = new Promise<void>((resolve, reject) => {
      try {
        // Read-only is enough: fdatasync flushes the file's data, whichever descriptor wrote it.
        fd ??= openSync(path, 'r');
      } catch (err) {
        reject(err as Error);
        return;
      }
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
    return running;
  };
  const close = async (): Promise<void> => {
    await running.catch(() => {});
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return Object.assign(sync, { close });
}

/**
 * Syncs running at once at most. With one, a request could wait behind a sync that started just
 * before its commit (one a bookkeeping commit asked for) and then for its own: two fsyncs instead
 * of one. With two, it starts its own at once; more would only split the group commits.
 */
const MAX_IN_FLIGHT = 2;

export class WalSync {
  private readonly sync: FileSync;
  private readonly observer: StoreObserver | undefined;
  private readonly onDurable: (ticket: number) => void;
  /** Commits noted so far; a commit's ticket is its number. */
  private committed = 0;
  /** Every commit with a ticket up to this one is on disk. */
  private durable = 0;
  private readonly inFlight = new Set<{ target: number; done: Promise<void> }>();
  /** The sync that starts when one in flight ends; it covers every commit noted until then. */
  private queued: Promise<void> | undefined;

  /**
   * @param onDurable called after each successful sync with the newest ticket now durable,
   *   before any waiter of that sync is resumed.
   */
  constructor(sync: FileSync, options: { observer?: StoreObserver | undefined; onDurable: (ticket: number) => void }) {
    this.sync = sync;
    this.observer = options.observer;
    this.onDurable = options.onDurable;
  }

  /** Notes one commit; returns its ticket. */
  noteCommit(): number {
    return ++this.committed;
  }

  /** The ticket of the newest commit noted. */
  get lastTicket(): number {
    return this.committed;
  }

  isDurable(ticket: number): boolean {
    return ticket <= this.durable;
  }

  /** Resolves once the commit with this ticket (by default: every commit so far) is on disk. */
  waitFor(ticket = this.committed): Promise<void> {
    if (ticket <= this.durable) return Promise.resolve();
    for (const sync of this.inFlight) if (sync.target >= ticket) return sync.done;
    if (this.queued) return this.queued;
    if (this.inFlight.size < MAX_IN_FLIGHT) return this.start();
    // The queued sync is a new attempt when one ends, whatever happened to that one.
    this.queued = Promise.race([...this.inFlight].map((sync) => sync.done.catch(() => {}))).then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<void> {
    // An fdatasync flushes everything written to the file before it started, so when it ends,
    // every commit up to `target` is durable, whichever sync started first.
    const target = this.committed;
    const started = performance.now();
    const sync = { target, done: Promise.resolve() };
    sync.done = this.sync().then(
      () => {
        this.inFlight.delete(sync);
        const commits = Math.max(0, target - this.durable);
        this.durable = Math.max(this.durable, target);
        this.observer?.synced?.((performance.now() - started) / 1000, commits);
        this.onDurable(this.durable);
      },
      (err: unknown) => {
        this.inFlight.delete(sync);
        throw err;
      },
    );
    this.inFlight.add(sync);
    return sync.done;
  }
}
