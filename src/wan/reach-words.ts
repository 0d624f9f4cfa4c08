// How this daemon is reached, in words: the `Reach:` line of `status` and the web app's status
// page say the same thing. Pure, and importing nothing at run time: the web app bundles it.
import type { ReachabilityInfo } from '../types.js';

/** `show` makes each address or peer id safe for where it goes (a terminal escapes, a page need not). */
export function reachabilityWords(wan: ReachabilityInfo | undefined, show: (text: string) => string = (text) => text): string {
  if (!wan || wan.mode === 'lan-only') return 'LAN only (beyond the LAN is off; see docs/wan.md)';
  const relay = wan.relayReservations === null ? '' : `; relay for ${wan.relayReservations} peers`;
  const dht = wan.dhtPeers === null ? '' : `; ${wan.dhtPeers} DHT peers`;
  const how =
    wan.mode === 'public'
      ? `public at ${wan.publicAddresses.map(show).join(' ')}`
      : wan.mode === 'relayed'
        ? `behind NAT, relayed via ${wan.relays.map(show).join(', ')}`
        : 'behind NAT, no relay reservation yet';
  return how + relay + dht;
}
