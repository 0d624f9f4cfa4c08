// Small tmpfs mounts for disk-full tests (root only), and a filler that takes every free byte.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const IS_ROOT = process.getuid?.() === 0;

export function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

let mountProbe: string | false | undefined;

/**
 * Why small tmpfs mounts cannot be used here, or false when they can: tests pass this as `skip`.
 * Root is not enough in a container without CAP_SYS_ADMIN, so a real mount is tried once.
 */
export function tmpfsUnavailable(): string | false {
  if (mountProbe !== undefined) return mountProbe;
  if (!IS_ROOT) return (mountProbe = 'needs root to mount a small tmpfs');
  try {
    mountTmpfs('1m').remove();
    mountProbe = false;
  } catch (err) {
    mountProbe = `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`;
  }
  return mountProbe;
}

export interface Tmpfs {
  dir: string;
  /**
   * Writes a file until the disk is full; returns its path. Files in `topUp` get newlines appended
   * until their last page is full too (a write into a page already allocated needs no free space).
   */
  fill(topUp?: string[]): string;
  /** Unmounts and removes the mount point; safe to call twice. */
  remove(): void;
}

/** Mounts a private (mode 0700) tmpfs of `size` (e.g. "16m") on a new temporary directory. */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'p2pchat-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  let mounted = true;
  return {
    dir,
    fill(topUp = []) {
      const path = join(dir, 'filler');
      const fd = openSync(path, 'a');
      try {
        for (const chunk of [1024 * 1024, 4096, 512, 1]) {
          const buffer = Buffer.alloc(chunk);
          try {
            for (;;) writeSync(fd, buffer);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
      for (const file of topUp) {
        const appendFd = openSync(file, 'a');
        try {
          for (;;) writeSync(appendFd, '\n');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        } finally {
          closeSync(appendFd);
        }
      }
      return path;
    },
    remove() {
      if (mounted) {
        try {
          execFileSync('umount', [dir]);
        } catch {
          execFileSync('umount', ['-l', dir]); // still busy (a daemon that did not exit): detach it
        }
        mounted = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
