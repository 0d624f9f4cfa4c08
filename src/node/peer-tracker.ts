// Follows libp2p's peer events: records peers in the store, publishes connect/disconnect events,
// dials peers LAN discovery sees, and tells the rest of the daemon when a peer is ready.
import type { PeerId, PeerInfo } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { dialableAddresses } from './addresses.js';
import type { ChatNode } from './create-node.js';

/** When both sides discover each other, the larger peer id waits this long for the other's dial. */
const SECOND_DIALER_DELAY_MS = 1000;

export function isP2pchatAgent(agent: string | undefined): boolean {
  return agent?.startsWith('p2pchat/') ?? false;
}

/** Only one side dials first, so that a pair does not end up with two connections. */
export function shouldDialFirst(self: string, other: string): boolean {
  return self < other;
}

export class PeerTracker {
  private readonly node: ChatNode;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly identified = new Set<string>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly connectListeners = new Set<(peerId: string) => void>();
  /** Second-dialer timers by peer id: at most one waits per peer. */
  private readonly secondDials = new Map<string, NodeJS.Timeout>();
  private readonly dialing = new Set<string>();

  constructor(components: { node: ChatNode; store: Store; log: Logger }) {
    this.node = components.node;
    this.store = components.store;
    this.log = components.log;
  }

  get self(): string {
    return this.node.peerId.toString();
  }

  start(): void {
    this.node.services.lan.addEventListener('peer', (evt) => this.onSighting((evt as CustomEvent<PeerInfo>).detail));
    this.node.addEventListener('peer:connect', (evt) => this.onConnect(evt.detail));
    this.node.addEventListener('peer:disconnect', (evt) => this.onDisconnect(evt.detail));
    this.node.addEventListener('peer:identify', (evt) => {
      const { peerId, agentVersion, listenAddrs, connection } = evt.detail;
      const id = peerId.toString();
      this.store.updatePeer(id, {
        agent: agentVersion,
        addresses: dialableAddresses(
          listenAddrs.map((a) => a.toString()),
          [connection.remoteAddr.toString()],
        ),
        speaksEnvelope: isP2pchatAgent(agentVersion),
      });
      this.identified.add(id);
      for (const wake of this.waiters.get(id) ?? []) wake();
      this.waiters.delete(id);
    });
  }

  stop(): void {
    for (const timer of this.secondDials.values()) clearTimeout(timer);
    this.secondDials.clear();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  onConnected(listener: (peerId: string) => void): void {
    this.connectListeners.add(listener);
  }

  isConnected(peerId: string): boolean {
    return this.node.getConnections().some((c) => c.remotePeer.toString() === peerId && c.status === 'open');
  }

  /** Milliseconds since the oldest open connection to the peer was established; 0 if none. */
  connectedFor(peerId: string): number {
    const opened = this.node
      .getConnections()
      .filter((c) => c.remotePeer.toString() === peerId && c.status === 'open')
      .map((c) => c.timeline.open);
    return opened.length > 0 ? Date.now() - Math.min(...opened) : 0;
  }

  connectedPeers(): Set<string> {
    return new Set(
      this.node
        .getConnections()
        .filter((c) => c.status === 'open')
        .map((c) => c.remotePeer.toString()),
    );
  }

  /** Resolves once identify has run for the peer (or after `timeoutMs`): then its agent is known. */
  whenIdentified(peerId: string, timeoutMs: number): Promise<void> {
    if (this.identified.has(peerId)) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(peerId) ?? new Set();
      this.waiters.set(peerId, set);
      const timer = setTimeout(wake, timeoutMs);
      function wake() {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      }
      set.add(wake);
    });
  }

  /** Dials a peer, logging failures: a dial error is never fatal. */
  async dial(target: PeerId | Parameters<ChatNode['dial']>[0], why: string): Promise<boolean> {
    try {
      await this.node.dial(target, { signal: AbortSignal.timeout(10_000) });
      return true;
    } catch (err) {
      this.log.debug({ target: target.toString(), why, err: (err as Error).message }, 'dial failed');
      return false;
    }
  }

  /** Dials a known peer, first teaching libp2p the addresses we remember for it. */
  async dialPeer(peerId: string, addresses: string[]): Promise<boolean> {
    const id = peerIdFromString(peerId);
    const addrs: Multiaddr[] = [];
    for (const text of addresses) {
      try {
        addrs.push(multiaddr(text));
      } catch {
        // a bad stored address is skipped, not fatal
      }
    }
    if (addrs.length > 0) await this.node.peerStore.merge(id, { multiaddrs: addrs }).catch(() => {});
    return this.dial(id, 'redial');
  }

  /**
   * A peer answered or announced itself on the LAN. Every sighting of a peer we are not connected
   * to leads to a dial, not only the first: that is how connections come back after a partition.
   * The dial uses the addresses the peer announced on the link we share with it.
   */
  private onSighting(peer: PeerInfo): void {
    const id = peer.id.toString();
    if (id === this.self || this.isConnected(id) || this.dialing.has(id) || this.secondDials.has(id)) return;
    this.log.debug({ peer: id, addresses: peer.multiaddrs.map((a) => a.toString()) }, 'peer seen on the LAN');
    const target = peer.multiaddrs.map((a) => a.encapsulate(`/p2p/${id}`));
    if (shouldDialFirst(this.self, id)) {
      void this.dialOnce(id, target, 'discovered');
      return;
    }
    const timer = setTimeout(() => {
      this.secondDials.delete(id);
      if (!this.isConnected(id)) void this.dialOnce(id, target, 'discovered (second dialer)');
    }, SECOND_DIALER_DELAY_MS);
    this.secondDials.set(id, timer);
  }

  private async dialOnce(id: string, target: Multiaddr[], why: string): Promise<void> {
    this.dialing.add(id);
    try {
      await this.dial(target, why);
    } finally {
      this.dialing.delete(id);
    }
  }

  private onConnect(peerId: PeerId): void {
    const id = peerId.toString();
    const addresses = this.node
      .getConnections(peerId)
      .map((c) => c.remoteAddr.toString())
      .filter((a) => !a.includes('/p2p-circuit'));
    this.store.updatePeer(id, { seen: true, addresses: this.store.peer(id)?.addresses.length ? undefined : addresses });
    this.store.publishEvent('peer-connected', { peerId: id, name: this.store.peer(id)?.name ?? null });
    this.log.info({ peer: id, addresses }, 'peer connected');
    for (const listener of this.connectListeners) listener(id);
  }

  private onDisconnect(peerId: PeerId): void {
    const id = peerId.toString();
    this.identified.delete(id);
    this.store.updatePeer(id, { seen: true });
    this.store.publishEvent('peer-disconnected', { peerId: id, name: this.store.peer(id)?.name ?? null });
    this.log.info({ peer: id }, 'peer disconnected');
  }
}
