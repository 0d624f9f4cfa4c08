// WAL checkpoints off the event loop while the daemon is busy. SQLite's automatic checkpoint runs
// inside whichever commit crosses the threshold: it copies the log into the database and fsyncs
// both files, and that commit (so the whole event loop) waits several milliseconds. Here, once
// CHECKPOINT_COMMITS commits have piled up, a worker thread with its own connection runs a PASSIVE
// checkpoint instead. PASSIVE never blocks the daemon's writer, and with synchronous=NORMAL SQLite
// syncs the WAL before copying and the database after, so it never undoes a durable commit.
// The worker costs about 10 MB while it lives, so it starts only for such a burst and ends after a
// while without one. A quiet daemon (fewer commits than that in QUIET_CHECKPOINT_MS) checkpoints on
// its own thread instead, when the timer fires: a checkpoint with little or nothing to copy costs
// little, and nothing is waiting then. SQLite's own automatic checkpoint stays as a backstop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits between two checkpoints at most (a commit writes a few pages of the log). */
export const CHECKPOINT_COMMITS = 200;
/** With fewer commits than that, a checkpoint runs on the daemon's own thread this long after the last one. */
export const QUIET_CHECKPOINT_MS = 10_000;
/** The worker ends after this long without commits; the next commit starts it again. */
const IDLE_MS = 30_000;

// Runs in the worker: CommonJS, given the path of better-sqlite3 and of the database.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('journal_size_limit = ' + workerData.walSizeLimit);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, busy: result.busy, log: result.log, checkpointed: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message) });
  }
});
`;

export interface CheckpointResult {
  ok: boolean;
  /** Frames in the log, and how many of them are now in the database. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface CheckpointerOptions {
  /** Path of the database file. */
  path: string;
  walSizeLimit: number;
  /** Told after each checkpoint (a failed one included: the automatic checkpoint still backs it up). */
  onCheckpoint?: ((result: CheckpointResult, seconds: number) => void) | undefined;
  /** A PASSIVE checkpoint on the daemon's own connection, for a quiet daemon. */
  checkpointHere: () => CheckpointResult;
  /** Milliseconds a quiet daemon waits before its checkpoint (QUIET_CHECKPOINT_MS; tests shorten it). */
  quietMs?: number | undefined;
}

export class Checkpointer {
  private readonly options: CheckpointerOptions;
  private worker: Worker | undefined;
  private commitsSince = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: CheckpointerOptions) {
    this.options = options;
  }

  /** Called after each commit. */
  committed(): void {
    if (this.stopped) return;
    this.commitsSince++;
    if (this.commitsSince >= CHECKPOINT_COMMITS) this.run();
    else this.timer ??= setTimeout(() => this.quietCheckpoint(), this.options.quietMs ?? QUIET_CHECKPOINT_MS).unref();
    this.idleTimer?.refresh();
  }

  private quietCheckpoint(): void {
    this.timer = undefined;
    if (this.running || this.stopped || this.commitsSince === 0) return;
    // A worker that is still alive from a burst does it off the loop at no extra cost.
    if (this.worker) return this.run();
    this.commitsSince = 0;
    const started = performance.now();
    let result: CheckpointResult;
    try {
      result = this.options.checkpointHere();
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    this.options.onCheckpoint?.(result, (performance.now() - started) / 1000);
  }

  /** Ends the worker; its connection closes, the daemon's own connection is untouched. */
  stop(): void {
    this.stopped = true;
    this.endWorker();
  }

  private run(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.stopped || this.commitsSince === 0) return;
    this.running = true;
    this.commitsSince = 0;
    const started = performance.now();
    const worker = this.startWorker();
    worker.once('message', (result: CheckpointResult) => {
      this.running = false;
      this.options.onCheckpoint?.(result, (performance.now() - started) / 1000);
      // Commits that came in meanwhile may already call for the next one.
      if (this.commitsSince >= CHECKPOINT_COMMITS) this.run();
      else if (this.commitsSince > 0)
        this.timer ??= setTimeout(() => this.quietCheckpoint(), this.options.quietMs ?? QUIET_CHECKPOINT_MS).unref();
    });
    worker.postMessage('checkpoint');
  }

  private startWorker(): Worker {
    if (this.worker) return this.worker;
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sqlite, path: this.options.path, walSizeLimit: this.options.walSizeLimit },
      // A checkpoint needs almost no JavaScript heap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 },
    });
    worker.unref();
    worker.on('error', (err) => {
      // The automatic checkpoint takes over until the next commit starts a new worker.
      this.options.onCheckpoint?.({ ok: false, error: err.message }, 0);
      if (this.worker === worker) this.worker = undefined;
      this.running = false;
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    this.idleTimer = setTimeout(() => this.endWorker(), IDLE_MS).unref();
    return worker;
  }

  private endWorker(): void {
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    this.timer = this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    this.running = false;
    worker.removeAllListeners('message');
    worker.postMessage('close');
  }
}
