// The database file checked before the store opens it. A 0-byte file next to an existing identity
// is history that was lost (a failed copy or restore, a truncating tool), and a damaged file would
// start fine and then fail every query that touches a bad page: both are refused at start-up,
// never silently replaced. Only what SQLite itself calls damage counts; other errors (a full disk,
// permissions) are passed on as they are, since moving the file aside would not fix them.
import { existsSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CACHE_KIB } from './transactions.js';

export type DatabaseVerdict = { ok: true } | { ok: false; problem: string };

/** SQLite's codes for a file that is not (or no longer) a valid database. */
const DAMAGE_CODES = /^SQLITE_(CORRUPT|NOTADB)/;

/** Files that belong to a database in WAL mode. */
const COMPANIONS = ['', '-wal', '-shm'];

/**
 * Checks the database at `path`. `expectHistory` is true when an identity key existed before this
 * start, so the daemon has run here before and an empty file means lost history.
 * `PRAGMA quick_check` reads every page once (about a second per GB); it skips only the
 * cross-checks between tables and their indexes.
 */
export function checkDatabaseFile(path: string, expectHistory: boolean): DatabaseVerdict {
  if (!existsSync(path)) return { ok: true };
  if (statSync(path).size === 0) {
    return expectHistory ? { ok: false, problem: 'is empty (0 bytes) although this daemon has an identity key' } : { ok: true };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    // The check reads every page once: a small cache keeps that from staying resident.
    db.pragma(`cache_size = -${CACHE_KIB}`);
    const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
    const findings = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    return findings.length === 0 ? { ok: true } : { ok: false, problem: `is damaged (quick_check: ${findings.join('; ')})` };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGE_CODES.test(code)) return { ok: false, problem: `is damaged (${(err as Error).message})` };
    throw err;
  } finally {
    try {
      db?.close();
    } catch {
      // closing a damaged file can fail too; the verdict stands
    }
  }
}

/** Renames the database and its -wal and -shm files to `<name>.bad-<time>`; returns the new name. Deletes nothing. */
export function moveDatabaseAside(path: string, now = new Date()): string {
  const suffix = `.bad-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
  for (const companion of COMPANIONS) {
    if (existsSync(path + companion)) renameSync(path + companion, `${path}${suffix}${companion}`);
  }
  return `${path}${suffix}`;
}
