// A raw libp2p 3 peer with gossipsub, as a p2pchat daemon's room topics expect one (signed gossip,
// agent p2pchat/...): what a member built by someone else, or an attacker, looks like to a daemon.
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { CHAT, P2PCHAT_AGENT } from './raw-peer.js';

export type GossipPeer = Libp2p<{ pubsub: GossipSub; identify: ReturnType<ReturnType<typeof identify>> }>;

/** Starts the peer on loopback, with `privateKey` when the test signs messages with it too. */
export async function gossipPeer(privateKey?: PrivateKey): Promise<GossipPeer> {
  const node = (await createLibp2p({
    ...(privateKey ? { privateKey } : {}),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { userAgent: P2PCHAT_AGENT },
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: 'StrictSign', allowPublishToZeroTopicPeers: true, emitSelf: false }),
    },
  })) as unknown as GossipPeer;
  // Speaks /chat/1.0.0 (reads and drops), so the daemon keeps it as a peer.
  await node.handle(CHAT, (stream) => void stream.close());
  return node;
}
