// The one place that knows how a full disk shows up: SQLite's SQLITE_FULL ("database or disk is
// full") and the operating system's ENOSPC. The control API answers these with `storage_full`
// (HTTP 507) and the chat protocol paces senders' retries with them.

export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/** What a user is told when a send could not be stored. */
export const STORAGE_FULL_MESSAGE =
  'the daemon’s data disk is full: the message was not stored. Free space on the disk that holds its data directory (shown by p2pchat status), then send again';
