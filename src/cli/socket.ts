// Finds the daemon's control socket the same way the daemon chose it, without loading the config
// schema: --socket, then P2PCHAT_SOCKET, then the config file's "socket", then the default.
import { readFileSync } from 'node:fs';
import { defaultPaths } from '../config/paths.js';

export function findSocket(
  opts: { home?: string | undefined; socket?: string | undefined; config?: string | undefined },
  env = process.env,
): string {
  if (opts.socket) return opts.socket;
  if (env.P2PCHAT_SOCKET) return env.P2PCHAT_SOCKET;
  const paths = defaultPaths({ home: opts.home ?? (env.P2PCHAT_HOME || undefined), env });
  const configFile = opts.config ?? (env.P2PCHAT_CONFIG || paths.configFile);
  try {
    const fromFile = (JSON.parse(readFileSync(configFile, 'utf8')) as { socket?: unknown }).socket;
    if (typeof fromFile === 'string' && fromFile !== '') return fromFile;
  } catch {
    // no config file, or one the daemon will complain about: use the default
  }
  return paths.socketPath;
}
