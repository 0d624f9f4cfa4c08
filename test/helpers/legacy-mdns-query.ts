// A one-shot DNS resolver, as dig or a simple library asks mDNS (RFC 6762 section 6.7): one query
// to 224.0.0.251:5353 from a random port, then the first reply that comes back to that port.
// Run inside a test namespace: `node legacy-mdns-query.js <name> <type>`; prints the reply as one
// JSON line with its source, or {"timeout":true}.
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

const [name = '_p2p._udp.local', type = 'PTR'] = process.argv.slice(2);
const socket = createSocket('udp4');
socket.bind(0, () => {
  const query = dnsPacket.encode({ type: 'query', id: 0x1234, questions: [{ name, type: type as 'PTR' }] });
  socket.send(query, 5353, '224.0.0.251');
});
socket.on('message', (bytes, rinfo) => {
  const reply = dnsPacket.decode(bytes);
  const records = [...(reply.answers ?? []), ...(reply.additionals ?? [])].map((r) => ({
    name: r.name,
    type: r.type,
    ttl: 'ttl' in r ? r.ttl : undefined,
    flush: 'flush' in r ? r.flush : undefined,
  }));
  process.stdout.write(`${JSON.stringify({ from: rinfo.address, port: rinfo.port, id: reply.id, questions: reply.questions, records })}\n`);
  process.exit(0);
});
setTimeout(() => {
  process.stdout.write('{"timeout":true}\n');
  process.exit(0);
}, 10_000).unref();
