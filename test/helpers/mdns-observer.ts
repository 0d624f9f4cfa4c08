// Listens to mDNS on a test LAN without taking part: run inside a namespace of its own on the
// bridge (`node mdns-observer.js`), it prints one JSON line per packet: who sent it, a query or a
// response, the PTR targets a query lists as known answers, and the PTR targets a response carries.
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface ObservedPacket {
  from: string;
  kind: 'query' | 'response';
  /** A query's known answers (PTR targets); a response's PTR targets. */
  ptrs: string[];
}

const socket = createSocket({ type: 'udp4', reuseAddr: true });
socket.on('message', (bytes, rinfo) => {
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(bytes);
  } catch {
    return;
  }
  const ptrs = (packet.answers ?? []).filter((r) => r.type === 'PTR').map((r) => String((r as dnsPacket.StringAnswer).data));
  const line: ObservedPacket = { from: rinfo.address, kind: packet.type === 'query' ? 'query' : 'response', ptrs };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});
socket.bind(5353, () => {
  socket.addMembership('224.0.0.251');
  process.stdout.write('{"listening":true}\n');
});
