// Which host a multiaddr reaches, in one spelling per host, and the network it belongs to: what
// connection admission counts per address and per subnet, and what our dials are limited by.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The remote IP address in a multiaddr such as /ip4/192.168.1.20/tcp/4747, normalised so that one
 * host has one spelling: IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes IPv4, IPv6 is written in full,
 * lower case, without a zone. Undefined for anything that is not a direct IP address: a relayed
 * connection names its relay's address, not the peer's, so it is not counted against that address.
 */
export function hostOfAddress(address: string): string | undefined {
  if (address.includes('/p2p-circuit')) return undefined;
  const match = /^\/(ip4|ip6)\/([^/]+)/.exec(address);
  if (!match) return undefined;
  const [, family, ip] = match as unknown as [string, string, string];
  if (family === 'ip4') return isIPv4(ip) ? ip : undefined;
  const groups = expandIPv6(ip);
  if (!groups) return undefined;
  // ::ffff:a.b.c.d is an IPv4 peer seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one (as written by hostOfAddress). */
export function subnetOf(host: string): string {
  if (isIPv4(host)) return `${host.split('.').slice(0, 3).join('.')}.0/24`;
  return `${host.split(':').slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function expandIPv6(text: string): number[] | undefined {
  let ip = text.split('%')[0] as string;
  if (!isIPv6(ip)) return undefined;
  // A trailing dotted IPv4 part stands for the last two groups: rewrite it as two hex groups.
  ip = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((g) => g.toString(16)).join(':'),
  );
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const halves = ip.split('::');
  const head = parse(halves[0] as string);
  const rest = halves.length > 1 ? parse(halves[1] as string) : [];
  const zeros = 8 - head.length - rest.length;
  return [...head, ...new Array<number>(zeros).fill(0), ...rest];
}
