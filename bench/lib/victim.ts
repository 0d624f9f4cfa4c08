// What the abuse scenario measures on the daemon under attack: the bytes its data dir holds on disk,
// the bytes its database uses (pages in use, read through a read-only connection, so the WAL's
// size, which any write grows until a checkpoint, does not hide what was stored), and its RSS.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BenchDaemon } from './daemons.js';

/** Bytes of every file in the data dir (database, WAL, identity key...), as `ls -l` adds them up. */
export function dataDirBytes(dataDir: string): number {
  let total = 0;
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    const path = join(dataDir, entry.name);
    if (entry.isDirectory()) total += dataDirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

export class DatabaseSize {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
  }

  /** Bytes of the pages in use (all pages less the free list), as of the last commit. */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  close(): void {
    this.db.close();
  }
}

/** Samples a daemon's VmRSS every `intervalMs` and keeps the highest, in MB. */
export class RssSampler {
  peakMB = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly daemon: BenchDaemon,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    try {
      this.peakMB = Math.max(this.peakMB, this.daemon.memory().rssMB);
    } catch {
      // the daemon is gone: the scenario reports that itself
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
