// The last line of defence for a full data disk. Background work writes to the store from timers
// and event handlers (a peer connecting, acks arriving, outgoing messages marked sent); with the
// disk full each of those writes throws SQLITE_FULL where nothing catches it, and a peer
// connecting was enough to crash the daemon. A failed write has been rolled back by SQLite, and
// the work is retried or redone later (acks are resent, peers reconnect), so such an error is
// logged (once per interval) and the daemon carries on. Any other uncaught error still ends the
// process as Node would: exit 1, after a fatal log line and one line on stderr.
import { throttledLog } from '../log-throttle.js';
import type { Logger } from '../logger.js';
import { isStorageFull } from '../store/storage-full.js';
import { oneLine } from './startup-error.js';

export function installStorageFullGuard(log: Logger): () => void {
  const logFull = throttledLog(log);
  const onError = (err: unknown) => {
    if (isStorageFull(err)) {
      logFull('error', 'storage-full', { err: (err as Error).message }, 'data disk full: background work not saved; it is retried later');
      return;
    }
    log.fatal({ err }, 'uncaught error; exiting');
    try {
      process.stderr.write(`p2pchat: daemon failed: ${oneLine((err as Error)?.message ?? String(err))}\n`);
    } catch {
      // stderr is gone as well
    }
    process.exit(1);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
