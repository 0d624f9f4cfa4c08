// A stock libp2p node discovering with the ecosystem's @libp2p/mdns under p2pchat's service name.
// Run inside a test namespace; prints one JSON line with its peer id, then one per discovered peer.
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { mdns } from '@libp2p/mdns';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';

const node = await createLibp2p({
  addresses: { listen: ['/ip4/0.0.0.0/tcp/4848'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns({ serviceTag: '_p2pchat._udp.local', interval: 1000 })],
  services: { identify: identify() },
});
node.addEventListener('peer:discovery', (evt) => {
  process.stdout.write(`${JSON.stringify({ discovered: evt.detail.id.toString() })}\n`);
});
process.stdout.write(`${JSON.stringify({ peerId: node.peerId.toString() })}\n`);
process.on('SIGTERM', async () => {
  await node.stop();
  process.exit(0);
});
