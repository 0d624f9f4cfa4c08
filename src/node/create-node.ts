// Builds the libp2p node: TCP, Noise, Yamux, identify, LAN discovery. Knows nothing of messages.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type Identify, identify } from '@libp2p/identify';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p, type Libp2pInit } from 'libp2p';
import { AGENT } from '../version.js';
import { announceFilter, isOwnAddress, onLinkFirst } from './addresses.js';
import { currentLinks } from './links.js';
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
  /** More libp2p services by name (for example gossipsub for rooms), added to the node's own. */
  extraServices?: Record<string, (components: never) => unknown> | undefined;
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

export type ChatNode = Libp2p<{ identify: Identify; lan: LanDiscovery; nonChat: NonChatPeers }>;

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
    addresses: { listen: options.listen, announceFilter },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: STREAM_WINDOW_BYTES } })],
    connectionManager: { maxConnections: options.maxConnections, dialTimeout: 10_000, addressSorter: onLinkFirst() },
    connectionGater: {
      denyDialPeer: (peerId) => trustGater().denyDialPeer?.(peerId) ?? false,
      // Never dial ourselves, whatever address a peer record holds.
      denyDialMultiaddr: (ma) =>
        isOwnAddress(
          ma.toString(),
          node.getMultiaddrs().map((a) => a.toString()),
          currentLinks(),
        ) ||
        (trustGater().denyDialMultiaddr?.(ma) ?? false),
      denyInboundConnection: (maConn) => trustGater().denyInboundConnection?.(maConn) ?? false,
      denyOutboundConnection: (peerId, maConn) => trustGater().denyOutboundConnection?.(peerId, maConn) ?? false,
      denyInboundEncryptedConnection: (peerId, maConn) => trustGater().denyInboundEncryptedConnection?.(peerId, maConn) ?? false,
      denyOutboundEncryptedConnection: (peerId, maConn) => trustGater().denyOutboundEncryptedConnection?.(peerId, maConn) ?? false,
      denyInboundUpgradedConnection: (peerId, maConn) => trustGater().denyInboundUpgradedConnection?.(peerId, maConn) ?? false,
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
      ...(options.extraServices as Record<string, never>),
    },
    start: false,
  });
  return node;
}
