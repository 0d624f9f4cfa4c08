// History retention and event pruning: a job the daemon runs at start-up and then periodically.
// It deletes messages older than the configured age or beyond the configured count per
// conversation, and events beyond the newest `maxEvents`. It never deletes an outgoing message
// still in the outbox, nor a stranger's message request waiting for the user's decision. It deletes
// in small transactions and yields between them, so the daemon keeps receiving and answering while
// a large backlog is pruned.
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import { PeriodicPass } from '../periodic-pass.js';
import { IN_OUTBOX } from './message-statements.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;
/** Rows deleted per transaction. */
export const RETENTION_CHUNK = 2000;

export interface RetentionOptions {
  /** Delete messages stored more than this many days ago; 0 keeps them forever. */
  maxAgeDays: number;
  /** Keep only this many of the newest messages of each conversation; 0 keeps them all. */
  maxMessagesPerPeer: number;
  /** Events kept for `since=` catch-up. */
  maxEvents: number;
  /** Time between two passes. */
  intervalMs: number;
}

export interface RetentionReport {
  messages: number;
  events: number;
}

/** The storage time before which messages are deleted, or undefined to keep them forever. */
export function ageCutoff(now: number, maxAgeDays: number): number | undefined {
  return maxAgeDays > 0 ? now - maxAgeDays * DAY_MS : undefined;
}

export class Retention extends PeriodicPass<RetentionReport> {
  private readonly store: Store;
  private readonly now: () => number;
  private readonly options: RetentionOptions;
  private readonly stmt;
  /** Conversations whose messages all have a seq up to this one were trimmed to their count already. */
  private trimmedUpTo = 0;

  constructor(components: { store: Store; log: Logger; now?: () => number }, options: RetentionOptions) {
    super(options.intervalMs, components.log, 'history retention failed; will try again');
    this.store = components.store;
    this.now = components.now ?? Date.now;
    this.options = options;
    const db: Database.Database = this.store.database;
    // Kept whatever their age: outgoing messages still in the outbox, and message requests waiting for
    // the user to accept or block their sender (the stranger quota bounds those, and the trust gate
    // counts them).
    const keep = `NOT (${IN_OUTBOX}) AND request = 0`;
    this.stmt = {
      // Messages are stored in seq order, so the first one stored after the cutoff bounds the old ones
      // (should the clock have jumped back, a few old ones wait for a later pass).
      firstNewer: db.prepare('SELECT seq FROM messages WHERE stored_at >= ? ORDER BY seq LIMIT 1').pluck(),
      deleteBefore: db.prepare(
        `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE seq < @before AND ${keep} ORDER BY seq LIMIT @chunk)`,
      ),
      maxSeq: db.prepare('SELECT max(seq) FROM messages').pluck(),
      peersSince: db.prepare('SELECT DISTINCT peer_id FROM messages WHERE seq > ?').pluck(),
      // The seq of a conversation's Nth newest message: older ones go.
      nthNewest: db.prepare('SELECT seq FROM messages WHERE peer_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?').pluck(),
      deletePeerBefore: db.prepare(
        `DELETE FROM messages WHERE seq IN
           (SELECT seq FROM messages WHERE peer_id = @peerId AND seq < @before AND ${keep} ORDER BY seq LIMIT @chunk)`,
      ),
    };
  }

  protected done(report: RetentionReport): void {
    if (report.messages > 0) this.log.info({ count: report.messages }, 'history retention deleted old messages');
    if (report.events > 0) this.log.debug({ count: report.events }, 'pruned old events');
  }

  protected async pass(): Promise<RetentionReport> {
    let messages = 0;
    const cutoff = ageCutoff(this.now(), this.options.maxAgeDays);
    if (cutoff !== undefined) {
      const before = (this.stmt.firstNewer.get(cutoff) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
      messages += await this.inSteps(() => this.stmt.deleteBefore.run({ before, chunk: RETENTION_CHUNK }).changes);
    }
    if (this.options.maxMessagesPerPeer > 0) messages += await this.trimConversations(this.options.maxMessagesPerPeer);
    const events = await this.inSteps(() => this.store.pruneEvents(this.options.maxEvents, RETENTION_CHUNK));
    return { messages, events };
  }

  /** Only conversations with messages since the last pass can have grown past the count. */
  private async trimConversations(keep: number): Promise<number> {
    const upTo = (this.stmt.maxSeq.get() as number | null) ?? 0;
    let deleted = 0;
    for (const peerId of this.stmt.peersSince.all(this.trimmedUpTo) as string[]) {
      const before = this.stmt.nthNewest.get(peerId, keep - 1) as number | undefined;
      if (before === undefined) continue;
      deleted += await this.inSteps(() => this.stmt.deletePeerBefore.run({ peerId, before, chunk: RETENTION_CHUNK }).changes);
      if (this.stopping) return deleted;
    }
    this.trimmedUpTo = upTo;
    return deleted;
  }

  private inSteps(step: () => number): Promise<number> {
    return deleteInSteps(this.store, step, () => this.stopping);
  }
}

/**
 * Repeats a step (one transaction, at most RETENTION_CHUNK rows) until it deletes less than a
 * chunk or `stopping()` says so, yielding to the event loop between two steps; returns how many
 * rows it deleted.
 */
export async function deleteInSteps(store: Pick<Store, 'atomically'>, step: () => number, stopping: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = store.atomically(step, false);
    total += deleted;
    if (deleted < RETENTION_CHUNK || stopping()) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
