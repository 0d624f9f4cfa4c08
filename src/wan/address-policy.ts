// Which addresses beyond the LAN are worth handing out, and how a peer is connected: pure
// decisions on multiaddr strings, no I/O.
import { isLoopbackAddress } from '../node/addresses.js';
import type { ConnectionPath } from '../types.js';

/** IPv4 ranges that reach nothing on the internet: private, shared (CGNAT), link-local, benchmark and documentation ranges. */
const PRIVATE_V4: Array<[number, number]> = [
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10
  [0xa9fe0000, 16], // 169.254/16
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15
  [0xc0000200, 24], // 192.0.2/24
  [0xc6336400, 24], // 198.51.100/24
  [0xcb007100, 24], // 203.0.113/24
  [0x7f000000, 8], // 127/8
  [0x00000000, 8], // 0/8
];

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** The host part of a multiaddr: for a relay address, the relay's host (what the dial goes to first). */
export function hostPart(addr: string): { family: string; host: string } | undefined {
  const match = /^\/(ip4|ip6|dns|dns4|dns6|dnsaddr)\/([^/]+)/.exec(addr);
  return match ? { family: match[1] as string, host: match[2] as string } : undefined;
}

/** Whether an address reaches only a private network (or this host): private IPv4 ranges, IPv6 ULA, link-local, loopback, documentation. */
export function isPrivateAddress(addr: string): boolean {
  const part = hostPart(addr);
  if (!part) return true;
  if (part.family === 'ip4') {
    const value = ipv4ToInt(part.host);
    if (value === undefined) return true;
    return PRIVATE_V4.some(([base, bits]) => value >>> (32 - bits) === base >>> (32 - bits));
  }
  if (part.family === 'ip6') {
    const h = part.host.toLowerCase();
    return h === '::1' || h === '::' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith('2001:db8:') || h.startsWith('::ffff:');
  }
  // A DNS name counts as public: that is how a relay on a VPS is named.
  return part.host === 'localhost' || part.host.endsWith('.localhost');
}

export function isRelayAddress(addr: string): boolean {
  return addr.includes('/p2p-circuit');
}

/**
 * Whether the DHT may hand out (or take in) this address of a peer. Loopback never: it reaches
 * whoever dials it, not the peer (a relay listening on every address puts its loopback address
 * into its clients' relay addresses). Private ranges only when the user runs a private network on
 * them (`wan.privateAddresses`): otherwise a daemon's LAN addresses would be told to anyone who
 * asks for its id. A relay address is judged by the relay's own address.
 */
export function shareableAddress(addr: string, keepPrivate: boolean): boolean {
  if (isLoopbackAddress(addr)) return false;
  if (keepPrivate) return true;
  return !isPrivateAddress(addr);
}

/** The relay peer id in a relay address (/…/p2p/<relay>/p2p-circuit/…). */
export function relayOf(addr: string): string | undefined {
  return /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)\/p2p-circuit/.exec(addr)?.[1];
}

/**
 * How one connection reaches the peer: through a relay, directly to a private or loopback address
 * (the LAN, or a private network of the user's), or directly to a public address.
 */
export function connectionPath(remoteAddr: string): ConnectionPath {
  if (isRelayAddress(remoteAddr)) return 'relayed';
  return isPrivateAddress(remoteAddr) ? 'lan' : 'wan';
}

/** The best of a peer's connections: direct beats relayed. Undefined when there is none. */
export function bestPath(remoteAddrs: string[]): ConnectionPath | undefined {
  const paths = remoteAddrs.map(connectionPath);
  for (const path of ['lan', 'wan', 'relayed'] as const) if (paths.includes(path)) return path;
  return undefined;
}
