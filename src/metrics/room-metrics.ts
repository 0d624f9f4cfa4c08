// Rooms' metrics: messages stored by how they came (counted through the rooms' observer, one
// increment each), and what the rooms part counts itself (refusals by reason, messages fetched by
// sync, rooms joined, members online), read at scrape time. Labels are bounded: a source or a
// reason from the fixed lists below, never a room id or a peer id.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RoomRejection } from '../rooms/room-message.js';
import type { RoomMessageSource, RoomsObserver, RoomStats } from '../rooms/rooms.js';

export const ROOM_MESSAGE_SOURCES = ['own', 'gossip', 'sync'] as const satisfies ReadonlyArray<RoomMessageSource>;

/**
 * Every reason the rooms' intake refuses a message for (src/rooms/room-intake.ts): the invalid ones
 * (never stored), then those not for us now (unknown room, blocked author, over a rate limit, at
 * the storage budget, a Lamport number too far ahead; sync may fetch those later).
 */
export const ROOM_REFUSALS = [
  'malformed',
  'oversized',
  'bad_signature',
  'undecryptable',
  'forked',
  'unknown_room',
  'blocked',
  'rate_limited',
  'storage_full',
  'from_the_future',
] as const satisfies ReadonlyArray<RoomRejection | 'unknown_room' | 'blocked' | 'rate_limited' | 'storage_full' | 'from_the_future'>;

/** The refusal counts among the intake's counts, each reason of ROOM_REFUSALS (0 when absent) and nothing else. */
export function roomRefusals(intake: Record<string, number>): { reason: string; count: number }[] {
  return ROOM_REFUSALS.map((reason) => ({ reason, count: intake[reason] ?? 0 }));
}

export class RoomMetrics {
  private source: { stats(): RoomStats } | undefined;
  private readonly stored: Counter<'source'>;

  /** Given to the rooms part: counts each stored message by how it came. */
  readonly observer: RoomsObserver = {
    stored: (source) => this.stored.inc({ source }),
  };

  constructor(registry: Registry) {
    const stats = () => this.source?.stats();
    this.stored = new Counter({
      name: 'p2pchat_room_messages_stored_total',
      help: 'Room messages stored since start, by how they came: own (written here), gossip (live), sync (fetched from a member).',
      labelNames: ['source'] as const,
      registers: [registry],
    });
    for (const source of ROOM_MESSAGE_SOURCES) this.stored.inc({ source }, 0);
    new Counter({
      name: 'p2pchat_room_messages_refused_total',
      help: 'Incoming room messages refused before storage since start, by reason: malformed, oversized, bad_signature, undecryptable, forked (never stored), unknown_room, blocked, rate_limited, storage_full, from_the_future (not now; sync may fetch them later).',
      labelNames: ['reason'] as const,
      registers: [registry],
      collect() {
        const s = stats();
        this.reset();
        for (const { reason, count } of roomRefusals(s?.intake ?? {})) this.inc({ reason }, count);
      },
    });
    new Counter({
      name: 'p2pchat_room_sync_fetched_total',
      help: 'Room messages fetched by the sync protocol and stored, since start (included in p2pchat_room_messages_stored_total{source="sync"}).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats()?.fetchedBySync ?? 0);
      },
    });
    new Gauge({
      name: 'p2pchat_rooms_joined',
      help: 'Rooms this daemon is a member of.',
      registers: [registry],
      collect() {
        this.set(stats()?.joined ?? 0);
      },
    });
    new Gauge({
      name: 'p2pchat_room_members_online',
      help: 'Peers subscribed now to the rooms this daemon is in, added up over the rooms (a peer in two rooms counts twice); one total, no per-room series.',
      registers: [registry],
      collect() {
        this.set(stats()?.online ?? 0);
      },
    });
  }

  /** Reads the rooms part's counts at each scrape from now on. */
  watch(source: { stats(): RoomStats }): void {
    this.source = source;
  }
}
