// Bounds our own dials per remote host, so that no one can turn this daemon into a dialler of
// some address: many identities announcing one address (or a victim's address) get at most one
// dial at a time to it, spaced out, and the rest are skipped; the dials the user wants (contacts,
// queued messages, the config) wait their turn, a few at a time per host.
import { hostOfAddress } from '../trust/remote-host.js';

export interface DialLimits {
  /** Most dials in flight to one host for wanted peers. */
  wantedPerHost: number;
  /** Least time between the starts of two dials of strangers to one host. */
  strangerSpacingMs: number;
}

export const DEFAULT_DIAL_LIMITS: DialLimits = { wantedPerHost: 4, strangerSpacingMs: 1000 };

/** Remembered stranger dial starts beyond this many are swept (those older than the spacing). */
const SWEEP_ABOVE = 256;

export class DialLimiter {
  private readonly limits: DialLimits;
  private readonly inFlight = new Map<string, number>();
  private readonly strangerStarts = new Map<string, number>();
  /** Wanted dials waiting for a slot, first come first served. */
  private readonly waiting: Array<{ hosts: string[]; start: () => void }> = [];

  constructor(limits: DialLimits = DEFAULT_DIAL_LIMITS) {
    this.limits = limits;
  }

  /**
   * Reserves a stranger's dial of `addresses` now, or refuses it (undefined): the caller skips the
   * dial, and the next sighting tries again. It needs every host it would reach to have no dial in
   * flight, and its last stranger dial to be `strangerSpacingMs` old. The result releases it.
   */
  tryStranger(addresses: string[], now = Date.now()): (() => void) | undefined {
    const hosts = hostsOf(addresses);
    const idle = hosts.every(
      (h) => !this.inFlight.has(h) && now - (this.strangerStarts.get(h) ?? -Infinity) >= this.limits.strangerSpacingMs,
    );
    if (!idle) return undefined;
    for (const host of hosts) this.strangerStarts.set(host, now);
    if (this.strangerStarts.size > SWEEP_ABOVE) this.sweep(now);
    return this.take(hosts);
  }

  /**
   * Reserves a wanted dial of `addresses` once each host it would reach has fewer than
   * `wantedPerHost` dials in flight; resolves with the function that releases it.
   */
  wanted(addresses: string[]): Promise<() => void> {
    const hosts = hostsOf(addresses);
    if (this.waiting.length === 0 && this.hasRoom(hosts)) return Promise.resolve(this.take(hosts));
    return new Promise((resolve) => this.waiting.push({ hosts, start: () => resolve(this.take(hosts)) }));
  }

  private hasRoom(hosts: string[]): boolean {
    return hosts.every((h) => (this.inFlight.get(h) ?? 0) < this.limits.wantedPerHost);
  }

  private take(hosts: string[]): () => void {
    for (const host of hosts) this.inFlight.set(host, (this.inFlight.get(host) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const host of hosts) {
        const left = (this.inFlight.get(host) ?? 1) - 1;
        if (left > 0) this.inFlight.set(host, left);
        else this.inFlight.delete(host);
      }
      this.wake();
    };
  }

  /** Starts the waiting dials that now have room, in order; one that does not fit waits on. */
  private wake(): void {
    for (let i = 0; i < this.waiting.length;) {
      const next = this.waiting[i] as { hosts: string[]; start: () => void };
      if (!this.hasRoom(next.hosts)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      next.start();
    }
  }

  private sweep(now: number): void {
    for (const [host, at] of this.strangerStarts) if (now - at >= this.limits.strangerSpacingMs) this.strangerStarts.delete(host);
  }
}

/** The hosts dialling these addresses reaches: IP addresses, or names for DNS addresses. */
function hostsOf(addresses: string[]): string[] {
  const hosts = addresses.map((a) => hostOfAddress(a) ?? /^\/dns[46]?\/([^/]+)/.exec(a)?.[1]?.toLowerCase());
  return [...new Set(hosts.filter((h): h is string => h !== undefined))];
}
