// A baseline peer for scenarios 1 and 2: plain TCP or a bare libp2p node, as the server (counts,
// echoes) or the client (runs workloads when the bench asks). Usage: stream-peer tcp|libp2p server|client [port]
import '../../src/polyfills.js';
import { createServer, connect as tcpConnect } from 'node:net';
import { serveRequests } from '../lib/child.js';
import { type FrameLink, socketLink, streamLink } from '../lib/links.js';
import { serve, WorkloadClient } from '../lib/workload.js';

const [transport, role, port = '0'] = process.argv.slice(2);

async function startServer(): Promise<string> {
  if (transport === 'tcp') {
    const server = createServer((socket) => serve(socketLink(socket)));
    await new Promise<void>((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
    return String((server.address() as { port: number }).port);
  }
  const { createBareNode, CHAT_PROTOCOL } = await import('../lib/bare-node.js');
  const node = await createBareNode([`/ip4/127.0.0.1/tcp/${port}`]);
  await node.handle(CHAT_PROTOCOL, (stream) => serve(streamLink(stream)));
  return (node.getMultiaddrs()[0] as { toString(): string }).toString();
}

/** Dials the server; the peer id is the bare libp2p node's (so a daemon can make it a contact). */
async function dial(address: string): Promise<{ link: FrameLink; peerId?: string }> {
  if (transport === 'tcp') {
    const socket = tcpConnect(Number(address), '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return { link: socketLink(socket) };
  }
  const { createBareNode, CHAT_PROTOCOL } = await import('../lib/bare-node.js');
  const { multiaddr } = await import('@multiformats/multiaddr');
  const node = await createBareNode([]);
  return { link: streamLink(await node.dialProtocol(multiaddr(address), CHAT_PROTOCOL)), peerId: node.peerId.toString() };
}

if (role === 'server') {
  serveRequests(await startServer(), async () => process.memoryUsage().rss);
} else {
  let client: WorkloadClient | undefined;
  const connected = () => {
    if (!client) throw new Error('not connected');
    return client;
  };
  serveRequests(true, async (req) => {
    switch (req.cmd) {
      case 'connect': {
        const { link, peerId } = await dial(req.address as string);
        client = new WorkloadClient(link);
        return peerId ?? true;
      }
      case 'throughput':
        return connected().throughput(req.count as number, req.size as number, req.perWrite as number);
      case 'flood':
        return connected().flood(req.count as number, req.size as number, req.perWrite as number);
      case 'latency':
        return connected().latency(req.count as number, req.size as number);
      default:
        throw new Error(`unknown request ${String(req.cmd)}`);
    }
  });
}
