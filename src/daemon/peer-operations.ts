// The daemon API's operations on peers: listing them, resolving what a user typed to one, and
// connecting to one by address. Connecting or naming a peer goes through the trust part.
import { multiaddr } from '@multiformats/multiaddr';
import { ApiError } from '../api-errors.js';
import { resolvePeer } from '../control/resolve-peer.js';
import type { ChatNode } from '../node/create-node.js';
import type { PeerTracker } from '../node/peer-tracker.js';
import type { Store } from '../store/store.js';
import type { TrustBook } from '../trust/trust-book.js';
import type { PeerInfo } from '../types.js';

export interface PeerOperationsDeps {
  node: ChatNode;
  store: Store;
  peerTracker: PeerTracker;
  book: TrustBook;
  /** Makes a peer a contact (the trust API's operation, with its side effects). */
  addContact(peerId: string): void;
}

export class PeerOperations {
  private readonly deps: PeerOperationsDeps;

  constructor(deps: PeerOperationsDeps) {
    this.deps = deps;
  }

  peers(): PeerInfo[] {
    const connected = this.deps.peerTracker.connectedPeers();
    return this.deps.store.peers().map((p) => ({ ...p, connected: connected.has(p.peerId) }));
  }

  resolve(target: string): PeerInfo {
    // Scripts and the bench name peers by full id: answer those without listing every peer.
    const known = this.deps.store.peer(target.trim());
    if (known) return { ...known, connected: this.deps.peerTracker.isConnected(known.peerId) };
    return resolvePeer(target, this.peers(), { strangersAreContacts: this.deps.book.policy === 'open' });
  }

  /** A peer as the API shows it; a peer id the store does not know yet is a stranger with no name. */
  info(peerId: string): PeerInfo {
    const known = this.deps.store.peer(peerId);
    const connected = this.deps.peerTracker.isConnected(peerId);
    if (known) return { ...known, connected };
    const trust = this.deps.book.stateOf(peerId);
    return {
      peerId,
      name: null,
      claimedName: null,
      petname: null,
      trust,
      connected,
      addresses: [],
      agent: null,
      p2pchat: false,
      lastSeen: null,
    };
  }

  async connect(address: string): Promise<PeerInfo> {
    const { node, store, peerTracker, book } = this.deps;
    let addr: ReturnType<typeof multiaddr>;
    try {
      addr = multiaddr(address);
    } catch (err) {
      throw new ApiError('bad_request', `not a valid multiaddr: ${(err as Error).message}`);
    }
    if (addr.getComponents().some((c) => c.name === 'p2p' && c.value === node.peerId.toString())) {
      throw new ApiError('bad_request', 'that is this daemon’s own address');
    }
    // Dialling a peer by its address is choosing it: it becomes a contact (unless you blocked it),
    // before the dial when the address names it, so that the slots kept for strangers do not apply.
    const named = addr.getComponents().find((c) => c.name === 'p2p')?.value;
    if (named !== undefined && book.stateOf(named) === 'stranger') this.deps.addContact(named);
    let peerId: string;
    try {
      const connection = await node.dial(addr, { signal: AbortSignal.timeout(10_000) });
      peerId = connection.remotePeer.toString();
    } catch (err) {
      throw new ApiError('dial_failed', `could not connect to ${address}: ${(err as Error).message}`);
    }
    store.updatePeer(peerId, { seen: true, addresses: [addr.toString()] });
    if (book.stateOf(peerId) === 'stranger') this.deps.addContact(peerId);
    // Identify tells what the peer is; answering after it makes the reply more useful.
    await peerTracker.whenIdentified(peerId, 2000);
    return this.resolve(peerId);
  }
}
