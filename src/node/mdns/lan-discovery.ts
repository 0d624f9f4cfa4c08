// mDNS discovery on every link of the host. Unlike @libp2p/mdns, which sends on one interface
// only, this sends queries and answers out of each link (so a host on two LANs is found on both),
// announces itself at start and whenever a link comes up (so peers need not wait for a query),
// and answers on each link with the addresses that work there. The records are libp2p's, so the
// wire format stays that of libp2p mDNS discovery.
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import {
  type ComponentLogger,
  type PeerDiscovery,
  peerDiscoverySymbol,
  type PeerId,
  type PeerInfo,
  type Startable,
} from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { isLoopbackAddress } from '../addresses.js';
import { currentLinks, type Link } from '../links.js';
import { decodePacket, encodePacket, type Packet } from './packet.js';
import { addressesForLink, answerPacket, asksFor, discoveryLinks, linkOf, queryPacket, readSightings } from './records.js';

const MDNS_GROUP = '224.0.0.251';
const MDNS_PORT = 5353;
/** How often to look for links that came up or went away (a cable plugged in, Wi-Fi joined). */
const LINK_CHECK_MS = 1000;
/**
 * At most one announcement per link in this time (RFC 6762, section 6): answers to queries that
 * come faster are sent together when it has passed. A new announcement is also repeated once after
 * it, as RFC 6762 asks, since multicast on Wi-Fi gets lost.
 */
const ANNOUNCE_GAP_MS = 1000;
const LISTEN_EVENTS = ['transport:listening', 'transport:close'];

/** The log calls this part makes; a pino logger fits, and so does libp2p's (see libp2pLog). */
export interface LanLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LanDiscoveryInit {
  enabled: boolean;
  serviceTag: string;
  intervalMs: number;
  log?: LanLog | undefined;
  /** Only tests change it. */
  port?: number;
}

export interface LanDiscoveryComponents {
  peerId: PeerId;
  addressManager: { getAddresses(): Multiaddr[] };
  logger: ComponentLogger;
  events: EventTarget;
}

interface LinkState {
  link: Link;
  /** Sends out of this link only; undefined when no socket could be opened there. */
  sender: Promise<Socket | undefined>;
  /** The addresses last announced here, to announce again when they change. */
  announced: string;
  lastAnnounceAt: number;
  /** A later announcement, waiting for ANNOUNCE_GAP_MS to pass. */
  pending?: NodeJS.Timeout | undefined;
}

function libp2pLog(logger: ComponentLogger): LanLog {
  const log = logger.forComponent('p2pchat:lan-discovery');
  return {
    debug: (obj, msg) => log('%s %o', msg, obj),
    warn: (obj, msg) => log.error('%s %o', msg, obj),
  };
}

function bind(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address, exclusive: false }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

export class LanDiscovery extends EventTarget implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this;
  readonly [Symbol.toStringTag] = 'p2pchat:lan-discovery';
  private readonly components: LanDiscoveryComponents;
  private readonly init: LanDiscoveryInit;
  private readonly log: LanLog;
  private readonly port: number;
  /** Our queries carry this id, so that we do not answer our own queries when they loop back. */
  private readonly queryId = randomInt(1, 0xffff);
  private receiver?: Socket | undefined;
  private readonly links = new Map<string, LinkState>();
  private timers: NodeJS.Timeout[] = [];
  private listeners = 0;
  /** Our addresses change when a transport starts or stops listening: announce at once. */
  private readonly onListening = () => this.checkLinks();

  constructor(components: LanDiscoveryComponents, init: LanDiscoveryInit) {
    super();
    this.components = components;
    this.init = init;
    this.log = init.log ?? libp2pLog(components.logger);
    this.port = init.port ?? MDNS_PORT;
  }

  listenerCount(type: string): number {
    return type === 'peer' ? this.listeners : 0;
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[0] === 'peer') this.listeners++;
    super.addEventListener(...args);
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[0] === 'peer') this.listeners = Math.max(0, this.listeners - 1);
    super.removeEventListener(...args);
  }

  safeDispatchEvent<Detail>(type: string, detail?: { detail?: Detail }): boolean {
    return this.dispatchEvent(new CustomEvent(type, detail));
  }

  isStarted(): boolean {
    return this.receiver !== undefined;
  }

  async start(): Promise<void> {
    if (!this.init.enabled || this.receiver) return;
    const receiver = createSocket({ type: 'udp4', reuseAddr: true });
    receiver.on('message', (msg, rinfo) => this.onPacket(msg, rinfo.address));
    try {
      await bind(receiver, this.port);
    } catch (err) {
      // Not fatal: the daemon still works with `connect` and configured peers.
      this.log.warn({ err: (err as Error).message }, `mDNS discovery is off: cannot use UDP port ${this.port}`);
      receiver.close();
      return;
    }
    receiver.on('error', (err) => this.log.debug({ err: err.message }, 'mDNS socket error'));
    this.receiver = receiver;
    for (const event of LISTEN_EVENTS) this.components.events.addEventListener(event, this.onListening);
    this.checkLinks();
    this.timers = [setInterval(() => this.checkLinks(), LINK_CHECK_MS), setInterval(() => this.queryAll(), this.init.intervalMs)];
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    if (!this.receiver) return;
    for (const event of LISTEN_EVENTS) this.components.events.removeEventListener(event, this.onListening);
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const name of [...this.links.keys()]) this.dropLink(name);
    const receiver = this.receiver;
    this.receiver = undefined;
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }

  private ourAddresses(): string[] {
    return this.components.addressManager.getAddresses().map((a) => a.toString());
  }

  /** Follows the host's links: joins new ones (query and announce there), leaves gone ones, re-announces changed addresses. */
  private checkLinks(): void {
    if (!this.receiver) return;
    const ours = this.ourAddresses();
    const wanted = new Map(discoveryLinks(currentLinks(), ours).map((l) => [l.name, l]));
    for (const [name, state] of this.links) {
      const now = wanted.get(name);
      if (!now || now.address !== state.link.address || now.netmask !== state.link.netmask) this.dropLink(name);
    }
    for (const link of wanted.values()) {
      const state = this.links.get(link.name) ?? this.addLink(link);
      const addresses = addressesForLink(ours, link);
      const key = addresses.join(' ');
      if (key === state.announced) continue;
      state.announced = key;
      if (addresses.length === 0) continue;
      // New addresses (or a new link) are announced at once, and once more a little later.
      clearTimeout(state.pending);
      state.pending = undefined;
      this.announce(state);
      this.announceSoon(state);
    }
  }

  private addLink(link: Link): LinkState {
    try {
      this.receiver?.addMembership(MDNS_GROUP, link.address);
    } catch (err) {
      // EADDRINUSE: still a member from before the link went away; anything else is logged.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE')
        this.log.debug({ link: link.name, err: (err as Error).message }, 'cannot join mDNS group');
    }
    const state: LinkState = { link, sender: this.openSender(link), announced: '', lastAnnounceAt: 0 };
    this.links.set(link.name, state);
    this.log.debug({ link: link.name, address: link.address }, 'mDNS on link');
    this.send(state, queryPacket(this.queryId, this.init.serviceTag));
    return state;
  }

  /**
   * A socket that sends out of one link only. It sends from port 5353, as mDNS asks; if another
   * program holds that port for this address, from any port (p2pchat daemons still listen to it).
   */
  private async openSender(link: Link): Promise<Socket | undefined> {
    for (const port of [this.port, 0]) {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      try {
        await bind(socket, port, link.address);
      } catch (err) {
        socket.close();
        this.log.debug({ link: link.name, port, err: (err as Error).message }, 'cannot send mDNS from this port');
        continue;
      }
      socket.on('error', (err) => this.log.debug({ link: link.name, err: err.message }, 'mDNS send socket error'));
      socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo.address));
      socket.setMulticastInterface(link.address);
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(true);
      return socket;
    }
    return undefined;
  }

  private dropLink(name: string): void {
    const state = this.links.get(name);
    if (!state) return;
    this.links.delete(name);
    clearTimeout(state.pending);
    try {
      this.receiver?.dropMembership(MDNS_GROUP, state.link.address);
    } catch {
      // the interface is gone, and the membership with it
    }
    void state.sender.then((socket) => socket?.close());
    this.log.debug({ link: name }, 'mDNS off link');
  }

  private announce(state: LinkState): void {
    const addresses = addressesForLink(this.ourAddresses(), state.link);
    if (addresses.length === 0) return;
    this.send(state, answerPacket(this.init.serviceTag, this.components.peerId.toString(), addresses));
    state.lastAnnounceAt = Date.now();
  }

  /** Announces on a link now, or when ANNOUNCE_GAP_MS has passed since the last announcement there. */
  private announceSoon(state: LinkState): void {
    if (state.pending) return;
    const wait = state.lastAnnounceAt + ANNOUNCE_GAP_MS - Date.now();
    if (wait <= 0) return this.announce(state);
    state.pending = setTimeout(() => {
      state.pending = undefined;
      this.announce(state);
    }, wait);
    state.pending.unref();
  }

  private queryAll(): void {
    for (const state of this.links.values()) this.send(state, queryPacket(this.queryId, this.init.serviceTag));
  }

  private send(state: LinkState, packet: Packet): void {
    const bytes = encodePacket(packet);
    void state.sender.then((socket) => {
      if (!socket || this.links.get(state.link.name) !== state) return;
      socket.send(bytes, this.port, MDNS_GROUP, (err) => {
        if (err) this.log.debug({ link: state.link.name, err: err.message }, 'mDNS send failed');
      });
    });
  }

  private onPacket(bytes: Buffer, source: string): void {
    let packet: Packet;
    try {
      packet = decodePacket(bytes);
    } catch {
      return; // another responder's packet we cannot read, or garbage: neither is ours
    }
    const links = [...this.links.values()];
    const fromThisHost = source.startsWith('127.') || links.some((s) => s.link.address === source);
    if (asksFor(packet, this.init.serviceTag)) {
      if (packet.id === this.queryId && fromThisHost) return;
      // Answer on the link the query came from; when that is unknown, on every link.
      const link = linkOf(
        source,
        links.map((s) => s.link),
      );
      for (const state of links) if (!link || state.link.name === link.name) this.announceSoon(state);
    }
    for (const sighting of readSightings(packet, this.init.serviceTag)) {
      if (sighting.peerId === this.components.peerId.toString()) continue;
      // A peer's loopback address reaches that peer only from its own host.
      const usable = sighting.multiaddrs.filter((a) => fromThisHost || !isLoopbackAddress(a));
      const detail = toPeerInfo(sighting.peerId, usable);
      if (detail) this.safeDispatchEvent('peer', { detail });
    }
  }
}

function toPeerInfo(peerId: string, addresses: string[]): PeerInfo | undefined {
  try {
    // Discovery reports addresses without the /p2p/<id> part, as libp2p's own mDNS does.
    const multiaddrs = addresses.map((a) => multiaddr(a).decapsulateCode(CODE_P2P));
    return multiaddrs.length > 0 ? { id: peerIdFromString(peerId), multiaddrs } : undefined;
  } catch {
    return undefined; // an address or peer id that does not parse
  }
}

/** The libp2p service factory: `services: { lan: lanDiscovery({...}) }`. */
export function lanDiscovery(init: LanDiscoveryInit): (components: LanDiscoveryComponents) => LanDiscovery {
  return (components) => new LanDiscovery(components, init);
}
