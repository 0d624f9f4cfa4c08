// What this daemon can tell about how others reach it, from its configuration and its relay
// reservations: not from AutoNAT (in libp2p 3 it closes a NATed node's connections and never
// confirms an address). Pure.
import { isLoopbackAddress } from '../node/addresses.js';
import type { ReachabilityInfo } from '../types.js';
import { isPrivateAddress, isRelayAddress, relayOf } from './address-policy.js';

/**
 * lan-only: beyond-the-LAN is off; public: a public address is announced (or listened on), so
 * peers dial it directly; relayed: reachable through the relays named; behind-nat: none of those
 * (peers on the LAN reach it, others cannot until a relay reservation succeeds).
 */
export type Reachability = Pick<ReachabilityInfo, 'mode' | 'relays' | 'publicAddresses'>;

export interface ReachabilityInput {
  enabled: boolean;
  /** This daemon's current addresses (as announced, relay addresses included). */
  addresses: string[];
  /** `wan.announce`: addresses the user says reach this daemon (a VPS, a port forward), whatever their range. */
  announced: string[];
}

export function reachabilityOf(input: ReachabilityInput): Reachability {
  const relays = [...new Set(input.addresses.filter(isRelayAddress).flatMap((a) => relayOf(a) ?? []))];
  if (!input.enabled) return { mode: 'lan-only', relays: [], publicAddresses: [] };
  const direct = input.addresses.filter((a) => !isRelayAddress(a) && !isLoopbackAddress(a));
  const publicAddresses = [...new Set([...input.announced, ...direct.filter((a) => !isPrivateAddress(a))])];
  if (publicAddresses.length > 0) return { mode: 'public', relays, publicAddresses };
  return { mode: relays.length > 0 ? 'relayed' : 'behind-nat', relays, publicAddresses: [] };
}
