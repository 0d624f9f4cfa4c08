// What the store reports about its own work, for metrics. Every method is optional: a store
// without an observer (tests, tools) reports nothing.

export interface StoreObserver {
  /** A transaction committed: how long it held the event loop, and whether a caller waits for its fsync. */
  committed?(seconds: number, durable: boolean): void;
  /** One fsync of the write-ahead log finished (off the event loop): how long it took, and how many commits it made durable. */
  synced?(seconds: number, commits: number): void;
  /** A WAL checkpoint finished in its worker thread (`ok` false: it failed, SQLite's own checkpoint backs it up). */
  checkpointed?(seconds: number, ok: boolean): void;
}
