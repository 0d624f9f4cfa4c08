// Connection admission: whether a peer may have one more connection, decided from the connections
// that are open (or being opened) right now. Pure functions: no libp2p, no clock, no I/O.
import { subnetOf } from './remote-host.js';
import type { TrustState } from '../types.js';

export interface AdmissionLimits {
  /** libp2p's hard cap on open connections (`limits.maxConnections`). */
  maxConnections: number;
  /** Slots of maxConnections that strangers can never take: contacts always find room. */
  contactReservedConnections: number;
  /** Most connections strangers may have from one remote IP address. */
  connectionsPerAddress: number;
  /** Most connections strangers may have from one /24 (IPv4) or /64 (IPv6) network. */
  connectionsPerSubnet: number;
}

/** A connection open or being opened, as admission sees it. */
export interface CountedConnection {
  /** The trust state that decides limits, as of now (a stranger may have become a contact since). */
  state: TrustState;
  /** The remote IP address, normalised (see hostOfAddress in src/node/remote-host.ts); undefined when not an IP (a relay, a socket path). */
  host: string | undefined;
}

/** Why a connection was refused; also the label of the denial counters. */
export type DenialReason = 'blocked' | 'address_full' | 'subnet_full' | 'strangers_full';

export type AdmissionDecision = { allow: true } | { allow: false; reason: DenialReason };

/** How many connections strangers may hold together: maxConnections less the contacts' reserve. */
export function strangerCapacity(limits: AdmissionLimits): number {
  return Math.max(0, limits.maxConnections - limits.contactReservedConnections);
}

/**
 * Decides whether a peer in `state`, connecting from (or dialled at) `host`, may have one more
 * connection next to `live`. Blocked peers never; contacts always (only libp2p's own maxConnections
 * bounds them, and strangers leave them the reserve); strangers only within the per-address,
 * per-subnet and total stranger limits. Only strangers' connections count towards those limits.
 */
export function admitConnection(
  candidate: { state: TrustState; host: string | undefined },
  live: readonly CountedConnection[],
  limits: AdmissionLimits,
): AdmissionDecision {
  if (candidate.state === 'blocked') return { allow: false, reason: 'blocked' };
  if (candidate.state === 'contact') return { allow: true };
  const strangers = live.filter((c) => c.state === 'stranger');
  if (candidate.host !== undefined) {
    const host = candidate.host;
    if (strangers.filter((c) => c.host === host).length >= limits.connectionsPerAddress) return { allow: false, reason: 'address_full' };
    const subnet = subnetOf(host);
    if (strangers.filter((c) => c.host !== undefined && subnetOf(c.host) === subnet).length >= limits.connectionsPerSubnet) {
      return { allow: false, reason: 'subnet_full' };
    }
  }
  if (strangers.length >= strangerCapacity(limits)) return { allow: false, reason: 'strangers_full' };
  return { allow: true };
}
