// Forgets strangers that left nothing behind: every identity that ever connected gets a row in the
// peers table, and a host can make up any number of identities. A stranger is dropped once it has
// not been seen for a while, or when too many such strangers are kept; contacts, blocked peers and
// every peer with messages (history, message requests, queued messages) are never dropped here.
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { Store } from './store.js';

/**
 * A stranger that nothing refers to: no message in either direction, no petname, and not in the
 * `keep` list (the peers connected right now, which would be added back at once).
 */
const FORGETTABLE = `trust = 'stranger' AND petname IS NULL
  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.peer_id = peers.peer_id)
  AND peer_id NOT IN (SELECT value FROM json_each(@keep))`;

export interface PruneLimits {
  /** Forgettable strangers not seen for this long are dropped. */
  retentionMs: number;
  /** Most forgettable strangers kept; the least recently seen go first. */
  maxKept: number;
}

export class PeerPruning {
  private readonly stmt: { byAge: Database.Statement; byCount: Database.Statement };

  constructor(store: Store) {
    const db = store.database;
    this.stmt = {
      byAge: db.prepare(`DELETE FROM peers WHERE ${FORGETTABLE} AND coalesce(last_seen, first_seen) < @cutoff RETURNING peer_id`),
      byCount: db.prepare(
        `DELETE FROM peers WHERE peer_id IN (
           SELECT peer_id FROM peers WHERE ${FORGETTABLE}
           ORDER BY coalesce(last_seen, first_seen) DESC, peer_id LIMIT -1 OFFSET @maxKept)
         RETURNING peer_id`,
      ),
    };
  }

  /** Drops forgettable strangers past the limits, in one transaction; returns their peer ids. */
  prune(limits: PruneLimits, keep: Iterable<string>, now = Date.now()): string[] {
    const params = { keep: JSON.stringify([...keep]), cutoff: now - limits.retentionMs, maxKept: limits.maxKept };
    const rows = this.stmt.byAge.raw().all(params).concat(this.stmt.byCount.raw().all(params)) as [string][];
    return rows.map(([peerId]) => peerId);
  }
}

/** How often pruning runs: a minute, or more often when the retention is shorter than that. */
export function pruneIntervalMs(retentionMs: number): number {
  return Math.max(250, Math.min(60_000, retentionMs / 2));
}

/** Runs PeerPruning at start and then periodically. */
export class StrangerPruner {
  private readonly pruning: PeerPruning;
  private readonly store: Store;
  private readonly connectedPeers: () => Iterable<string>;
  private readonly forgotten: (peerIds: string[]) => void;
  private readonly log: Logger;
  private readonly limits: PruneLimits;
  private timer?: NodeJS.Timeout | undefined;

  constructor(
    components: {
      store: Store;
      /** Peers connected now: never dropped while connected. */
      connectedPeers: () => Iterable<string>;
      /** Told which peers were dropped, e.g. to forget them in libp2p's peer store too. */
      forgotten?: ((peerIds: string[]) => void) | undefined;
      log: Logger;
    },
    limits: PruneLimits,
  ) {
    this.store = components.store;
    this.pruning = new PeerPruning(components.store);
    this.connectedPeers = components.connectedPeers;
    this.forgotten = components.forgotten ?? (() => {});
    this.log = components.log;
    this.limits = limits;
  }

  start(): void {
    if (this.timer) return;
    this.run();
    this.timer = setInterval(() => this.run(), pruneIntervalMs(this.limits.retentionMs));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; a failure (a busy or full disk) is logged and tried again at the next pass. */
  run(): void {
    try {
      const dropped = this.store.atomically(() => this.pruning.prune(this.limits, this.connectedPeers()), false);
      if (dropped.length === 0) return;
      this.log.info({ count: dropped.length }, 'forgot strangers that left no messages');
      this.forgotten(dropped);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not prune strangers from the peers table');
    }
  }
}
