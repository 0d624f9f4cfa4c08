// The service PTRs we heard, for known-answer suppression (RFC 6762 section 7.1): a query lists the
// PTRs of peers we are connected to, and those peers stay silent. Without it every query on a LAN
// of N daemons draws N-1 answers, each read by every daemon (and each sighting merged into
// libp2p's peer store), again at every query of the start-up burst; with it, a meshed LAN answers
// a query with nothing, and only the peers we still lack answer. Peers we are not connected to are
// not listed, so they keep answering: each of their answers is one more chance to dial them.
import type { Sighting } from './records.js';
import type { StringAnswer } from './packet.js';

/** Peers remembered at most; the oldest heard are dropped first. */
const MAX_REMEMBERED = 1024;

interface Heard {
  instance: string;
  ttl: number;
  at: number;
}

export class KnownAnswers {
  private readonly byPeer = new Map<string, Heard>();

  /** A peer's PTR arrived (in an answer or an announcement). */
  heard(sighting: Pick<Sighting, 'peerId' | 'instance' | 'ttl'>, now: number): void {
    this.byPeer.delete(sighting.peerId);
    this.byPeer.set(sighting.peerId, { instance: sighting.instance, ttl: sighting.ttl, at: now });
    if (this.byPeer.size > MAX_REMEMBERED) this.byPeer.delete(this.byPeer.keys().next().value as string);
  }

  /** The instance name the peer's PTR pointed to, if we heard one. */
  instanceOf(peerId: string): string | undefined {
    return this.byPeer.get(peerId)?.instance;
  }

  /**
   * The PTRs to list in a query: those of the peers `include` picks (the connected ones), most
   * recently heard first, with the TTL they have left, and only while at least half of it is left
   * (a responder answers anyway below half, to refresh the querier's record).
   */
  list(serviceTag: string, include: (peerId: string) => boolean, now: number): StringAnswer[] {
    const answers: StringAnswer[] = [];
    for (const [peerId, heard] of [...this.byPeer].reverse()) {
      const left = heard.ttl - Math.floor((now - heard.at) / 1000);
      if (left * 2 < heard.ttl || !include(peerId)) continue;
      answers.push({ name: serviceTag, type: 'PTR', class: 'IN', ttl: left, data: heard.instance });
    }
    return answers;
  }
}
