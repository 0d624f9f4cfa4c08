// Opening the database, and the transactions that make it durable without blocking the event loop:
// each commit returns at once, its fsync runs on the thread pool (wal-sync.ts), checkpoints run in
// a worker (checkpointer.ts), and the events a commit appended are published only once it is on
// disk, in id order. docs/delivery.md ("SQLite settings") says why each setting is what it is.
import { chmodSync, closeSync, fdatasyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ChatEvent } from '../types.js';
import { Checkpointer } from './checkpointer.js';
import type { StoreObserver } from './observer.js';
import { type FileSync, fileSync, WalSync } from './wal-sync.js';

/** Bytes the write-ahead log is trimmed to after a checkpoint. */
const WAL_SIZE_LIMIT = 8 * 1024 * 1024;
/**
 * Log pages after which a commit checkpoints on the event loop: only a backstop, since the
 * checkpointer's worker normally runs long before (src/store/checkpointer.ts).
 */
const AUTOCHECKPOINT_PAGES = 4000;
/** SQLite page cache per connection, in KiB. */
export const CACHE_KIB = 2048;

export type EventListener = (event: ChatEvent) => void;

export interface TransactionOptions {
  /** Told how long commits, fsyncs and checkpoints take (metrics). */
  observer?: StoreObserver | undefined;
  /** How the write-ahead log is made durable; by default an fdatasync on the thread pool (tests hold it back). */
  walSync?: ((walPath: string) => FileSync & { close?(): Promise<void> }) | undefined;
}

/** Opens (or creates, mode 0600) the database with the settings the rest relies on. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  chmodSync(path, 0o600);
  // WAL + synchronous=NORMAL: a commit returns once its frames are written, without an fsync on
  // the event loop; DurableTransactions fsyncs the WAL on the thread pool.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // The write-ahead log keeps the size of its largest burst unless told otherwise; it counts
  // against the storage budget, so trim it after checkpoints.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  db.pragma('foreign_keys = ON');
  // 2 MiB of page cache instead of better-sqlite3's 16 MiB: reading a long history once kept up to
  // 18 MB more resident for good, for no speed measured on inserts or history queries.
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return db;
}

export class DurableTransactions {
  private readonly db: Database.Database;
  private readonly walPath: string;
  private readonly listeners = new Set<EventListener>();
  /** Events appended inside the current transaction, published once it is on disk. */
  private pending: ChatEvent[] = [];
  /** Committed events waiting for the fsync of their commit, oldest first. */
  private unpublished: Array<{ ticket: number; events: ChatEvent[] }> = [];
  private published: number;
  private readonly observer: StoreObserver | undefined;
  private readonly walFile: FileSync & { close?(): Promise<void> };
  private readonly wal: WalSync;
  private readonly checkpointer: Checkpointer;

  /** @param lastEventId the newest event already stored: nothing before it is waiting to be published. */
  constructor(db: Database.Database, lastEventId: number, options: TransactionOptions = {}) {
    this.db = db;
    this.walPath = `${db.name}-wal`;
    this.published = lastEventId;
    this.observer = options.observer;
    this.walFile = (options.walSync ?? fileSync)(this.walPath);
    this.wal = new WalSync(this.walFile, { observer: this.observer, onDurable: (ticket) => this.publishUpTo(ticket) });
    this.checkpointer = new Checkpointer({
      path: db.name,
      walSizeLimit: WAL_SIZE_LIMIT,
      onCheckpoint: (result, seconds) => this.observer?.checkpointed?.(seconds, result.ok),
      checkpointHere: () => {
        const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
        return { ok: true, log: row?.log, checkpointed: row?.checkpointed };
      },
    });
  }

  /** The newest event listeners have heard: replays stop there, so nothing is seen before it is durable. */
  get publishedEventId(): number {
    return this.published;
  }

  /**
   * Runs `fn` in one transaction. It returns once committed, before the fsync: a caller that
   * promises durability ("accepted", "acked") awaits synced() before it says so; `durable` only
   * tells the observer that one will. The events `fn` appended are published after the fsync. A
   * commit nobody waits for costs no fsync of its own, and losing it to a power cut only repeats
   * work (a resend the receiver deduplicates, an expiry done again).
   */
  run<T>(fn: () => T, durable = false): T {
    if (this.db.inTransaction) return fn();
    let result: T;
    const started = performance.now();
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      this.pending = [];
      throw err;
    }
    const ticket = this.wal.noteCommit();
    this.observer?.committed?.((performance.now() - started) / 1000, durable);
    this.checkpointer.committed();
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) {
      this.unpublished.push({ ticket, events });
      // Nobody may wait for this commit (an ack applied): its events still need a sync. A failed
      // sync leaves them queued for the next one, which the next durable caller starts.
      this.wal.waitFor(ticket).catch(() => {});
    }
    return result;
  }

  /** Adds an event stored in the current transaction: published once that transaction is on disk. */
  appended(event: ChatEvent): void {
    this.pending.push(event);
  }

  /** Listeners are called once each commit is on disk, in event id order. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every commit so far is on disk and its events are published. */
  synced(): Promise<void> {
    return this.wal.waitFor();
  }

  /**
   * Ends the checkpointer and fsyncs what is not yet durable, on the loop (a shutdown may), before
   * the caller closes the database. Events still waiting are not published any more.
   */
  close(): void {
    this.checkpointer.stop();
    if (this.db.open && !this.wal.isDurable(this.wal.lastTicket)) syncFileNow(this.walPath);
    this.unpublished = [];
    void this.walFile.close?.();
  }

  /** Publishes, in order, the events of every commit up to `ticket` (now on disk). */
  private publishUpTo(ticket: number): void {
    while (this.unpublished.length > 0 && (this.unpublished[0] as { ticket: number }).ticket <= ticket) {
      const { events } = this.unpublished.shift() as { events: ChatEvent[] };
      for (const event of events) {
        this.published = event.id;
        for (const listener of this.listeners) listener(event);
      }
    }
  }
}

function syncFileNow(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
