// The storage budget of the data dir: how many bytes the database may take, and whether an incoming
// message still fits. The admission path asks on every incoming batch, so the answer comes from a
// cached measurement plus what was admitted since, and the database is measured again (a few
// microseconds) once a second or once enough was admitted.
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import { isStorageFull } from './storage-full.js';
import type { Store } from './store.js';

const MiB = 1024 * 1024;
/**
 * Bytes a stored message takes beyond its text (the message row's other columns, its event row,
 * and their index entries; measured about 300 for 100-byte texts), so that what is admitted
 * between two measurements is not underestimated.
 */
export const STORED_MESSAGE_OVERHEAD = 320;
const GiB = 1024 * MiB;

/**
 * `storage.maxBytes: 0` (auto): a tenth of the space the database can use when the daemon starts
 * (its own size plus the free space of its filesystem), at most 2 GiB and at least 64 MiB. Texts are
 * small: 2 GiB hold some ten million messages, years of heavy use, while a tenth of the disk leaves
 * the rest to everything else on it; the floor keeps a daemon on a small disk useful.
 */
export const AUTO_BUDGET = { fraction: 0.1, maxBytes: 2 * GiB, minBytes: 64 * MiB } as const;

export function autoMaxBytes(usedBytes: number, freeBytes: number): number {
  const share = Math.floor((usedBytes + freeBytes) * AUTO_BUDGET.fraction);
  return Math.max(AUTO_BUDGET.minBytes, Math.min(AUTO_BUDGET.maxBytes, share));
}

export interface StorageLimits {
  maxBytes: number;
  /** Free space the filesystem must keep, whatever the budget says. */
  minFreeBytes: number;
}

/** Whether `bytes` more fit: within the budget, and leaving the filesystem its minimum of free space. */
export function fits(usedBytes: number, freeBytes: number, bytes: number, limits: StorageLimits): boolean {
  return usedBytes + bytes <= limits.maxBytes && freeBytes - bytes >= limits.minFreeBytes;
}

const PAGES_IN_USE =
  'SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()';

function walBytes(databasePath: string): number {
  return statSync(`${databasePath}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * Bytes the database holds: its pages in use (free pages are reused before the file grows, so they
 * do not count) plus its write-ahead log, which takes disk space until a checkpoint trims it.
 */
export function databaseBytes(db: Database.Database, path: string): number {
  return (db.prepare(PAGES_IN_USE).pluck().get() as number) + walBytes(path);
}

export function freeBytesOn(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

export interface StorageBudgetOptions {
  /** 0: auto (see AUTO_BUDGET). */
  maxBytes: number;
  minFreeBytes: number;
  /** Measure again after this long, or once this many bytes were admitted since the last measurement. */
  refreshMs?: number;
  refreshBytes?: number;
}

export interface StorageBudgetComponents {
  store: Store;
  log: Logger;
  now?: () => number;
  freeBytes?: (dir: string) => number;
}

export class StorageBudget {
  readonly maxBytes: number;
  private readonly limits: StorageLimits;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly freeBytes: (dir: string) => number;
  private readonly dir: string;
  private readonly refreshMs: number;
  private readonly refreshBytes: number;
  private readonly measureStmt: Database.Statement;
  private measured = 0;
  private free = 0;
  private measuredAt = Number.NEGATIVE_INFINITY;
  /** Admitted since the last measurement: counted as used until the measurement sees it. */
  private admitted = 0;
  private full = false;

  constructor(components: StorageBudgetComponents, options: StorageBudgetOptions) {
    this.store = components.store;
    this.log = components.log;
    this.now = components.now ?? Date.now;
    this.freeBytes = components.freeBytes ?? freeBytesOn;
    this.dir = dirname(this.store.path);
    this.refreshMs = options.refreshMs ?? 1000;
    this.refreshBytes = options.refreshBytes ?? 256 * 1024;
    this.measureStmt = this.store.database.prepare(PAGES_IN_USE).pluck();
    this.measure();
    this.maxBytes = options.maxBytes > 0 ? options.maxBytes : autoMaxBytes(this.measured, this.free);
    this.limits = { maxBytes: this.maxBytes, minFreeBytes: options.minFreeBytes };
    // Already full at start (a smaller budget than before, a fuller disk): say so now, not at the first refusal.
    if (!fits(this.measured, this.free, 0, this.limits)) {
      this.full = true;
      this.reportFull();
    }
  }

  /** Bytes the database uses now (as of the last measurement, at most a second old, plus what was admitted since). */
  usedBytes(): number {
    this.refreshIfStale();
    return this.measured + this.admitted;
  }

  /**
   * Whether `bytes` more of incoming messages fit. When they do, they are counted as used until the
   * next measurement, since the caller stores them next. The first refusal after a time with room
   * publishes a `storage-full` event and logs a warning; the first admission after that logs that
   * there is room again.
   */
  hasRoomFor(textBytes: number): boolean {
    this.refreshIfStale();
    // What storing it costs: the text plus its row, its event and their index entries.
    const bytes = textBytes + STORED_MESSAGE_OVERHEAD;
    let room = fits(this.measured + this.admitted, this.free - this.admitted, bytes, this.limits);
    if (!room && !this.full && walBytes(this.store.path) > 0) {
      // Before refusing, give back what the write-ahead log holds beyond the database: up to a
      // few MiB of pages already in the database, which a small budget would otherwise count twice.
      // On a disk that is full already the checkpoint itself cannot write: then there is no room.
      try {
        this.store.database.pragma('wal_checkpoint(TRUNCATE)');
        this.measure();
        room = fits(this.measured, this.free, bytes, this.limits);
      } catch (err) {
        if (!isStorageFull(err)) throw err;
      }
    }
    if (room) {
      this.admitted += bytes;
      if (this.full) {
        this.full = false;
        this.log.info({ usedBytes: this.measured, maxBytes: this.maxBytes }, 'storage below its budget again: accepting incoming messages');
      }
    } else if (!this.full) {
      this.full = true;
      this.reportFull();
    }
    return room;
  }

  /** Measures the database and the free space now. */
  refresh(): void {
    this.measure();
  }

  private refreshIfStale(): void {
    if (this.admitted >= this.refreshBytes || this.now() - this.measuredAt >= this.refreshMs) this.measure();
  }

  private measure(): void {
    this.measured = (this.measureStmt.get() as number) + walBytes(this.store.path);
    this.free = this.freeBytes(this.dir);
    this.measuredAt = this.now();
    this.admitted = 0;
  }

  private reportFull(): void {
    const figures = { usedBytes: this.measured, maxBytes: this.maxBytes, freeBytes: this.free, minFreeBytes: this.limits.minFreeBytes };
    this.log.warn(figures, 'storage budget reached: refusing incoming messages until history is pruned or the budget raised');
    try {
      this.store.publishEvent('storage-full', { usedBytes: this.measured, maxBytes: this.maxBytes });
    } catch (err) {
      // The disk itself may be full: the refusal stands without its event.
      this.log.warn({ err: (err as Error).message }, 'could not record the storage-full event');
    }
  }
}
