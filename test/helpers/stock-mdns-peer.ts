// A stock libp2p node with @libp2p/mdns in its DEFAULT configuration (service _p2p._udp.local),
// shaped like libp2p's chat example (js-libp2p-examples, js-libp2p-example-chat): TCP, Noise,
// Yamux, no identify. Run inside a test namespace with one argument:
// - `listener`: handles /chat/1.0.0 and prints every frame it reads; it never dials.
// - `dialer`: handles nothing; on each discovery it opens a /chat/1.0.0 stream and writes a line.
// - `other`: a libp2p node of another application (identify, and a protocol that is not chat),
//   which dials every node it discovers, as an IPFS node does.
// Prints JSON lines: its peer id, then one per discovery, per frame read, per connection.
import '../../src/polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Stream } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { createLibp2p } from 'libp2p';

const CHAT = '/chat/1.0.0';
const mode = process.argv[2] ?? 'listener';
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const node = await createLibp2p({
  addresses: { listen: [mode === 'listener' ? '/ip4/0.0.0.0/tcp/10333' : '/ip4/0.0.0.0/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns()],
  ...(mode === 'other' ? { services: { identify: identify() } } : {}),
});

async function readFrames(stream: Stream): Promise<void> {
  const lp = lpStream(stream);
  try {
    // The example prints each frame without its first newline.
    while (true) print({ received: new TextDecoder().decode((await lp.read()).subarray()).replace('\n', '') });
  } catch {
    // the stream ended
  }
}

if (mode === 'listener') await node.handle(CHAT, (stream) => readFrames(stream));
if (mode === 'other') await node.handle('/other-app/1.0.0', async (stream) => stream.close());

node.addEventListener('peer:discovery', (evt) => {
  print({ discovered: evt.detail.id.toString() });
  if (mode === 'dialer') {
    void node
      .dialProtocol(evt.detail.multiaddrs, CHAT)
      .then(async (stream) => {
        const lp = lpStream(stream);
        // As the example writes a typed line: with its newline.
        await lp.write(new TextEncoder().encode('hello from a stock dialer\n'));
        void readFrames(stream);
      })
      .catch((err: Error) => print({ error: err.message }));
  }
  if (mode === 'other') void node.dial(evt.detail.multiaddrs).catch((err: Error) => print({ error: err.message }));
});
node.addEventListener('peer:connect', (evt) => print({ connected: evt.detail.toString() }));
node.addEventListener('peer:disconnect', (evt) => print({ disconnected: evt.detail.toString() }));
print({ peerId: node.peerId.toString() });
process.on('SIGTERM', async () => {
  await node.stop();
  process.exit(0);
});
