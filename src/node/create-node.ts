// Builds the libp2p node: TCP, Noise, Yamux, identify, optional mDNS. Knows nothing of messages.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { AGENT } from '../version.js';
import { announceFilter } from './addresses.js';

export interface NodeOptions {
  privateKey: PrivateKey;
  listen: string[];
  maxConnections: number;
  mdns: { enabled: boolean; intervalMs: number; network: string };
}

export type ChatNode = Libp2p;

/** The mDNS service name for a network name: daemons of other networks never hear our queries. */
export function mdnsServiceTag(network: string): string {
  return network === 'default' ? '_p2pchat._udp.local' : `_p2pchat-${network}._udp.local`;
}

export async function createChatNode(options: NodeOptions): Promise<ChatNode> {
  const peerDiscovery = options.mdns.enabled
    ? [mdns({ interval: options.mdns.intervalMs, serviceTag: mdnsServiceTag(options.mdns.network) })]
    : [];
  return createLibp2p({
    privateKey: options.privateKey,
    nodeInfo: { userAgent: AGENT },
    addresses: { listen: options.listen, announceFilter },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: { maxConnections: options.maxConnections, dialTimeout: 10_000 },
    services: { identify: identify() },
    start: false,
  });
}
