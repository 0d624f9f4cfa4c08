// Open connections by kind, counted at scrape time: direction, the remote peer's trust state and
// what identify says it is. Labels stay bounded (never a peer id or an address).
import type { PeerKind } from '../node/peer-kinds.js';
import type { TrustState } from '../types.js';

export interface OpenConnection {
  direction: 'inbound' | 'outbound';
  peerId: string;
  /** Through a relay (a limited connection) rather than direct. */
  relayed: boolean;
}

export interface ConnectionLabels {
  direction: 'inbound' | 'outbound';
  trust: TrustState;
  kind: PeerKind;
  transport: 'direct' | 'relayed';
}

/** Counts connections per label set; only label sets with at least one connection appear. */
export function countConnections(
  connections: readonly OpenConnection[],
  trustOf: (peerId: string) => TrustState,
  kindOf: (peerId: string) => PeerKind,
): Array<{ labels: ConnectionLabels; count: number }> {
  const counts = new Map<string, { labels: ConnectionLabels; count: number }>();
  for (const c of connections) {
    const labels: ConnectionLabels = {
      direction: c.direction,
      trust: trustOf(c.peerId),
      kind: kindOf(c.peerId),
      transport: c.relayed ? 'relayed' : 'direct',
    };
    const key = `${labels.direction} ${labels.trust} ${labels.kind} ${labels.transport}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { labels, count: 1 });
  }
  return [...counts.values()];
}
