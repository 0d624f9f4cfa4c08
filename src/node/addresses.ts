// Which addresses to announce and which to dial: pure decisions, no I/O.
import type { AddressSorter } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { currentLinks, ipv4Of, type Link, onLink } from './links.js';

export function isLoopbackAddress(addr: string): boolean {
  return addr.startsWith('/ip4/127.') || addr.startsWith('/ip6/::1/');
}

/**
 * Which of a peer's listen addresses are worth dialing later: a loopback address only reaches
 * the peer if it is on this host, that is if it connected to us over loopback.
 */
export function dialableAddresses(listenAddrs: string[], connectedVia: string[]): string[] {
  const local = connectedVia.some(isLoopbackAddress);
  return listenAddrs.filter((a) => local || !isLoopbackAddress(a));
}

/**
 * Announce loopback addresses only when there is nothing else: a peer on another host that dials
 * our loopback address reaches itself. On a host (or namespace) with only `lo`, loopback is all
 * there is, and announcing it lets local daemons find each other.
 */
export function announceFilter(addrs: Multiaddr[]): Multiaddr[] {
  const external = addrs.filter((a) => !isLoopbackAddress(a.toString()));
  return external.length > 0 ? external : addrs;
}

/**
 * Dial order of a peer's addresses: first those on the subnet of one of our links (on a LAN, the
 * ones that work), then other addresses, loopback last. libp2p dials a peer's addresses one after
 * the other, so an unreachable address tried first would delay the connection by a whole timeout.
 */
export function dialRank(addr: string, links: Link[]): number {
  if (isLoopbackAddress(addr)) return 2;
  const ip = ipv4Of(addr);
  return ip !== undefined && links.some((l) => !l.internal && onLink(ip, l)) ? 0 : 1;
}

/** A libp2p address sorter from dialRank, reading the host's links at each comparison (they change). */
export function onLinkFirst(links: () => Link[] = currentLinks): AddressSorter {
  return (a, b) => {
    const current = links();
    return Math.sign(dialRank(a.multiaddr.toString(), current) - dialRank(b.multiaddr.toString(), current)) as -1 | 0 | 1;
  };
}

/** The TCP port of a multiaddr such as /ip4/10.0.0.1/tcp/4747/..., if it has one. */
function tcpPortOf(addr: string): string | undefined {
  return /\/tcp\/(\d+)/.exec(addr)?.[1];
}

/**
 * Whether dialing `target` would reach this daemon itself: one of the ports we listen on, at an
 * address of this host (loopback, one of its links, or one we announce).
 */
export function isOwnAddress(target: string, ours: string[], links: Link[]): boolean {
  const ip = ipv4Of(target);
  const port = tcpPortOf(target);
  if (ip === undefined || port === undefined || !ours.some((a) => tcpPortOf(a) === port)) return false;
  return ip.startsWith('127.') || links.some((l) => l.address === ip) || ours.some((a) => ipv4Of(a) === ip);
}
