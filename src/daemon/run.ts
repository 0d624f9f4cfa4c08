// `p2pchat daemon`: loads the config, starts the daemon in the foreground, stops it on signals.
// Loaded only by the daemon command, so that other CLI commands never load libp2p.
import '../polyfills.js';
import { ConfigError, type ConfigFlags, loadConfig } from '../config/load.js';
import { createLogger } from '../logger.js';
import { Daemon, SHUTDOWN_TIMEOUT_MS } from './daemon.js';
import { IdentityError } from './identity.js';
import { AlreadyRunningError } from './lock.js';

/** Exit codes of the daemon, documented in README.md. */
export const DAEMON_EXIT = { ok: 0, failed: 1, config: 78 } as const;

export async function runDaemon(flags: ConfigFlags): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`p2pchat: ${err.message}\n`);
      return DAEMON_EXIT.config;
    }
    throw err;
  }
  const log = await createLogger(config.logLevel);
  const daemon = new Daemon(config, log);
  try {
    await daemon.start();
  } catch (err) {
    const known = err instanceof IdentityError || err instanceof AlreadyRunningError;
    log.fatal(known ? { reason: (err as Error).message } : { err }, 'daemon failed to start');
    // The log may go to a file or journal as JSON: say it in one plain line on stderr too.
    if (known) process.stderr.write(`p2pchat: ${(err as Error).message}\n`);
    return known ? DAEMON_EXIT.config : DAEMON_EXIT.failed;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting at once');
        resolve(DAEMON_EXIT.failed);
        return;
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting anyway');
        resolve(DAEMON_EXIT.failed);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      daemon.stop().then(
        () => {
          clearTimeout(timer);
          log.info('stopped');
          resolve(DAEMON_EXIT.ok);
        },
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(DAEMON_EXIT.failed);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
