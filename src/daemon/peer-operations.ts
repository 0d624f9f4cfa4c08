// The daemon API's operations on peers: listing them, resolving what a user typed to one, and
// connecting to one by address. Connecting or naming a peer goes through the trust part.
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { ApiError } from '../api-errors.js';
import { resolvePeer } from '../control/resolve-peer.js';
import type { ChatNode } from '../node/create-node.js';
import type { PeerTracker } from '../node/peer-tracker.js';
import type { Store } from '../store/store.js';
import type { TrustBook } from '../trust/trust-book.js';
import type { ConnectionPath, PeerInfo } from '../types.js';
import { decodeInvitation, isInvitationText, isPeerIdText } from '../wan/invitation.js';
import { WanOffError } from '../wan/wan.js';
import { dialFailureText } from './dial-failure.js';

export interface PeerOperationsDeps {
  node: ChatNode;
  store: Store;
  peerTracker: PeerTracker;
  book: TrustBook;
  /** Makes a peer a contact (the trust API's operation, with its side effects). */
  addContact(peerId: string): void;
  /** Beyond the LAN: how a peer is connected, and finding a peer's addresses by its id. */
  wan: {
    pathOf(peerId: string): ConnectionPath | null;
    findPeer(peerId: string, timeoutMs: number, fresh?: boolean): Promise<string[]>;
  };
}

/** How long `connect <peer id>` asks the DHT. */
const FIND_PEER_TIMEOUT_MS = 20_000;

export class PeerOperations {
  private readonly deps: PeerOperationsDeps;

  constructor(deps: PeerOperationsDeps) {
    this.deps = deps;
  }

  peers(): PeerInfo[] {
    const connected = this.deps.peerTracker.connectedPeers();
    return this.deps.store.peers().map((p) => ({ ...p, connected: connected.has(p.peerId), path: this.deps.wan.pathOf(p.peerId) }));
  }

  resolve(target: string): PeerInfo {
    // Scripts and the bench name peers by full id: answer those without listing every peer.
    const known = this.deps.store.peer(target.trim());
    if (known) return { ...known, connected: this.deps.peerTracker.isConnected(known.peerId), path: this.deps.wan.pathOf(known.peerId) };
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

  /**
   * Connects to a peer named by a multiaddr, an invitation, or its peer id alone (found through
   * the DHT). Naming a peer is choosing it: it becomes a contact, unless you blocked it.
   */
  async connect(target: string): Promise<PeerInfo> {
    const text = target.trim();
    if (isInvitationText(text)) return this.connectInvitation(text);
    if (isPeerIdText(text)) return this.connectPeerId(text, []);
    return this.connectAddress(text);
  }

  private async connectInvitation(text: string): Promise<PeerInfo> {
    let invitation: ReturnType<typeof decodeInvitation>;
    try {
      invitation = decodeInvitation(text);
    } catch (err) {
      throw new ApiError('bad_request', (err as Error).message);
    }
    const addrs = invitation.addresses.flatMap((a) => {
      try {
        return [multiaddr(a)];
      } catch {
        return []; // a damaged address is skipped; the others (or the DHT) may still work
      }
    });
    return this.connectPeerId(invitation.peerId, addrs);
  }

  private async connectPeerId(id: string, addrs: ReturnType<typeof multiaddr>[]): Promise<PeerInfo> {
    const { node, book } = this.deps;
    let peerId: ReturnType<typeof peerIdFromString>;
    try {
      peerId = peerIdFromString(id);
    } catch (err) {
      throw new ApiError('bad_request', `not a valid peer id: ${(err as Error).message}`);
    }
    if (id === node.peerId.toString()) throw new ApiError('bad_request', 'that is this daemon’s own peer id');
    if (book.stateOf(id) === 'stranger') this.deps.addContact(id);
    if (addrs.length > 0) await node.peerStore.merge(peerId, { multiaddrs: addrs });
    if (addrs.length > 0 || this.deps.peerTracker.isConnected(id)) return this.dialAndDescribe(peerId, id);
    // What the DHT answers may predate the peer's relay reservation (its relay learns the relay
    // address a moment later): ask again, bypassing what we hold, until one dial works.
    const deadline = Date.now() + FIND_PEER_TIMEOUT_MS;
    let lastError: Error | undefined;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        await this.deps.wan.findPeer(id, Math.max(1000, deadline - Date.now()), attempt > 0);
        return await this.dialAndDescribe(peerId, id);
      } catch (err) {
        if (err instanceof WanOffError) throw new ApiError('dial_failed', err.message);
        lastError = err as Error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    throw lastError instanceof ApiError ? lastError : new ApiError('dial_failed', lastError?.message ?? `peer ${id} was not found`);
  }

  private async connectAddress(address: string): Promise<PeerInfo> {
    const { node, book } = this.deps;
    let addr: ReturnType<typeof multiaddr>;
    try {
      addr = multiaddr(address);
    } catch (err) {
      throw new ApiError('bad_request', `not a valid multiaddr, peer id or invitation: ${(err as Error).message}`);
    }
    if (addr.getComponents().some((c) => c.name === 'p2p' && c.value === node.peerId.toString())) {
      throw new ApiError('bad_request', 'that is this daemon’s own address');
    }
    // Dialling a peer by its address is choosing it: it becomes a contact (unless you blocked it),
    // before the dial when the address names it, so that the slots kept for strangers do not apply.
    const named = addr.getComponents().findLast((c) => c.name === 'p2p')?.value;
    if (named !== undefined && book.stateOf(named) === 'stranger') this.deps.addContact(named);
    return this.dialAndDescribe(addr, address, addr.toString());
  }

  /** Dials, remembers the address that worked (`remember`, else the connection's), and answers once identify ran. */
  private async dialAndDescribe(target: Parameters<ChatNode['dial']>[0], shown: string, remember?: string): Promise<PeerInfo> {
    const { node, store, peerTracker, book } = this.deps;
    let peerId: string;
    let remoteAddr: string;
    try {
      const connection = await node.dial(target, { signal: AbortSignal.timeout(10_000) });
      peerId = connection.remotePeer.toString();
      remoteAddr = connection.remoteAddr.toString();
    } catch (err) {
      throw new ApiError('dial_failed', dialFailureText(shown, (err as Error).message));
    }
    store.updatePeer(peerId, { seen: true, addresses: [remember ?? remoteAddr] });
    if (book.stateOf(peerId) === 'stranger') this.deps.addContact(peerId);
    // Identify tells what the peer is; answering after it makes the reply more useful.
    await peerTracker.whenIdentified(peerId, 2000);
    return this.resolve(peerId);
  }
}
