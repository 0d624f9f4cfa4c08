// The directories the daemon keeps private files in: the data dir, the control socket's directory,
// and the per-user runtime fallback under /tmp. Another local user must not be able to plant one
// (so the daemon would put its socket or database in a directory that user controls) or write
// into one. A missing directory is created with mode 0700; an existing one is checked with lstat,
// which never follows a symbolic link.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StartupRefusal } from './startup-error.js';

export class UnsafeDirectoryError extends StartupRefusal {
  override name = 'UnsafeDirectoryError';
}

/** What the decision needs of an lstat. */
export interface DirStat {
  uid: number;
  mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export type DirVerdict = { ok: true; tighten: boolean } | { ok: false; reason: string; fix: string };

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Whether a directory may hold the daemon's private files, for a daemon running as `uid`.
 * Group- or world-readable (but not writable) is accepted and tightened to 0700: files the daemon
 * did not create itself (SQLite's -wal and -shm files follow the umask) would otherwise be readable.
 */
export function judgePrivateDir(st: DirStat, uid: number): DirVerdict {
  if (st.isSymbolicLink()) return { ok: false, reason: 'is a symbolic link', fix: 'give the real path of the directory instead' };
  if (!st.isDirectory()) return { ok: false, reason: 'is not a directory', fix: 'move it away or choose another path' };
  if (st.uid !== uid) {
    return { ok: false, reason: `belongs to uid ${st.uid}, not to this user (uid ${uid})`, fix: 'remove it or choose another path' };
  }
  if ((st.mode & 0o022) !== 0) {
    return { ok: false, reason: `is writable by other users (mode ${octal(st.mode)})`, fix: 'make it private with chmod 700' };
  }
  return { ok: true, tighten: (st.mode & 0o077) !== 0 };
}

export interface PrivateDirResult {
  created: boolean;
  /** It was group- or world-readable and is now 0700. */
  tightened: boolean;
}

/**
 * Creates `dir` (mode 0700) or checks the one that is there; throws UnsafeDirectoryError, naming
 * `what` and the path, for one that another user owns, others can write, or that is a symlink.
 * Only the last component is created without following links: parents are created as needed.
 */
export function ensurePrivateDir(dir: string, what: string, uid = process.getuid?.()): PrivateDirResult {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    mkdirSync(dir, { mode: 0o700 });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Checked even when we just created it: what counts is what is there now.
  const st = lstatSync(dir);
  if (uid === undefined) return { created, tightened: false }; // no users to tell apart (Windows)
  const verdict = judgePrivateDir(st, uid);
  if (!verdict.ok) throw new UnsafeDirectoryError(`refusing to use ${what} ${dir}: it ${verdict.reason}; ${verdict.fix}`);
  if (verdict.tighten) chmodSync(dir, 0o700);
  return { created, tightened: verdict.tighten };
}
