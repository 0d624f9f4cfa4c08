// Where a daemon keeps its files. Used by both the daemon and the CLI, so it stays dependency-free.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Unix socket paths are limited to 108 bytes including the NUL (104 on macOS); stay under both. */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface PathInputs {
  /** `--home` / `P2PCHAT_HOME`: everything of one daemon in one directory. */
  home?: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface DaemonPaths {
  home?: string | undefined;
  dataDir: string;
  configFile: string;
  socketPath: string;
}

/**
 * Where sockets go: $XDG_RUNTIME_DIR/p2pchat, or /tmp/p2pchat-<uid> without one. Anyone can create
 * that name in /tmp first, so the daemon trusts neither by name: it creates the directory 0700 or
 * refuses one it does not own (src/daemon/private-dir.ts), and the CLI checks the socket's owner.
 */
function runtimeDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg) return join(xdg, 'p2pchat');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join('/tmp', `p2pchat-${uid}`);
}

export function socketPathFits(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;
}

/**
 * The default locations, following XDG: data in $XDG_DATA_HOME/p2pchat, config in
 * $XDG_CONFIG_HOME/p2pchat/config.json, socket in $XDG_RUNTIME_DIR/p2pchat. With a home directory,
 * all of them live inside it; the socket falls back to a short hashed name in the runtime dir when
 * the home path is too long for a Unix socket, so the CLI can compute the same path.
 */
export function defaultPaths({ home, env }: PathInputs): DaemonPaths {
  if (home) {
    const dir = resolve(home);
    const inHome = join(dir, 'p2pchat.sock');
    const socketPath = socketPathFits(inHome)
      ? inHome
      : join(runtimeDir(env), `${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.sock`);
    return { home: dir, dataDir: dir, configFile: join(dir, 'config.json'), socketPath };
  }
  const userHome = env.HOME || homedir();
  const dataDir = join(env.XDG_DATA_HOME || join(userHome, '.local', 'share'), 'p2pchat');
  const configFile = join(env.XDG_CONFIG_HOME || join(userHome, '.config'), 'p2pchat', 'config.json');
  const socketPath = env.XDG_RUNTIME_DIR ? join(runtimeDir(env), 'p2pchat.sock') : join(dataDir, 'p2pchat.sock');
  return { dataDir, configFile, socketPath };
}
