// The trust part's rows in the store: each peer's trust state and petname, and the message requests
// (incoming messages from strangers, held until the user accepts or blocks the sender).
import type { TrustState } from '../types.js';
import type { Store } from './store.js';

/** What a stranger's held messages cost: counted against the per-stranger and global quotas. */
export interface RequestUsage {
  peerId: string;
  count: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
}

export interface TrustRow {
  peerId: string;
  trust: TrustState;
  petname: string | null;
}

interface UsageRow {
  peer_id: string;
  count: number;
  bytes: number;
  first_seq: number;
  last_seq: number;
}

const USAGE_COLUMNS = `peer_id, count(*) AS count, coalesce(sum(length(CAST(text AS BLOB))), 0) AS bytes,
  min(seq) AS first_seq, max(seq) AS last_seq`;

function toUsage(row: UsageRow): RequestUsage {
  return { peerId: row.peer_id, count: row.count, bytes: row.bytes, firstSeq: row.first_seq, lastSeq: row.last_seq };
}

export class TrustTable {
  private readonly store: Store;
  private readonly stmt;

  constructor(store: Store) {
    this.store = store;
    const db = store.database;
    this.stmt = {
      all: db.prepare(`SELECT peer_id AS peerId, trust, petname FROM peers WHERE trust != 'stranger' OR petname IS NOT NULL`),
      insertPeer: db.prepare('INSERT OR IGNORE INTO peers (peer_id, first_seen) VALUES (?, ?)'),
      setTrust: db.prepare('UPDATE peers SET trust = @trust, petname = @petname, trust_changed_at = @now WHERE peer_id = @peerId'),
      usage: db.prepare(`SELECT ${USAGE_COLUMNS} FROM messages WHERE request = 1 GROUP BY peer_id ORDER BY max(seq) DESC`),
      usageOf: db.prepare(`SELECT ${USAGE_COLUMNS} FROM messages WHERE request = 1 AND peer_id = ? GROUP BY peer_id`),
      accept: db.prepare('UPDATE messages SET request = 0 WHERE peer_id = ? AND request = 1'),
      dropRequests: db.prepare('DELETE FROM messages WHERE peer_id = ? AND request = 1'),
      dropHistory: db.prepare('DELETE FROM messages WHERE peer_id = ?'),
      dropPeer: db.prepare('DELETE FROM peers WHERE peer_id = ?'),
      hasIncoming: db.prepare(`SELECT 1 FROM messages WHERE peer_id = ? AND direction = 'in' AND id = ?`),
    };
  }

  /** Every peer whose trust is not the default (stranger without a petname). */
  all(): TrustRow[] {
    return this.stmt.all.all() as TrustRow[];
  }

  /** Sets a peer's state and petname (recording the peer if it is new) and publishes `trust-changed`. */
  set(peerId: string, trust: TrustState, petname: string | null): void {
    this.store.atomically(() => {
      const now = Date.now();
      this.stmt.insertPeer.run(peerId, now);
      this.stmt.setTrust.run({ peerId, trust, petname, now });
      this.store.publishEvent('trust-changed', { peerId, trust, petname });
    }, false);
  }

  /** Held message requests, per stranger, newest conversation first. */
  requests(): RequestUsage[] {
    return (this.stmt.usage.all() as UsageRow[]).map(toUsage);
  }

  requestsOf(peerId: string): RequestUsage | undefined {
    const row = this.stmt.usageOf.get(peerId) as UsageRow | undefined;
    return row ? toUsage(row) : undefined;
  }

  /** Turns a peer's message requests into ordinary history; returns how many. */
  acceptRequests(peerId: string): number {
    return this.stmt.accept.run(peerId).changes;
  }

  /** Deletes a peer's message requests (when it is blocked); returns how many. */
  dropRequests(peerId: string): number {
    return this.stmt.dropRequests.run(peerId).changes;
  }

  /** Removes a peer from the peers table and, with `history`, every message with it. */
  forget(peerId: string, history: boolean): { messages: number } {
    return this.store.atomically(() => {
      const messages = history ? this.stmt.dropHistory.run(peerId).changes : 0;
      this.stmt.dropPeer.run(peerId);
      return { messages };
    }, true);
  }

  /** Whether an incoming message with this id from this peer is already stored (a resend). */
  hasIncoming(peerId: string, id: string): boolean {
    return this.stmt.hasIncoming.get(peerId, id) !== undefined;
  }
}
