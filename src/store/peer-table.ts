// The peers table: every peer this daemon has met, with what it claims (name, addresses, agent)
// and what we decided about it (trust, petname; written by src/store/trust-table.ts).
import type Database from 'better-sqlite3';
import type { PeerInfo, TrustState } from '../types.js';
import { iso } from './rows.js';

interface PeerRow {
  peer_id: string;
  name: string | null;
  addresses: string;
  agent: string | null;
  speaks_envelope: number;
  last_seen: number | null;
  trust: TrustState;
  petname: string | null;
}

/** What we learned about a peer; absent fields keep what is stored. */
export interface PeerUpdate {
  name?: string | undefined;
  addresses?: string[] | undefined;
  agent?: string | undefined;
  speaksEnvelope?: boolean | undefined;
  seen?: boolean | undefined;
}

function toPeer(row: PeerRow): Omit<PeerInfo, 'connected'> {
  return {
    peerId: row.peer_id,
    name: row.petname ?? row.name,
    claimedName: row.name,
    petname: row.petname,
    trust: row.trust,
    addresses: JSON.parse(row.addresses) as string[],
    agent: row.agent,
    p2pchat: row.speaks_envelope === 1,
    lastSeen: row.last_seen === null ? null : iso(row.last_seen),
  };
}

export class PeerTable {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      get: db.prepare('SELECT * FROM peers WHERE peer_id = ?'),
      count: db.prepare('SELECT count(*) AS n FROM peers'),
      all: db.prepare('SELECT * FROM peers ORDER BY last_seen DESC NULLS LAST, peer_id'),
      insert: db.prepare(`INSERT OR IGNORE INTO peers (peer_id, first_seen) VALUES (?, ?)`),
      update: db.prepare(
        `UPDATE peers SET
           name = coalesce(@name, name),
           addresses = coalesce(@addresses, addresses),
           agent = coalesce(@agent, agent),
           speaks_envelope = coalesce(@speaksEnvelope, speaks_envelope),
           last_seen = coalesce(@seen, last_seen)
         WHERE peer_id = @peerId`,
      ),
    };
  }

  /** Records the peer if it is new, then what we learned; call inside a transaction. */
  update(peerId: string, update: PeerUpdate): void {
    const now = Date.now();
    this.stmt.insert.run(peerId, now);
    this.stmt.update.run({
      peerId,
      name: update.name ?? null,
      addresses: update.addresses ? JSON.stringify(update.addresses) : null,
      agent: update.agent ?? null,
      speaksEnvelope: update.speaksEnvelope === undefined ? null : update.speaksEnvelope ? 1 : 0,
      seen: update.seen ? now : null,
    });
  }

  get(peerId: string): Omit<PeerInfo, 'connected'> | undefined {
    const row = this.stmt.get.get(peerId) as PeerRow | undefined;
    return row ? toPeer(row) : undefined;
  }

  all(): Omit<PeerInfo, 'connected'>[] {
    return (this.stmt.all.all() as PeerRow[]).map(toPeer);
  }

  count(): number {
    return (this.stmt.count.get() as { n: number }).n;
  }
}
