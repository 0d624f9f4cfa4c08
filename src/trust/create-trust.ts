// Builds the trust part from the config and the store: the trust book, the inbound gate with its
// quotas and rate limits, and the chat protocol's admission. The daemon wires the result in.
import type { ResolvedConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { TrustTable } from '../store/trust-table.js';
import { InboundGate, type StorageCheck } from './inbound-gate.js';
import { InboundTrust } from './inbound-trust.js';
import { TrustBook } from './trust-book.js';

export interface Trust {
  book: TrustBook;
  table: TrustTable;
  gate: InboundGate;
  inbound: InboundTrust;
}

/** The peer id at the end of a configured multiaddr (`.../p2p/<id>`). */
export function peerIdOfAddress(address: string): string {
  return address.slice(address.lastIndexOf('/p2p/') + 5);
}

export function createTrust(deps: { store: Store; storage: StorageCheck; log: Logger }, config: ResolvedConfig): Trust {
  const table = new TrustTable(deps.store);
  const book = new TrustBook({ table }, { policy: config.trust.inbound, configuredContacts: config.peers.map(peerIdOfAddress) });
  book.start();
  const gate = new InboundGate(
    {
      trust: book,
      storage: deps.storage,
      isStored: (peerId, id) => table.hasIncoming(peerId, id),
      initialUsage: table.requests(),
    },
    {
      policy: config.trust.inbound,
      strangerQuota: config.trust.strangerQuota,
      requestsMaxBytes: config.trust.requestsMaxBytes,
      rate: config.limits.rate,
    },
  );
  const inbound = new InboundTrust({ gate, table, store: deps.store, log: deps.log });
  return { book, table, gate, inbound };
}
