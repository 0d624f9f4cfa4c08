// Builds the libp2p node: TCP, Noise, Yamux, identify, LAN discovery. Knows nothing of messages.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type Identify, identify } from '@libp2p/identify';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p, type Libp2pInit, type Libp2pOptions } from 'libp2p';
import { AGENT } from '../version.js';
import { announceFilter, isOwnAddress, onLinkFirst } from './addresses.js';
import { type InboundAttempts, inboundAttempts } from './inbound-attempts.js';
import { currentLinks } from './links.js';
import { fastNoiseCrypto } from './noise-crypto.js';
import { type LanDiscovery, type LanLog, lanDiscovery } from './mdns/lan-discovery.js';
import { type NonChatPeers, nonChatPeers } from './non-chat-peers.js';

export interface NodeOptions {
  privateKey: PrivateKey;
  listen: string[];
  maxConnections: number;
  mdns: { enabled: boolean; intervalMs: number; network: string };
  /** Where LAN discovery logs (for example "UDP 5353 is unusable"); libp2p's debug log when absent. */
  log?: LanLog | undefined;
  /**
   * The trust part's connection gater (blocks, per-address limits). Called with the node once it
   * exists, since some decisions need its live connection list. Its denyDialMultiaddr is combined
   * with the node's own rule of never dialling itself.
   */
  gater?: ((node: ChatNode) => ConnectionGater) | undefined;
  /** Transports besides TCP (beyond the LAN: the circuit relay transport). */
  extraTransports?: NonNullable<Libp2pOptions['transports']> | undefined;
  /** Services besides identify, LAN discovery and nonChat, by name (beyond the LAN: relay, DHT). */
  extraServices?: Record<string, (components: never) => unknown> | undefined;
  /** Addresses to announce besides the ones listened on (a public address set in the config). */
  announce?: string[] | undefined;
  /** libp2p's own metrics (the metrics part's registry); none when absent. */
  metrics?: Libp2pInit['metrics'];
}

/**
 * Most bytes a peer may have in flight to us on one stream (yamux's receive window; its default
 * grows to 16 MiB). A stream we pause holds at most this much, and whatever we have not read yet
 * is all that can queue ahead of a ping on the connection: with 16 MiB of small frames queued,
 * the ping of libp2p's connection monitor waited longer than its timeout and the monitor dropped
 * a busy but healthy connection. 256 KiB is the window yamux starts every stream with.
 */
export const STREAM_WINDOW_BYTES = 256 * 1024;

export type ChatNode = Libp2p<{ identify: Identify; lan: LanDiscovery; nonChat: NonChatPeers; inbound: InboundAttempts }>;

/**
 * The mDNS service name for a network name. The default network uses libp2p's own service
 * (`_p2p._udp.local`), so that stock libp2p nodes and p2pchat find each other with no
 * configuration; any other network has a service name of its own, so that its daemons never hear
 * other networks' queries (and stock nodes find them only when configured with that name).
 */
export function mdnsServiceTag(network: string): string {
  return network === 'default' ? '_p2p._udp.local' : `_p2pchat-${network}._udp.local`;
}

export async function createChatNode(options: NodeOptions): Promise<ChatNode> {
  // Created lazily: the gater's factory needs the node, which exists only once createLibp2p returns.
  let gater: ConnectionGater | undefined;
  const trustGater = (): ConnectionGater => (gater ??= options.gater?.(node) ?? {});
  const node: ChatNode = await createLibp2p({
    privateKey: options.privateKey,
    nodeInfo: { userAgent: AGENT },
    metrics: options.metrics,
    addresses: {
      listen: options.listen,
      appendAnnounce: options.announce ?? [],
      announceFilter,
    },
    transports: [tcp(), ...(options.extraTransports ?? [])],
    connectionEncrypters: [noise({ crypto: fastNoiseCrypto })],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: STREAM_WINDOW_BYTES } })],
    connectionManager: { maxConnections: options.maxConnections, dialTimeout: 10_000, addressSorter: onLinkFirst() },
    connectionGater: {
      denyDialPeer: (peerId) => trustGater().denyDialPeer?.(peerId) ?? false,
      // Never dial ourselves, whatever address a peer record holds. Relay addresses lead to the
      // relay, not to us: neither ours nor the target's count (a relay may share our port number).
      denyDialMultiaddr: (ma) =>
        (!ma.toString().includes('/p2p-circuit') &&
          isOwnAddress(
            ma.toString(),
            node
              .getMultiaddrs()
              .map((a) => a.toString())
              .filter((a) => !a.includes('/p2p-circuit')),
            currentLinks(),
          )) ||
        (trustGater().denyDialMultiaddr?.(ma) ?? false),
      // libp2p asks this right after it accepted an inbound socket: from here on it is being upgraded.
      denyInboundConnection: async (maConn) => {
        if (await (trustGater().denyInboundConnection?.(maConn) ?? false)) return true;
        node.services.inbound.add(maConn);
        return false;
      },
      denyOutboundConnection: (peerId, maConn) => trustGater().denyOutboundConnection?.(peerId, maConn) ?? false,
      denyInboundEncryptedConnection: (peerId, maConn) => trustGater().denyInboundEncryptedConnection?.(peerId, maConn) ?? false,
      denyOutboundEncryptedConnection: (peerId, maConn) => trustGater().denyOutboundEncryptedConnection?.(peerId, maConn) ?? false,
      denyInboundUpgradedConnection: (peerId, maConn) => trustGater().denyInboundUpgradedConnection?.(peerId, maConn) ?? false,
      denyInboundRelayReservation: (peerId) => trustGater().denyInboundRelayReservation?.(peerId) ?? false,
      denyInboundRelayedConnection: (relay, remote) => trustGater().denyInboundRelayedConnection?.(relay, remote) ?? false,
      denyOutboundRelayedConnection: (source, destination) => trustGater().denyOutboundRelayedConnection?.(source, destination) ?? false,
      denyOutboundUpgradedConnection: (peerId, maConn) => trustGater().denyOutboundUpgradedConnection?.(peerId, maConn) ?? false,
    },
    services: {
      // The peer tracker runs identify on each connection itself, to learn when a peer has none.
      identify: identify({ runOnConnectionOpen: false }),
      lan: lanDiscovery({
        enabled: options.mdns.enabled,
        maxQueryIntervalMs: options.mdns.intervalMs,
        serviceTag: mdnsServiceTag(options.mdns.network),
        log: options.log,
        // libp2p nodes found not to speak /chat/1.0.0 are not dialled again when seen.
        ignore: (peerId) => node.services.nonChat.has(peerId),
      }),
      nonChat: nonChatPeers(),
      inbound: inboundAttempts(),
      ...(options.extraServices as Record<string, never> | undefined),
    },
    start: false,
  });
  return node;
}
