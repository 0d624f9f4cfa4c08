// The running part of beyond-the-LAN: keeps relays and bootstrap peers connected, finds peers by
// id through the DHT, and tells how this daemon and each peer are reached.
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '../logger.js';
import type { ChatNode } from '../node/create-node.js';
import type { ConnectionPath, ReachabilityInfo } from '../types.js';
import { bestPath, isRelayAddress } from './address-policy.js';
import { AddressRefresh } from './address-refresh.js';
import { DirectUpgrade } from './direct-upgrade.js';
import { encodeInvitation } from './invitation.js';
import { relayedWindowBytes } from './relayed-window.js';
import { PeerKeeper } from './peer-keeper.js';
import { type Reachability, reachabilityOf } from './reachability.js';
import { type WanConfig, wanEnabled } from './wan-options.js';

interface RelayService {
  reservations: { size: number };
}
interface DhtService {
  routingTable: { size: number };
}

export class PeerNotFoundError extends Error {
  override name = 'PeerNotFoundError';
}

/** Finding a peer by id was asked of a daemon with beyond-the-LAN off: asking again will not help. */
export class WanOffError extends Error {
  override name = 'WanOffError';
}

export class Wan {
  private readonly node: ChatNode;
  private readonly log: Logger;
  private readonly config: WanConfig;
  private readonly enabled: boolean;
  private readonly keeper: PeerKeeper;
  private readonly refresh: AddressRefresh;
  private readonly upgrade: DirectUpgrade;

  /** `wanted`: the peers with messages waiting (the outbox), whose addresses are looked up again while they cannot be reached. */
  constructor(
    components: { node: ChatNode; log: Logger; wanted: () => string[]; isContact: (peerId: string) => boolean },
    config: WanConfig,
  ) {
    this.node = components.node;
    this.log = components.log;
    this.config = config;
    this.enabled = wanEnabled(config);
    const kept = this.enabled ? [...config.wan.relays, ...config.wan.bootstrap] : [];
    this.keeper = new PeerKeeper(
      {
        dial: (address) => this.node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) }),
        isConnected: (peerId) => this.isConnected(peerId),
        log: this.log,
      },
      {
        peers: [...new Set(kept)].map((address) => ({ address, peerId: address.slice(address.lastIndexOf('/p2p/') + 5) })),
        minDelayMs: 1000,
        maxDelayMs: config.wan.redialMaxMs,
        checkIntervalMs: 1000,
      },
    );
    this.upgrade = new DirectUpgrade({ node: this.node, isContact: components.isContact, log: this.log });
    this.refresh = new AddressRefresh(
      {
        wanted: components.wanted,
        isConnected: (peerId) => this.isConnected(peerId),
        lookUp: (peerId) => this.findPeer(peerId, 10_000, true),
        log: this.log,
      },
      { minDelayMs: 2000, maxDelayMs: config.wan.redialMaxMs, checkIntervalMs: 1000 },
    );
  }

  private isConnected(peerId: string): boolean {
    try {
      return this.node.getConnections(peerIdFromString(peerId)).some((c) => c.status === 'open');
    } catch {
      return false;
    }
  }

  start(): void {
    if (!this.enabled) {
      if (this.config.wan.relays.length + this.config.wan.bootstrap.length > 0) {
        this.log.warn('wan.relays or wan.bootstrap is set but wan.enabled is off: this daemon stays on its LAN');
      }
      return;
    }
    if (this.config.relay.server && this.reachability().mode !== 'public') {
      // Its reservations would name only addresses that work on its own network.
      this.log.warn('a relay server with no public address: set wan.announce to the address others reach it on (see docs/wan.md)');
    }
    this.node.addEventListener('peer:disconnect', this.onDisconnect);
    this.node.addEventListener('self:peer:update', this.onSelfUpdate);
    this.keeper.start();
    this.refresh.start();
    this.upgrade.start();
  }

  stop(): void {
    this.keeper.stop();
    this.refresh.stop();
    this.upgrade.stop();
    this.node.removeEventListener('peer:disconnect', this.onDisconnect);
    this.node.removeEventListener('self:peer:update', this.onSelfUpdate);
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => this.keeper.disconnected(evt.detail.toString());

  private lastMode: string | undefined;
  private readonly onSelfUpdate = (): void => {
    const now = this.reachability();
    const key = `${now.mode} ${now.relays.join(',')}`;
    if (key === this.lastMode) return;
    this.lastMode = key;
    this.log.info(
      { reachability: now.mode, relays: now.relays, addresses: this.addresses().filter(isRelayAddress) },
      'reachability changed',
    );
  };

  private addresses(): string[] {
    return this.node.getMultiaddrs().map((a) => a.toString());
  }

  reachability(): Reachability {
    return reachabilityOf({ enabled: this.enabled, addresses: this.addresses(), announced: this.config.wan.announce });
  }

  status(): ReachabilityInfo {
    const services = this.node.services as unknown as { relay?: RelayService; dht?: DhtService };
    return {
      ...this.reachability(),
      relayReservations: services.relay ? services.relay.reservations.size : null,
      dhtPeers: services.dht ? services.dht.routingTable.size : null,
    };
  }

  /** Delivery's byte window for a peer: smaller when it is reached only through relays with a data limit. */
  windowBytes(peerId: string, usual: number): number {
    let id: PeerId;
    try {
      id = peerIdFromString(peerId);
    } catch {
      return usual;
    }
    const open = this.node.getConnections(id).filter((c) => c.status === 'open');
    // A relayed connection with no data limit (a relay with `applyDefaultLimit` off) counts as unlimited.
    return relayedWindowBytes(
      open.map((c) => c.limits?.bytes),
      usual,
    );
  }

  /** How a connected peer is reached now (its best open connection), or null when it is not connected. */
  pathOf(peerId: string): ConnectionPath | null {
    let id: PeerId;
    try {
      id = peerIdFromString(peerId);
    } catch {
      return null;
    }
    const open = this.node.getConnections(id).filter((c) => c.status === 'open');
    return bestPath(open.map((c) => c.remoteAddr.toString())) ?? null;
  }

  /**
   * This daemon's invitation: its peer id and current addresses, direct and relayed (as announced:
   * loopback ones only when there is nothing else, as on a host with only `lo`).
   */
  invitation(): { invitation: string; peerId: string; addresses: string[] } {
    const addresses = this.addresses();
    // Relay addresses first: they work from anywhere; direct ones only from where they are reachable.
    addresses.sort((a, b) => Number(isRelayAddress(b)) - Number(isRelayAddress(a)));
    const peerId = this.node.peerId.toString();
    return { invitation: encodeInvitation({ peerId, addresses }), peerId, addresses };
  }

  /**
   * A peer's addresses, asked of the DHT (the local peer store first, unless `fresh`: what we hold
   * may be older than the peer's relay reservation). Throws PeerNotFoundError.
   */
  async findPeer(peerId: string, timeoutMs: number, fresh = false): Promise<string[]> {
    if (!this.enabled) throw new WanOffError('finding a peer by id needs beyond-the-LAN (wan.enabled); give an address or an invitation');
    try {
      const found = await this.node.peerRouting.findPeer(peerIdFromString(peerId), {
        signal: AbortSignal.timeout(timeoutMs),
        useCache: !fresh,
      });
      return found.multiaddrs.map((a) => a.toString());
    } catch (err) {
      throw new PeerNotFoundError(`peer ${peerId} was not found through the DHT: ${(err as Error).message}`);
    }
  }
}
