// `p2pchat daemon`: loads the config, starts the daemon in the foreground, stops it on signals.
// Loaded only by the daemon command, so that other CLI commands never load libp2p.
import '../polyfills.js';
import { ConfigError, type ConfigFlags, loadConfig } from '../config/load.js';
import { createLogger } from '../logger.js';
import { Daemon, type DaemonOptions, SHUTDOWN_TIMEOUT_MS } from './daemon.js';
import { installStorageFullGuard } from './fault-guard.js';
import { oneLine, StartupRefusal } from './startup-error.js';
import { letYoungGenerationGrow } from '../young-generation.js';

/** Exit codes of the daemon, documented in README.md. */
export const DAEMON_EXIT = { ok: 0, failed: 1, config: 78 } as const;

/** Why the daemon did not start, in one line on stderr: the log may be JSON in a file or a journal. */
function sayWhy(message: string): void {
  try {
    process.stderr.write(`p2pchat: ${oneLine(message)}\n`);
  } catch {
    // stderr is gone too: the exit code still tells
  }
}

export async function runDaemon(flags: ConfigFlags, options: DaemonOptions = {}): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      sayWhy(err.message);
      return DAEMON_EXIT.config;
    }
    throw err;
  }
  const log = await createLogger(config.logLevel);
  installStorageFullGuard(log);
  // `POST /v1/stop` takes the same path as SIGTERM, once the signal handlers below exist.
  let stopRequested = (): void => {};
  const daemon = new Daemon(config, log, { ...options, onStopRequested: () => stopRequested() });
  try {
    await daemon.start();
  } catch (err) {
    // A refusal is the operator's to fix (exit 78: systemd does not restart); anything else may be
    // passing (exit 1). Either way one plain line on stderr, and the details in the log.
    const refused = err instanceof StartupRefusal;
    const message = (err as Error).message ?? String(err);
    log.fatal(refused ? { reason: message } : { err }, 'daemon failed to start');
    sayWhy(refused ? message : `daemon failed to start: ${message}`);
    return refused ? DAEMON_EXIT.config : DAEMON_EXIT.failed;
  }
  // Start-up is over: from now on a larger young generation pays for itself (see young-generation.ts).
  letYoungGenerationGrow();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals | 'stop request') => {
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
    stopRequested = () => shutdown('stop request');
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
