// Keeps the peers delivery needs connected: peers with queued messages and the config's `peers`
// are redialled with exponential backoff, and after a restart the contacts seen recently are
// dialled once, so conversations resume. Strangers are never redialled (they come back by
// themselves if they want to), and blocked peers never dialled.
import type { PeerTracker } from '../node/peer-tracker.js';
import type { Store } from '../store/store.js';
import type { TrustView } from '../types.js';

export interface RedialOptions {
  redialMinMs: number;
  redialMaxMs: number;
  /** Contacts seen within this long before a restart are dialled at start. */
  recentMs: number;
  /** Multiaddrs (ending in /p2p/<id>) from the config, kept connected. */
  configured: string[];
}

export class Redialer {
  private readonly store: Store;
  private readonly peers: PeerTracker;
  private readonly trust: TrustView;
  private readonly options: RedialOptions;
  /** Peers from the config: peer id → multiaddr. */
  private readonly configured: Map<string, string>;
  private readonly backoff = new Map<string, { nextAt: number; delay: number }>();

  constructor(components: { store: Store; peers: PeerTracker; trust: TrustView }, options: RedialOptions) {
    this.store = components.store;
    this.peers = components.peers;
    this.trust = components.trust;
    this.options = options;
    this.configured = new Map(options.configured.map((addr) => [addr.slice(addr.lastIndexOf('/p2p/') + 5), addr]));
  }

  /** Peer ids from the config: kept connected like peers with queued messages. */
  configuredPeers(): Iterable<string> {
    return this.configured.keys();
  }

  /**
   * After a restart, dial the contacts seen recently. Only contacts: dialling every peer we ever
   * met would dial whatever addresses strangers announced (hundreds of identities can announce one).
   */
  reconnectRecentContacts(): void {
    const since = Date.now() - this.options.recentMs;
    for (const peer of this.store.peers()) {
      const recent = peer.lastSeen !== null && Date.parse(peer.lastSeen) >= since;
      if (recent && this.trust.stateOf(peer.peerId) === 'contact') this.redial(peer.peerId, Date.now());
    }
  }

  /** The peer is connected: the next time it goes away, backoff starts again from the shortest delay. */
  connected(peerId: string): void {
    this.backoff.delete(peerId);
  }

  /** Dials the peer unless it is blocked or its backoff has not run out yet. */
  redial(peerId: string, now: number): void {
    if (this.trust.stateOf(peerId) === 'blocked') return;
    const state = this.backoff.get(peerId) ?? { nextAt: 0, delay: this.options.redialMinMs };
    if (now < state.nextAt) return;
    this.backoff.set(peerId, { nextAt: now + state.delay, delay: Math.min(state.delay * 2, this.options.redialMaxMs) });
    const configured = this.configured.get(peerId);
    const known = this.store.peer(peerId)?.addresses ?? [];
    void this.peers.dialPeer(peerId, configured ? [configured, ...known] : known);
  }
}
