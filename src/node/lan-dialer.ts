// Dials the peers LAN discovery sees, so that a LAN that starts at once meshes in one handshake
// per pair: one side of each pair dials (dial-order.ts), the other waits and steps in only when no
// connection came, and our discovery dials run a few at a time. A host that starts many handshakes
// at once finishes none of them in time on a busy machine: each one's Noise and identify compete for
// the same CPU until libp2p's timeouts abort them all, and every retry adds to the pile.
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { hostOfAddress } from '../trust/remote-host.js';
import type { TrustState } from '../types.js';
import { afterWaiting, dialsFirst } from './dial-order.js';

/** How long the waiting side of a pair gives the other's dial before it dials itself. */
export const WAIT_FOR_DIAL_MS = 1000;
/** The waiting side dials at the latest this long after the sighting, even with the other's dial still pending. */
export const MAX_WAIT_FOR_DIAL_MS = 12_000;
/**
 * Discovery dials in flight at once; the others queue. High enough that the dials of a LAN that
 * starts together all begin at once (each daemon dials about half of the others): a dial that
 * waits in our queue is one the other side cannot see coming, and after its wait it dials too.
 */
export const DISCOVERY_DIALS_IN_FLIGHT = 32;

export type DialKind = 'wanted' | 'stranger';

export interface LanDialerDeps {
  self: string;
  isConnected(peerId: string): boolean;
  /** Whether we are dialling the peer already (any reason). */
  isDialing(peerId: string): boolean;
  stateOf(peerId: string): TrustState;
  /** Whether an inbound connection from one of these hosts is still being upgraded. */
  inboundPendingFrom(hosts: string[]): boolean;
  /** Dials; never throws. */
  dial(peerId: string, target: Multiaddr[], kind: DialKind, why: string): Promise<void>;
  log: { debug(obj: object, msg: string): void };
}

interface Queued {
  target: Multiaddr[];
  kind: DialKind;
  why: string;
}

/** Counts since start, for logs, tests and metrics. */
export interface LanDialCounts {
  sightings: number;
  /** Discovery dials started (as the pair's dialer, or as the waiting side stepping in). */
  dials: number;
  /** Times the waiting side stepped in and dialled. */
  steppedIn: number;
  /** Times the waiting side held back its dial because the other's was being set up. */
  heldBack: number;
}

export class LanDialer {
  private readonly deps: LanDialerDeps;
  private readonly queue = new Map<string, Queued>();
  private inFlight = 0;
  /** The waiting side's timers, by peer id: at most one per peer. */
  private readonly waits = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  readonly counts: LanDialCounts = { sightings: 0, dials: 0, steppedIn: 0, heldBack: 0 };

  constructor(deps: LanDialerDeps) {
    this.deps = deps;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.waits.values()) clearTimeout(timer);
    this.waits.clear();
    this.queue.clear();
  }

  /**
   * A peer answered or announced itself on the LAN. Every sighting of a peer we are not connected
   * to may lead to a dial, not only the first: that is how connections come back after a partition.
   */
  sighted(id: PeerId, multiaddrs: Multiaddr[]): void {
    const peerId = id.toString();
    const { deps } = this;
    if (this.stopped || peerId === deps.self || deps.isConnected(peerId)) return;
    if (deps.isDialing(peerId) || this.queue.has(peerId) || this.waits.has(peerId)) return;
    const state = deps.stateOf(peerId);
    if (state === 'blocked') return;
    this.counts.sightings++;
    const kind: DialKind = state === 'contact' ? 'wanted' : 'stranger';
    const target = multiaddrs.map((a) => a.encapsulate(`/p2p/${peerId}`));
    const hosts = hostsOf(multiaddrs);
    if (dialsFirst(deps.self, peerId) && !deps.inboundPendingFrom(hosts)) {
      this.enqueue(peerId, { target, kind, why: 'discovered' });
      return;
    }
    this.waitForDial(peerId, target, kind, hosts, Date.now());
  }

  private waitForDial(peerId: string, target: Multiaddr[], kind: DialKind, hosts: string[], since: number): void {
    const timer = setTimeout(() => {
      this.waits.delete(peerId);
      if (this.stopped) return;
      const decision = afterWaiting({
        connected: this.deps.isConnected(peerId),
        inboundPending: this.deps.inboundPendingFrom(hosts),
        waitedMs: Date.now() - since,
        maxWaitMs: MAX_WAIT_FOR_DIAL_MS,
      });
      if (decision === 'wait') {
        this.counts.heldBack++;
        this.waitForDial(peerId, target, kind, hosts, since);
      } else if (decision === 'dial') {
        this.counts.steppedIn++;
        this.enqueue(peerId, { target, kind, why: 'discovered (the other side did not dial)' });
      }
    }, WAIT_FOR_DIAL_MS);
    timer.unref();
    this.waits.set(peerId, timer);
  }

  private enqueue(peerId: string, dial: Queued): void {
    this.queue.set(peerId, dial);
    this.next();
  }

  /** Starts queued dials while fewer than the limit are in flight; peers connected meanwhile are skipped. */
  private next(): void {
    while (!this.stopped && this.inFlight < DISCOVERY_DIALS_IN_FLIGHT && this.queue.size > 0) {
      const [peerId, dial] = this.queue.entries().next().value as [string, Queued];
      this.queue.delete(peerId);
      if (this.deps.isConnected(peerId) || this.deps.isDialing(peerId)) continue;
      this.inFlight++;
      this.counts.dials++;
      this.deps.log.debug({ peer: peerId, why: dial.why }, 'dialling a peer seen on the LAN');
      void this.deps.dial(peerId, dial.target, dial.kind, dial.why).finally(() => {
        this.inFlight--;
        this.next();
      });
    }
  }
}

function hostsOf(multiaddrs: Multiaddr[]): string[] {
  return [...new Set(multiaddrs.map((a) => hostOfAddress(a.toString())).filter((h): h is string => h !== undefined))];
}
