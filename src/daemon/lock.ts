// One daemon per data dir: a pid file created exclusively. A pid file or socket left by a crashed
// daemon is detected and replaced; a live one makes start-up fail with a clear message.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { StartupRefusal } from './startup-error.js';

export const LOCK_FILE = 'daemon.pid';

export class AlreadyRunningError extends StartupRefusal {
  override name = 'AlreadyRunningError';
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data dir's lock; returns a function that releases it. */
export function acquireLock(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (isAlive(pid)) {
        throw new AlreadyRunningError(`another p2pchat daemon (pid ${pid}) is already running with data dir ${dataDir}`);
      }
      unlinkSync(path); // stale: its daemon died without cleaning up
    }
  }
  throw new AlreadyRunningError(`could not take the lock ${path}; another daemon is starting`);
}

/** Removes a socket file nobody listens on; refuses if a daemon answers on it. */
export async function clearStaleSocket(socketPath: string): Promise<'none' | 'removed'> {
  const state = await new Promise<'live' | 'stale' | 'none'>((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? 'none' : 'stale'));
  });
  if (state === 'live') throw new AlreadyRunningError(`another daemon is already listening on ${socketPath}`);
  if (state === 'none') return 'none';
  unlinkSync(socketPath);
  return 'removed';
}
