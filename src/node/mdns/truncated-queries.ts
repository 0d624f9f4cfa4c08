// Queries whose known answers span several packets (RFC 6762 section 7.2): the querier sets the TC
// bit and sends the rest of its known answers in packets without questions right after; the
// responder waits 400-500 ms, gathering them, before it decides what to answer. On a LAN of 50
// daemons one packet holds only about 14 of the 49 known answers: without this, 35 connected
// peers would answer every query.
import { type Packet, TRUNCATED } from './packet.js';

/** How long a truncated query waits for the rest of its known answers, in ms (RFC 6762 section 7.2). */
export const TRUNCATED_WAIT_MS = { min: 400, max: 500 };
/** Queriers waited for at once; the oldest is answered early beyond this. */
const MAX_HELD = 64;
/** Known answers gathered for one query at most. */
const MAX_KNOWN_ANSWERS = 512;

interface Held {
  query: Packet;
  timer: NodeJS.Timeout;
  complete: (query: Packet) => void;
}

export class TruncatedQueries {
  private readonly held = new Map<string, Held>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /**
   * Takes a query packet: holds a truncated query (and calls `complete` with it once its wait is
   * over), or adds the known answers of a continuation packet to the query its sender is waiting
   * on. Returns false for a packet it did not take: an ordinary query, answered at once.
   */
  take(packet: Packet, source: string, sourcePort: number, complete: (query: Packet) => void): boolean {
    const key = `${source}:${sourcePort}`;
    const questions = packet.questions ?? [];
    const waiting = this.held.get(key);
    if (questions.length === 0) {
      if (!waiting) return false;
      const answers = [...(waiting.query.answers ?? []), ...(packet.answers ?? [])];
      waiting.query = { ...waiting.query, answers: answers.slice(0, MAX_KNOWN_ANSWERS) };
      return true;
    }
    if (((packet.flags ?? 0) & TRUNCATED) === 0) return false;
    // A new truncated query from the same sender: the one before has all it will get.
    if (waiting) this.release(key);
    if (this.held.size >= MAX_HELD) this.release(this.held.keys().next().value as string);
    const wait = TRUNCATED_WAIT_MS.min + Math.floor(this.random() * (TRUNCATED_WAIT_MS.max - TRUNCATED_WAIT_MS.min + 1));
    const timer = setTimeout(() => this.release(key), wait);
    timer.unref();
    this.held.set(key, { query: packet, timer, complete });
    return true;
  }

  stop(): void {
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
  }

  private release(key: string): void {
    const held = this.held.get(key);
    if (!held) return;
    this.held.delete(key);
    clearTimeout(held.timer);
    held.complete(held.query);
  }
}
