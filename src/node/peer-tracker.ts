// Follows libp2p's peer events: records peers in the store, publishes connect/disconnect events,
// dials peers LAN discovery sees, and tells the rest of the daemon when a peer is ready.
import { type Connection, type PeerId, type PeerInfo, UnsupportedProtocolError } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { TrustView } from '../types.js';
import { dialableAddresses } from './addresses.js';
import type { ChatNode } from './create-node.js';
import { DialLimiter } from './dial-limiter.js';
import { type DialOutcome, LanDialer } from './lan-dialer.js';
import { isP2pchatAgent, PeerKinds } from './peer-kinds.js';

export { isP2pchatAgent };

/** Identify runs on a connection at most this often when it fails by anything but a refusal. */
const IDENTIFY_ATTEMPTS = 2;
/**
 * Most addresses of a peer we keep and dial. A peer may announce any number (identify, mDNS),
 * each of them someone else's perhaps: a real host needs a handful.
 */
export const MAX_PEER_ADDRESSES = 8;

/** Whether a dial failed by running out of time (a slow handshake), not by a refusal. */
function isTimeout(err: unknown): boolean {
  const e = err as Error;
  return e.name === 'TimeoutError' || /timed? ?out/i.test(e.message ?? '');
}

export class PeerTracker {
  private readonly node: ChatNode;
  private readonly store: Store;
  private readonly log: Logger;
  /** What each connected peer is (a p2pchat daemon or a plain chat peer), from identify. */
  readonly kinds: PeerKinds;
  private readonly connectListeners = new Set<(peerId: string) => void>();
  private readonly dialing = new Set<string>();
  private readonly trust: TrustView;
  /** Our dials per remote host: strangers' announced addresses are never dialled in bulk. */
  private readonly dialLimiter = new DialLimiter();
  /** Dials the peers LAN discovery sees: one side per pair, a few at a time. */
  readonly lanDialer: LanDialer;

  constructor(components: { node: ChatNode; store: Store; trust: TrustView; log: Logger }, options: { chatProtocol: string }) {
    this.kinds = new PeerKinds(options.chatProtocol);
    this.node = components.node;
    this.store = components.store;
    this.trust = components.trust;
    this.log = components.log;
    this.lanDialer = new LanDialer({
      self: this.node.peerId.toString(),
      isConnected: (peerId) => this.isConnected(peerId),
      isDialing: (peerId) => this.dialing.has(peerId),
      stateOf: (peerId) => this.trust.stateOf(peerId),
      inboundPendingFrom: (hosts) => this.node.services.inbound.pendingFrom(hosts),
      dialsBack: (peerId) => this.node.services.lan.announcesDaemon(peerId),
      dial: (peerId, target, kind, why) => this.dialOnce(peerId, target, kind, why),
      log: this.log,
    });
  }

  get self(): string {
    return this.node.peerId.toString();
  }

  start(): void {
    this.node.services.lan.addEventListener('peer', (evt) => this.onSighting((evt as CustomEvent<PeerInfo>).detail));
    this.node.addEventListener('connection:open', (evt) => {
      const connection = evt.detail;
      this.log.debug({ peer: connection.remotePeer.toString(), direction: connection.direction }, 'connection opened');
      this.identify(connection);
    });
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
        ).slice(0, MAX_PEER_ADDRESSES),
        speaksEnvelope: isP2pchatAgent(agentVersion),
      });
    });
  }

  /**
   * Runs identify on every new connection (the node does not run it by itself), so that its
   * failure is known too: a peer without identify, like libp2p's chat example, is a plain peer
   * at once, not after a guess and a wait.
   */
  private identify(connection: Connection, attempt = 1): void {
    const id = connection.remotePeer.toString();
    this.kinds.connected(id);
    this.node.services.identify.identify(connection).then(
      (result) => this.kinds.identified(id, { agent: result.agentVersion ?? '', protocols: result.protocols }),
      (err: unknown) => {
        // A connection that closed tells nothing: another one, or the disconnect, decides.
        if (connection.status !== 'open') return;
        // Only a refused negotiation says the peer has no identify; a timeout on a busy link may
        // hide a daemon, whose envelopes would then be read as text: one more try first.
        if (!(err instanceof UnsupportedProtocolError) && attempt < IDENTIFY_ATTEMPTS) {
          this.identify(connection, attempt + 1);
          return;
        }
        this.log.debug({ peer: id, err: (err as Error).message }, 'identify did not answer: a plain chat peer');
        this.kinds.identified(id, {});
      },
    );
  }

  stop(): void {
    this.lanDialer.stop();
    this.kinds.stop();
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

  /** Peers dropped from our peers table: libp2p's peer store (in memory) lets go of them too. */
  forget(peerIds: string[]): void {
    for (const id of peerIds) {
      try {
        this.node.peerStore.delete(peerIdFromString(id)).catch(() => {});
      } catch {
        // not a peer id: nothing libp2p could hold
      }
    }
  }

  /** Resolves once identify has answered or failed for the peer (or after `timeoutMs`). */
  async whenIdentified(peerId: string, timeoutMs: number): Promise<void> {
    await this.kinds.whenKnown(peerId, timeoutMs);
  }

  /** Dials a peer, logging failures: a dial error is never fatal. */
  async dial(target: PeerId | Parameters<ChatNode['dial']>[0], why: string): Promise<boolean> {
    return (await this.attempt(target, why)) === 'connected';
  }

  private async attempt(target: PeerId | Parameters<ChatNode['dial']>[0], why: string): Promise<DialOutcome> {
    try {
      await this.node.dial(target, { signal: AbortSignal.timeout(10_000) });
      return 'connected';
    } catch (err) {
      this.log.debug({ target: target.toString(), why, err: (err as Error).message }, 'dial failed');
      return isTimeout(err) ? 'timed-out' : 'failed';
    }
  }

  /**
   * Dials a peer the user wants connected (a contact, queued messages, the config), first
   * teaching libp2p the addresses we remember for it. Waits its turn while enough dials to its
   * hosts are in flight.
   */
  async dialPeer(peerId: string, addresses: string[]): Promise<boolean> {
    const id = peerIdFromString(peerId);
    const addrs: Multiaddr[] = [];
    for (const text of addresses.slice(0, MAX_PEER_ADDRESSES)) {
      try {
        addrs.push(multiaddr(text));
      } catch {
        // a bad stored address is skipped, not fatal
      }
    }
    if (this.dialing.has(peerId)) return false; // one dial per peer at a time
    this.dialing.add(peerId);
    const release = await this.dialLimiter.wanted(addrs.map((a) => a.toString()));
    try {
      if (addrs.length > 0) await this.node.peerStore.merge(id, { multiaddrs: addrs }).catch(() => {});
      return await this.dial(id, 'redial');
    } finally {
      this.dialing.delete(peerId);
      release();
    }
  }

  /** A peer answered or announced itself on the LAN: the LAN dialer decides whether and when to dial it. */
  private onSighting(peer: PeerInfo): void {
    const id = peer.id.toString();
    if (this.isConnected(id)) return;
    this.log.debug({ peer: id, addresses: peer.multiaddrs.map((a) => a.toString()) }, 'peer seen on the LAN');
    this.lanDialer.sighted(peer.id, peer.multiaddrs.slice(0, MAX_PEER_ADDRESSES));
  }

  /** A sighting's dial; a stranger's is skipped when the dial limiter says its host had enough for now. */
  private async dialOnce(id: string, target: Multiaddr[], kind: 'wanted' | 'stranger', why: string): Promise<DialOutcome> {
    const addresses = target.map((a) => a.toString());
    this.dialing.add(id);
    const release = kind === 'wanted' ? await this.dialLimiter.wanted(addresses) : this.dialLimiter.tryStranger(addresses);
    if (!release) {
      this.dialing.delete(id);
      this.log.debug({ peer: id, why }, 'dial skipped: its host was dialled just now');
      return 'failed';
    }
    try {
      return await this.attempt(target, why);
    } finally {
      this.dialing.delete(id);
      release();
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
    this.kinds.disconnected(id);
    this.store.updatePeer(id, { seen: true });
    this.store.publishEvent('peer-disconnected', { peerId: id, name: this.store.peer(id)?.name ?? null });
    this.log.info({ peer: id }, 'peer disconnected');
  }
}
