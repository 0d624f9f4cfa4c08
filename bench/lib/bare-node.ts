// A bare libp2p node with the daemon's transport stack (TCP + Noise + Yamux) and nothing else:
// no identify, no mDNS, no daemon logic.
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';

export const CHAT_PROTOCOL = '/chat/1.0.0';

export function createBareNode(listen: string[]): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Under a saturating sender, pings queue behind megabytes of stream data and time out; the
    // monitor would then abort the connection in the middle of a measurement.
    connectionMonitor: { abortConnectionOnPingFailure: false },
  });
}
