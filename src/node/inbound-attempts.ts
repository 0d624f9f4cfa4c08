// Inbound connections that libp2p accepted and is still upgrading (Noise, then Yamux), by remote
// host. The peer id of such a connection is known only once Noise is done, but its address is
// known at once: a daemon that waits for a peer's dial sees from here that the dial has arrived
// and is on its way, and does not start a second handshake for the same pair.
import type { Connection, MultiaddrConnection, Startable } from '@libp2p/interface';
import { hostOfAddress } from '../trust/remote-host.js';

/** Longer than libp2p's inbound upgrade timeout (10 s): an attempt is never taken as pending past it. */
const MAX_AGE_MS = 15_000;
/** Attempts remembered beyond this many are swept (closed, upgraded or old ones first). */
const SWEEP_ABOVE = 64;

interface Attempt {
  host: string;
  maConn: Pick<MultiaddrConnection, 'status' | 'timeline'>;
  at: number;
}

export class InboundAttempts implements Startable {
  private attempts: Attempt[] = [];
  private readonly upgraded = new WeakSet<object>();
  private readonly events: EventTarget | undefined;
  private readonly onOpen = (evt: Event) => this.markUpgraded((evt as CustomEvent<Connection>).detail.timeline);

  constructor(components: { events?: EventTarget } = {}) {
    this.events = components.events;
  }

  start(): void {
    this.events?.addEventListener('connection:open', this.onOpen);
  }

  stop(): void {
    this.events?.removeEventListener('connection:open', this.onOpen);
    this.attempts = [];
  }

  /** An inbound connection libp2p accepted (called from the connection gater's first inbound check). */
  add(maConn: Pick<MultiaddrConnection, 'status' | 'timeline' | 'remoteAddr'>, now = Date.now()): void {
    const host = hostOfAddress(maConn.remoteAddr.toString());
    if (host === undefined) return;
    if (this.attempts.length >= SWEEP_ABOVE) this.sweep(now);
    this.attempts.push({ host, maConn, at: now });
  }

  /** The connection with this timeline is upgraded (libp2p shares the timeline object between the two). */
  markUpgraded(timeline: object): void {
    this.upgraded.add(timeline);
  }

  /** Whether a connection from one of these hosts is still being upgraded. */
  pendingFrom(hosts: readonly string[], now = Date.now()): boolean {
    return this.attempts.some((a) => hosts.includes(a.host) && this.isPending(a, now));
  }

  private isPending(a: Attempt, now: number): boolean {
    return a.maConn.status === 'open' && !this.upgraded.has(a.maConn.timeline) && now - a.at < MAX_AGE_MS;
  }

  private sweep(now: number): void {
    this.attempts = this.attempts.filter((a) => this.isPending(a, now));
  }
}

/** The libp2p service factory: `services: { inbound: inboundAttempts() }`. */
export function inboundAttempts(): (components: { events: EventTarget }) => InboundAttempts {
  return (components) => new InboundAttempts(components);
}
