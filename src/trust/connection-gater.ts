// The trust part's libp2p connection gater: refuses blocked peers wherever libp2p asks, and keeps
// strangers within their connection limits (admission.ts decides; this file only adapts libp2p).
import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Logger } from '../logger.js';
import { hostOfAddress } from './remote-host.js';
import { type AdmissionLimits, admitConnection, type CountedConnection, type DenialReason } from './admission.js';
import type { TrustState, TrustView } from '../types.js';

/** Refusals since start, by reason: a counter the metrics part can expose as is. */
export type DenialCounts = Record<DenialReason, number>;

export function newDenialCounts(): DenialCounts {
  return { blocked: 0, address_full: 0, subnet_full: 0, strangers_full: 0 };
}

export interface ConnectionGaterDeps {
  trust: TrustView;
  limits: AdmissionLimits;
  log: Logger;
  /** Who may hold a reservation on this daemon's relay (`relay.reservationsFrom`); anyone not blocked when absent. */
  relayReservations?: 'anyone' | 'contacts' | undefined;
  /** Incremented on every refusal; owned by the caller. */
  denials?: DenialCounts | undefined;
}

/** What the gater needs of the node: its live connection list. */
export interface ConnectionSource {
  getConnections(): Connection[];
}

/**
 * A connection admitted at the encrypted checkpoint that libp2p does not list yet (the muxer is
 * still being negotiated). It holds its slot until it is listed or closed, so that many
 * connections that arrive at once cannot all pass on the same count.
 */
interface Admitted {
  state: TrustState;
  host: string | undefined;
  maConn: MultiaddrConnection;
  at: number;
}

/** Longer than libp2p's inbound upgrade and dial timeouts (10 s): an admission is never held past them. */
const ADMITTED_MAX_AGE_MS = 30_000;

/**
 * `(node) => ConnectionGater` for createChatNode's `gater` option. Blocked peers are refused at
 * every checkpoint that knows the peer id (dialling it, and both directions once Noise has
 * authenticated it); strangers are admitted by the per-address, per-subnet and total limits,
 * counted from the node's live connections, and not dialled where those limits are reached.
 */
export function createConnectionGater(deps: ConnectionGaterDeps): (node: ConnectionSource) => ConnectionGater {
  const { trust, limits, log } = deps;
  const denials = deps.denials ?? newDenialCounts();
  const stateOf = (peerId: string): TrustState => (trust.stateOf(peerId) === 'blocked' ? 'blocked' : trust.effectiveStateOf(peerId));

  return (node) => {
    let admitted: Admitted[] = [];

    /** The connections to count now: libp2p's list plus admissions it does not list yet. */
    const counted = (): CountedConnection[] => {
      const listed = node.getConnections();
      const timelines = new Set(listed.map((c) => c.timeline));
      const now = Date.now();
      // A connection shares its timeline object with the maConn it was upgraded from.
      admitted = admitted.filter(
        (a) => a.maConn.status === 'open' && !timelines.has(a.maConn.timeline) && now - a.at < ADMITTED_MAX_AGE_MS,
      );
      return [
        ...listed.map((c) => ({ state: stateOf(c.remotePeer.toString()), host: hostOfAddress(c.remoteAddr.toString()) })),
        ...admitted.map(({ state, host }) => ({ state, host })),
      ];
    };

    const deny = (peerId: string, address: string | undefined, reason: DenialReason, where: string): true => {
      denials[reason]++;
      log.debug({ peer: peerId, address, reason, where }, 'connection refused');
      return true;
    };

    const checkEncrypted = (where: string) => (peerId: PeerId, maConn: MultiaddrConnection) => {
      const id = peerId.toString();
      const address = maConn.remoteAddr.toString();
      const state = stateOf(id);
      const host = hostOfAddress(address);
      const decision = admitConnection({ state, host }, counted(), limits);
      if (!decision.allow) return deny(id, address, decision.reason, where);
      admitted.push({ state, host, maConn, at: Date.now() });
      return false;
    };

    const blocked = (peerId: PeerId, where: string): boolean => {
      const id = peerId.toString();
      return trust.stateOf(id) === 'blocked' ? deny(id, undefined, 'blocked', where) : false;
    };

    return {
      // Never dial a blocked peer, whatever asked for the dial.
      denyDialPeer: (peerId) => blocked(peerId, 'dial'),
      // Beyond the LAN: a blocked peer holds no reservation on our relay, and is relayed neither to
      // us nor, by our relay, to anyone or from anyone.
      denyInboundRelayReservation: (peerId) =>
        blocked(peerId, 'relay reservation') || (deps.relayReservations === 'contacts' && stateOf(peerId.toString()) !== 'contact'),
      denyInboundRelayedConnection: (_relay, remote) => blocked(remote, 'relayed'),
      denyOutboundRelayedConnection: (source, destination) => blocked(source, 'relay') || blocked(destination, 'relay'),
      // libp2p names the peer in each address it is about to dial: a stranger whose share of this
      // address is full would only be refused after the handshake, so it is not dialled at all.
      // Many identities announcing one address thus cost no dial once that address is full.
      denyDialMultiaddr: (ma) => {
        const address = ma.toString();
        const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
        if (id === undefined) return false;
        const decision = admitConnection({ state: stateOf(id), host: hostOfAddress(address) }, counted(), limits);
        return decision.allow ? false : deny(id, address, decision.reason, 'dial');
      },
      denyInboundEncryptedConnection: checkEncrypted('inbound'),
      // Dials by address alone (`p2pchat connect /ip4/...` without /p2p) learn the peer id only here.
      denyOutboundEncryptedConnection: checkEncrypted('outbound'),
    };
  };
}
