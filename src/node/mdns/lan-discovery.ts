// mDNS discovery on every link of the host. Unlike @libp2p/mdns, which sends on one interface
// only, this queries and answers out of each link (so a host on two LANs is found on both),
// announces itself at start and whenever a link comes up (so peers need not wait for a query),
// and answers on each link with the addresses that work there. It behaves as an RFC 6762 responder
// (see responder.ts) and its records are libp2p's plus DNS-SD's (see records.ts), so stock libp2p
// nodes, avahi and python-zeroconf all see it.
import { createSocket, type Socket } from 'node:dgram';
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
import { currentLinks } from '../links.js';
import { bindSocket, LinkResponder, MDNS_GROUP } from './link-responder.js';
import { KnownAnswers } from './known-answers.js';
import { decodePacket, type Packet } from './packet.js';
import { addressesForLink, discoveryLinks, linkOf, linkRecords, readSightings } from './records.js';
import { isLegacyQuery, legacyReplyPacket, MDNS_PORT, replyTo } from './responder.js';
import { TruncatedQueries } from './truncated-queries.js';

/** How often to look for links that came up or went away (a cable plugged in, Wi-Fi joined). */
const LINK_CHECK_MS = 1000;
const LISTEN_EVENTS = ['transport:listening', 'transport:close'];

/** Counts since start (for logs, tests and metrics). */
export interface LanCounts {
  queriesSent: number;
  queriesReceived: number;
  /** Multicast responses we sent (answers and announcements). */
  responsesSent: number;
  responsesReceived: number;
  /** Sightings handed on to the daemon (not counted: those of peers we are connected to). */
  sightings: number;
}

/** The log calls this part makes; a pino logger fits, and so does libp2p's (see libp2pLog). */
export interface LanLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LanDiscoveryInit {
  enabled: boolean;
  serviceTag: string;
  /** Longest interval between queries on a link (they start 1 s apart and double up to this). */
  maxQueryIntervalMs: number;
  log?: LanLog | undefined;
  /** Peers whose sightings are not reported (libp2p nodes that are no chat peers). */
  ignore?: ((peerId: string) => boolean) | undefined;
  /** Only tests change it. */
  port?: number;
}

export interface LanDiscoveryComponents {
  peerId: PeerId;
  addressManager: { getAddresses(): Multiaddr[] };
  logger: ComponentLogger;
  events: EventTarget;
}

function libp2pLog(logger: ComponentLogger): LanLog {
  const log = logger.forComponent('p2pchat:lan-discovery');
  return {
    debug: (obj, msg) => log('%s %o', msg, obj),
    warn: (obj, msg) => log.error('%s %o', msg, obj),
  };
}

export class LanDiscovery extends EventTarget implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this;
  readonly [Symbol.toStringTag] = 'p2pchat:lan-discovery';
  private readonly components: LanDiscoveryComponents;
  private readonly init: LanDiscoveryInit;
  private readonly log: LanLog;
  private readonly port: number;
  private receiver?: Socket | undefined;
  private readonly links = new Map<string, LinkResponder>();
  private linkTimer: NodeJS.Timeout | undefined;
  private listeners = 0;
  /** Peers we are connected to: their sightings tell nothing new, and our queries list them as known. */
  private readonly connected = new Set<string>();
  private readonly known = new KnownAnswers();
  private readonly truncated = new TruncatedQueries();
  readonly counts: LanCounts = { queriesSent: 0, queriesReceived: 0, responsesSent: 0, responsesReceived: 0, sightings: 0 };
  private readonly onConnect = (evt: Event) => this.connected.add(String((evt as CustomEvent<PeerId>).detail));
  private readonly onDisconnect = (evt: Event) => this.connected.delete(String((evt as CustomEvent<PeerId>).detail));
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
    receiver.on('message', (msg, rinfo) => this.onPacket(msg, rinfo.address, rinfo.port));
    try {
      await bindSocket(receiver, this.port);
    } catch (err) {
      // Not fatal: the daemon still works with `connect` and configured peers.
      this.log.warn({ err: (err as Error).message }, `mDNS discovery is off: cannot use UDP port ${this.port}`);
      receiver.close();
      return;
    }
    receiver.on('error', (err) => this.log.debug({ err: err.message }, 'mDNS socket error'));
    this.receiver = receiver;
    for (const event of LISTEN_EVENTS) this.components.events.addEventListener(event, this.onListening);
    this.components.events.addEventListener('peer:connect', this.onConnect);
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect);
    this.checkLinks();
    this.linkTimer = setInterval(() => this.checkLinks(), LINK_CHECK_MS);
    this.linkTimer.unref();
  }

  /** Stops, first saying goodbye on every link so that other stacks drop our records at once. */
  async stop(): Promise<void> {
    if (!this.receiver) return;
    for (const event of LISTEN_EVENTS) this.components.events.removeEventListener(event, this.onListening);
    this.components.events.removeEventListener('peer:connect', this.onConnect);
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect);
    this.connected.clear();
    this.truncated.stop();
    clearInterval(this.linkTimer);
    await Promise.all([...this.links.keys()].map((name) => this.dropLink(name)));
    const receiver = this.receiver;
    this.receiver = undefined;
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }

  /** Whether the peer's records name it as a p2pchat daemon does (instance name = peer id), unlike a stock libp2p node's random name. */
  announcesDaemon(peerId: string): boolean {
    return this.known.instanceOf(peerId) === `${peerId}.${this.init.serviceTag}`;
  }

  private ourAddresses(): string[] {
    return this.components.addressManager.getAddresses().map((a) => a.toString());
  }

  /** Follows the host's links: joins new ones (query and announce there), leaves gone ones, re-announces changed addresses. */
  private checkLinks(): void {
    if (!this.receiver) return;
    const ours = this.ourAddresses();
    const wanted = new Map(discoveryLinks(currentLinks(), ours).map((l) => [l.name, l]));
    for (const [name, responder] of this.links) {
      const now = wanted.get(name);
      if (!now || now.address !== responder.link.address || now.netmask !== responder.link.netmask) void this.dropLink(name);
    }
    for (const link of wanted.values()) {
      const responder = this.links.get(link.name) ?? this.addLink(link);
      const addresses = addressesForLink(ours, link);
      const key = addresses.join(' ');
      if (key === responder.announced) continue;
      responder.announced = key;
      // New addresses (or a new link) are announced at once, and once more a little later.
      responder.records = linkRecords(this.init.serviceTag, this.components.peerId.toString(), link, addresses);
      responder.announce();
    }
  }

  private addLink(link: LinkResponder['link']): LinkResponder {
    try {
      this.receiver?.addMembership(MDNS_GROUP, link.address);
    } catch (err) {
      // EADDRINUSE: still a member from before the link went away; anything else is logged.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE')
        this.log.debug({ link: link.name, err: (err as Error).message }, 'cannot join mDNS group');
    }
    const responder = new LinkResponder({
      link,
      serviceTag: this.init.serviceTag,
      port: this.port,
      maxQueryIntervalMs: this.init.maxQueryIntervalMs,
      log: this.log,
      knownAnswers: () => this.known.list(this.init.serviceTag, (peerId) => this.connected.has(peerId), Date.now()),
      counts: this.counts,
      onPacket: (bytes, source, sourcePort) => this.onPacket(bytes, source, sourcePort),
    });
    this.links.set(link.name, responder);
    this.log.debug({ link: link.name, address: link.address }, 'mDNS on link');
    responder.startQueries();
    return responder;
  }

  /** Leaves a link, saying goodbye there (which fails quietly when the interface is gone). */
  private async dropLink(name: string): Promise<void> {
    const responder = this.links.get(name);
    if (!responder) return;
    this.links.delete(name);
    try {
      this.receiver?.dropMembership(MDNS_GROUP, responder.link.address);
    } catch {
      // the interface is gone, and the membership with it
    }
    await responder.close(true);
    this.log.debug({ link: name }, 'mDNS off link');
  }

  private onPacket(bytes: Buffer, source: string, sourcePort: number): void {
    let packet: Packet;
    try {
      packet = decodePacket(bytes);
    } catch {
      return; // another responder's packet we cannot read, or garbage: neither is ours
    }
    const responders = [...this.links.values()];
    const fromThisHost = source.startsWith('127.') || responders.some((r) => r.link.address === source);
    if (packet.type === 'query') {
      if (fromThisHost && responders.some((r) => r.isOwnQuery(bytes))) return;
      if ((packet.questions ?? []).length > 0) this.counts.queriesReceived++;
      // A query whose known answers go on in the next packets is answered once they are in.
      const later = (query: Packet) => this.onQuery(query, source, sourcePort, [...this.links.values()]);
      if (!this.truncated.take(packet, source, sourcePort, later)) this.onQuery(packet, source, sourcePort, responders);
      return;
    }
    this.counts.responsesReceived++;
    const now = Date.now();
    for (const sighting of readSightings(packet, this.init.serviceTag)) {
      if (sighting.peerId === this.components.peerId.toString()) continue;
      this.known.heard(sighting, now);
      // A connected peer's sighting would only be merged into libp2p's peer store again, for nothing.
      if (this.connected.has(sighting.peerId) || this.init.ignore?.(sighting.peerId)) continue;
      this.counts.sightings++;
      // A peer's loopback address reaches that peer only from its own host.
      const usable = sighting.multiaddrs.filter((a) => fromThisHost || !isLoopbackAddress(a));
      const detail = toPeerInfo(sighting.peerId, usable);
      if (detail) this.safeDispatchEvent('peer', { detail });
    }
  }

  /** Answers on the link the query came from (on every link when that is unknown), each with that link's records. */
  private onQuery(query: Packet, source: string, sourcePort: number, responders: LinkResponder[]): void {
    if (!this.receiver) return; // stopped while a truncated query waited
    const link = linkOf(
      source,
      responders.map((r) => r.link),
    );
    // A unicast reply goes only to a querier on one of our links (RFC 6762 section 11): a forged
    // source address elsewhere must not turn us into a reflector.
    const legacy = isLegacyQuery(sourcePort);
    if (legacy && !link) return;
    for (const responder of responders) {
      if ((link && responder.link.name !== link.name) || !responder.records) continue;
      const reply = replyTo(query, responder.records);
      if (!reply) continue;
      if (legacy) responder.sendTo(legacyReplyPacket(query, reply), source, sourcePort);
      else responder.answer(reply);
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
