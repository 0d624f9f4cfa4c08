// Checks before the daemon uses its files: private directories, a socket path that fits, and a
// database that is neither empty (while an identity exists) nor damaged. Each failure is a
// StartupRefusal with one line naming the path and what to do.
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { MAX_SOCKET_PATH_BYTES, socketPathFits } from '../config/paths.js';
import type { Logger } from '../logger.js';
import { checkDatabaseFile, moveDatabaseAside } from '../store/integrity.js';
import { DATABASE_FILE } from '../store/store.js';
import { ensurePrivateDir } from './private-dir.js';
import { StartupRefusal } from './startup-error.js';

export class DatabaseRefusedError extends StartupRefusal {
  override name = 'DatabaseRefusedError';
}

/** The data dir and the socket's directory: created 0700, or refused when another user could reach into them. */
export function checkDirectories(config: Pick<ResolvedConfig, 'dataDir' | 'socket'>, log: Logger): void {
  if (!socketPathFits(config.socket)) {
    throw new StartupRefusal(`socket path ${config.socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; set a shorter "socket" path`);
  }
  const dirs: [string, string][] = [[config.dataDir, 'data directory']];
  if (dirname(config.socket) !== config.dataDir) dirs.push([dirname(config.socket), 'socket directory']);
  for (const [dir, what] of dirs) {
    const { created, tightened } = ensurePrivateDir(dir, what);
    if (created) log.info({ dir }, `created the ${what}`);
    if (tightened) log.warn({ dir }, `${what} was readable by other users; made it private (mode 0700)`);
  }
}

/**
 * Refuses an empty or damaged database, or with `reset` moves it aside (never deleting it) so the
 * store starts with a new one. `identityIsNew`: the identity key was created by this start.
 */
export function checkDatabase(dataDir: string, options: { identityIsNew: boolean; reset: boolean }, log: Logger): void {
  const path = join(dataDir, DATABASE_FILE);
  const verdict = checkDatabaseFile(path, !options.identityIsNew);
  if (verdict.ok) {
    if (options.reset) log.warn({ path }, 'the database is healthy: --reset-database changed nothing');
    return;
  }
  if (!options.reset) {
    throw new DatabaseRefusedError(
      `database ${path} ${verdict.problem}. Restore it from a backup, or start with an empty history on purpose: p2pchat daemon --reset-database (moves the file aside, deletes nothing)`,
    );
  }
  const aside = moveDatabaseAside(path);
  log.warn({ path, movedTo: aside, problem: verdict.problem }, 'moved the database aside; starting with an empty one');
  process.stderr.write(`p2pchat: database ${path} ${verdict.problem}; moved it to ${aside} and starting with an empty one\n`);
}
