// Dials the peers LAN discovery sees, so that a LAN that starts at once meshes in one handshake
// per pair: one side of each pair dials (dial-order.ts), the other waits and steps in only when no
// connection came, and our discovery dials run a few at a time. A host that starts many handshakes
// at once finishes none of them in time on a busy machine: each one's Noise and identify compete for
// the same CPU until libp2p's timeouts abort them all, and every retry adds to the pile (seen: a
// LAN of 30 on 2 busy cores with 30 dials in flight per daemon, 6,600 dials, all timed out). So
// the number in flight adapts as TCP's window does: one more after each success, half after each
// timeout.
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { hostOfAddress } from '../trust/remote-host.js';
import type { TrustState } from '../types.js';
import { afterWaiting, dialsFirst } from './dial-order.js';

/** How often the waiting side of a pair looks whether the other's dial came. */
export const WAIT_FOR_DIAL_MS = 1000;
/**
 * How long the waiting side gives a daemon (which dials its share: see dial-order.ts) before it
 * dials itself. The other's dial may wait in its queue a while on a busy LAN; stepping in early
 * would make a second handshake for the pair. A peer that does not announce itself as a daemon
 * (a stock libp2p node may never dial) gets one WAIT_FOR_DIAL_MS.
 */
export const WAIT_FOR_DAEMON_DIAL_MS = 4000;
/** The waiting side dials at the latest this long after the sighting, even with the other's dial still being upgraded. */
export const MAX_WAIT_FOR_DIAL_MS = 15_000;
/** Discovery dials in flight: where the count starts, and its bounds (see the top of this file). */
export const DIALS_IN_FLIGHT = { start: 4, min: 1, max: 16 };

export type DialKind = 'wanted' | 'stranger';
export type DialOutcome = 'connected' | 'timed-out' | 'failed';

/** The next number of dials in flight after one ended (additive increase, multiplicative decrease). */
export function nextDialWindow(window: number, outcome: DialOutcome): number {
  if (outcome === 'connected') return Math.min(DIALS_IN_FLIGHT.max, window + 1);
  if (outcome === 'timed-out') return Math.max(DIALS_IN_FLIGHT.min, Math.floor(window / 2));
  return window;
}

export interface LanDialerDeps {
  self: string;
  isConnected(peerId: string): boolean;
  /** Whether we are dialling the peer already (any reason). */
  isDialing(peerId: string): boolean;
  stateOf(peerId: string): TrustState;
  /** Whether an inbound connection from one of these hosts is still being upgraded. */
  inboundPendingFrom(hosts: string[]): boolean;
  /** Whether the peer announces itself as a p2pchat daemon, which dials its share of pairs. */
  dialsBack(peerId: string): boolean;
  /** Dials; never throws. */
  dial(peerId: string, target: Multiaddr[], kind: DialKind, why: string): Promise<DialOutcome>;
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
  /** Discovery dials that timed out. */
  timedOut: number;
}

export class LanDialer {
  private readonly deps: LanDialerDeps;
  private readonly queue = new Map<string, Queued>();
  private inFlight = 0;
  /** How many discovery dials may be in flight now. */
  private window = DIALS_IN_FLIGHT.start;
  /** The waiting side's timers, by peer id: at most one per peer. */
  private readonly waits = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  readonly counts: LanDialCounts = { sightings: 0, dials: 0, steppedIn: 0, heldBack: 0, timedOut: 0 };

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
      const waitedMs = Date.now() - since;
      const decision = afterWaiting({
        connected: this.deps.isConnected(peerId),
        // A daemon's dial is taken as on its way until its own wait is over.
        inboundPending: this.deps.inboundPendingFrom(hosts) || (this.deps.dialsBack(peerId) && waitedMs < WAIT_FOR_DAEMON_DIAL_MS),
        waitedMs,
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
    while (!this.stopped && this.inFlight < this.window && this.queue.size > 0) {
      const [peerId, dial] = this.queue.entries().next().value as [string, Queued];
      this.queue.delete(peerId);
      if (this.deps.isConnected(peerId) || this.deps.isDialing(peerId)) continue;
      this.inFlight++;
      this.counts.dials++;
      this.deps.log.debug({ peer: peerId, why: dial.why }, 'dialling a peer seen on the LAN');
      void this.deps.dial(peerId, dial.target, dial.kind, dial.why).then((outcome) => {
        this.inFlight--;
        if (outcome === 'timed-out') this.counts.timedOut++;
        this.window = nextDialWindow(this.window, outcome);
        this.next();
      });
    }
  }
}

function hostsOf(multiaddrs: Multiaddr[]): string[] {
  return [...new Set(multiaddrs.map((a) => hostOfAddress(a.toString())).filter((h): h is string => h !== undefined))];
}
