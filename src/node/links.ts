// The host's IPv4 links (interfaces that are up, with an address) and which subnet an address is on.
// Node lists only interfaces that are up and running, so a pulled cable makes a link vanish here.
import { networkInterfaces } from 'node:os';

export interface Link {
  /** Interface name, e.g. eth0. */
  name: string;
  address: string;
  netmask: string;
  internal: boolean;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Whether an IPv4 address is on the link's subnet. */
export function onLink(ip: string, link: Link): boolean {
  const [a, l, m] = [ipv4ToInt(ip), ipv4ToInt(link.address), ipv4ToInt(link.netmask)];
  if (a === undefined || l === undefined || m === undefined) return false;
  // >>> 0 keeps the results unsigned, so that equal subnets compare equal.
  return (a & m) >>> 0 === (l & m) >>> 0;
}

/** The IPv4 address in a multiaddr such as /ip4/10.0.0.1/tcp/4747, if it has one. */
export function ipv4Of(multiaddr: string): string | undefined {
  const match = /^\/ip4\/([0-9.]+)\//.exec(`${multiaddr}/`);
  return match?.[1];
}

/** The host's IPv4 links, one per interface (its first IPv4 address), loopback included. */
export function currentLinks(): Link[] {
  const links: Link[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    const info = infos?.find((i) => i.family === 'IPv4');
    if (info) links.push({ name, address: info.address, netmask: info.netmask, internal: info.internal });
  }
  return links;
}
