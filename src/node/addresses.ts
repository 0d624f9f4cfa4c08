// Which addresses to announce and which to dial: pure decisions, no I/O.
import type { Multiaddr } from '@multiformats/multiaddr';

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
