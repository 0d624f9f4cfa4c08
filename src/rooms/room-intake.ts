// Every room message that arrives, by gossip or by sync, passes here: checked, verified against its
// author's key, decrypted for private rooms, then stored exactly once and without gaps per author.
// A message that arrives ahead of a gap is held (bounded) until the gap is filled.
import { throttledLog, type ThrottledLog } from '../log-throttle.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { RateLimiter, type Rate } from '../trust/rate-limit.js';
import type { RoomMessage, TrustView } from '../types.js';
import {
  type CheckedRoomMessage,
  decryptText,
  followsInChain,
  parseRoomMessage,
  type RoomRejection,
  RoomMessageError,
  type WireRoomMessage,
} from './room-message.js';
import { verifyChained } from './chain-verify.js';
import { HeldMessages } from './held-messages.js';
import { lamportTooFarAhead } from './room-order.js';
import { type RoomRow, type RoomTable, toRoomMessage } from './room-table.js';

/** Refusals for now only: the message is valid and may be fetched again later. */
const NOT_NOW = new Set(['unknown_room', 'blocked', 'rate_limited', 'storage_full', 'from_the_future']);

/**
 * stored: new, now in SQLite. duplicate: already held. held: valid, waiting for an earlier seq.
 * ignored: not for us now (unknown room, blocked author, over a rate): not stored, may come again.
 * rejected: invalid (malformed, oversized, forged): never stored.
 */
export type IntakeVerdict = 'stored' | 'duplicate' | 'held' | 'ignored' | 'rejected';

export interface IntakeOptions {
  maxMessageBytes: number;
  maxTextBytes: number;
  /** Live (gossip) messages per author in a room, and per room: over it they are fetched later by sync. */
  authorRate: Rate;
  roomRate: Rate;
  /** Most messages held ahead of a gap, across rooms. */
  maxHeld: number;
}

export interface IntakeComponents {
  /** This daemon's peer id. */
  self: string;
  store: Store;
  table: RoomTable;
  trust: TrustView;
  log: Logger;
  /** The storage budget: at it, incoming room messages are refused like direct ones (and fetched again later). */
  storage?: { hasRoomFor(textBytes: number): boolean } | undefined;
  /** A gap was seen in what `peerId` sent: fetch the missing messages from it. */
  onGap(roomId: string, peerId: string): void;
  /** A message was stored (after its commit, before its fsync), with the way it arrived (metrics). */
  onStored?(message: RoomMessage, source: 'gossip' | 'sync'): void;
}

interface Verified {
  checked: CheckedRoomMessage;
  text: string;
  live: boolean;
}

/** Messages verified and waiting to be stored; `verdicts` holds those already decided. */
export interface VerifiedBatch {
  from: string;
  verdicts: IntakeVerdict[];
  accepted: { index: number; room: RoomRow; message: Verified }[];
}

export class RoomIntake {
  private readonly c: IntakeComponents;
  private readonly o: IntakeOptions;
  private readonly limiter = new RateLimiter();
  private readonly logRefusal: ThrottledLog;
  private readonly held: HeldMessages<Verified>;
  /** Counts by verdict and reason, for tests and status. */
  readonly counts: Record<string, number> = {};

  constructor(components: IntakeComponents, options: IntakeOptions) {
    this.c = components;
    this.o = options;
    this.logRefusal = throttledLog(components.log);
    this.held = new HeldMessages(options.maxHeld);
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private reject(
    reason: RoomRejection | 'unknown_room' | 'blocked' | 'rate_limited' | 'storage_full' | 'from_the_future',
    from: string,
    detail: string,
  ): IntakeVerdict {
    this.count(reason);
    if (NOT_NOW.has(reason)) return 'ignored';
    this.logRefusal('warn', `room-${reason}-${from}`, { peerId: from, reason, detail }, 'refused a room message');
    return 'rejected';
  }

  /** One message from gossip (`live`: counts against the rate limits) or from sync. */
  async receive(bytes: Uint8Array | string | WireRoomMessage, from: string, live: boolean): Promise<IntakeVerdict> {
    return (await this.receiveMany([bytes], from, live))[0] as IntakeVerdict;
  }

  /**
   * Messages from one peer, in the order it sent them (a sync page): checked one by one, their
   * signatures verified all at once on the thread pool, then stored in one transaction, so that a
   * page of hundreds costs one commit instead of one each. One verdict per message, in order.
   */
  async receiveMany(items: (Uint8Array | string | WireRoomMessage)[], from: string, live: boolean): Promise<IntakeVerdict[]> {
    return this.storeVerified(await this.verifyMany(items, from, live));
  }

  /**
   * The first half of receiveMany: everything but storing. Sync verifies one page while the page
   * before it is stored; storeVerified must then be called in the pages' order.
   */
  async verifyMany(items: (Uint8Array | string | WireRoomMessage)[], from: string, live: boolean): Promise<VerifiedBatch> {
    const verdicts: IntakeVerdict[] = [];
    const candidates: { index: number; room: RoomRow; checked: CheckedRoomMessage }[] = [];
    // Looked up once per page: nothing is stored while the page is screened.
    const lookups = { rooms: new Map<string, RoomRow | undefined>(), highest: new Map<string, number>() };
    items.forEach((bytes, index) => {
      const screened = this.screen(bytes, from, live, lookups);
      if (typeof screened === 'string') verdicts[index] = screened;
      else candidates.push({ index, ...screened });
    });
    const signed = await verifyChained(candidates.map(({ checked }) => checked));
    const accepted: VerifiedBatch['accepted'] = [];
    candidates.forEach((candidate, i) => {
      const verified = signed[i]
        ? this.open(candidate.room, candidate.checked, from, live)
        : this.reject('bad_signature', from, label(candidate.checked));
      if (typeof verified === 'string') verdicts[candidate.index] = verified;
      else accepted.push({ index: candidate.index, room: candidate.room, message: verified });
    });
    return { from, verdicts, accepted };
  }

  /** The second half of receiveMany: stores what verifyMany accepted, in one transaction. */
  storeVerified(batch: VerifiedBatch): IntakeVerdict[] {
    const { accepted, verdicts } = batch;
    if (accepted.length === 0) return verdicts;
    const stored = this.storeAll(accepted, batch.from);
    accepted.forEach(({ index }, i) => (verdicts[index] = stored[i] as IntakeVerdict));
    return verdicts;
  }

  /** The checks that need no signature: shape, room, author, seq, rates. A verdict when it stops here. */
  private screen(
    bytes: Uint8Array | string | WireRoomMessage,
    from: string,
    live: boolean,
    lookups: { rooms: Map<string, RoomRow | undefined>; highest: Map<string, number> },
  ): { room: RoomRow; checked: CheckedRoomMessage } | IntakeVerdict {
    let checked: CheckedRoomMessage;
    try {
      checked = parseRoomMessage(typeof bytes === 'object' && 'p' in bytes ? JSON.stringify(bytes) : bytes, this.o.maxMessageBytes);
    } catch (err) {
      if (err instanceof RoomMessageError) return this.reject(err.reason, from, err.message);
      throw err;
    }
    const p = checked.payload;
    if (!lookups.rooms.has(p.room)) lookups.rooms.set(p.room, this.c.table.room(p.room));
    const room = lookups.rooms.get(p.room);
    if (!room || room.member !== 1) return this.reject('unknown_room', from, p.room);
    if (this.c.trust.stateOf(p.author) === 'blocked') return this.reject('blocked', from, p.author);
    const key = `${p.room}/${p.author}`;
    const highest = lookups.highest.get(key) ?? this.c.table.highestSeq(p.room, p.author);
    lookups.highest.set(key, highest);
    if (p.seq <= highest) {
      this.count('duplicate');
      return 'duplicate';
    }
    // Not yet: a Lamport number far ahead of this daemon's clock would drag every later message
    // behind it. Not stored now, fetched again by a later sync once it is no longer ahead.
    if (lamportTooFarAhead(p.lamport, Date.now())) return this.reject('from_the_future', from, label(checked));
    if (live) {
      const authorOk = this.limiter.tryTake(`a/${p.room}/${p.author}`, this.o.authorRate, checked.bytes);
      if (!authorOk || !this.limiter.tryTake(`r/${p.room}`, this.o.roomRate, checked.bytes)) {
        // Not lost: the next sync with this peer fetches it, at the pace this daemon pulls.
        this.c.onGap(p.room, from);
        return this.reject('rate_limited', from, p.author);
      }
    }
    return { room, checked };
  }

  /** A verified message's text, with the checks that need it; a verdict when it is refused. */
  private open(room: RoomRow, checked: CheckedRoomMessage, from: string, live: boolean): Verified | IntakeVerdict {
    const text = this.textOf(room, checked);
    if (text === undefined) return this.reject(checked.payload.enc ? 'undecryptable' : 'malformed', from, label(checked));
    if (Buffer.byteLength(text) > this.o.maxTextBytes) return this.reject('oversized', from, label(checked));
    if (this.c.storage && !this.c.storage.hasRoomFor(checked.bytes)) return this.reject('storage_full', from, checked.payload.room);
    return { checked, text, live };
  }

  /** The text to store: decrypted in a private room; undefined when it does not belong in this room. */
  private textOf(room: RoomRow, checked: CheckedRoomMessage): string | undefined {
    const p = checked.payload;
    // Private: everything, joins and leaves too, must open with the room key.
    if (room.private === 1) return room.key && p.enc ? decryptText(room.key, p) : undefined;
    if (p.enc) return undefined;
    return p.kind === 'text' ? p.text : '';
  }

  /** Stores each that is its author's next seq, then whatever was held behind it: one transaction for all. */
  private storeAll(accepted: { room: RoomRow; message: Verified }[], from: string): IntakeVerdict[] {
    const stored: [RoomMessage, Verified][] = [];
    const now = Date.now();
    const verdicts = this.c.store.atomically(
      () => accepted.map(({ room, message }) => this.storeOne(room, message, now, stored, from)),
      false,
    );
    const gaps = new Set<string>();
    verdicts.forEach((verdict, i) => {
      this.count(verdict);
      const { message } = accepted[i] as { message: Verified };
      // Held from sync: the peer sent what it holds in seq order, so it lacks the gap; pulling again would loop.
      if (verdict === 'held' && message.live) gaps.add(message.checked.payload.room);
    });
    for (const room of gaps) this.c.onGap(room, from);
    for (const [m, v] of stored) this.c.onStored?.(m, v.live ? 'gossip' : 'sync');
    return verdicts;
  }

  /** Inside the transaction: one message and what it releases from the held ones. */
  private storeOne(room: RoomRow, message: Verified, now: number, stored: [RoomMessage, Verified][], from: string): IntakeVerdict {
    const p = message.checked.payload;
    const key = `${p.room}/${p.author}`;
    const head = this.c.table.head(p.room, p.author);
    const highest = head?.seq ?? 0;
    if (p.seq <= highest) return 'duplicate';
    if (p.seq > highest + 1) {
      if (!this.startsKnownHistory(message)) return this.held.hold(key, p.seq, message) ? 'held' : 'ignored';
    } else if (!followsInChain(p, head?.p)) {
      return this.reject('forked', from, label(message.checked));
    }
    let next: Verified | undefined = message;
    let seq = p.seq;
    while (next) {
      this.c.table.insert(next.checked, next.text, now);
      const row = toRoomMessage(
        {
          ...next.checked.payload,
          room_id: p.room,
          text: next.text,
          name: next.checked.payload.name ?? null,
          sent_at: next.checked.payload.time,
          stored_at: now,
        },
        room.name,
      );
      this.c.store.publishEvent('room-message', { message: row });
      stored.push([row, next]);
      seq++;
      const previous: string = next.checked.wire.p;
      next = this.held.take(key, seq);
      // A held message that does not follow is a fork of the author's chain: dropped.
      if (next && !followsInChain(next.checked.payload, previous)) {
        this.reject('forked', from, label(next.checked));
        next = undefined;
      }
    }
    this.held.dropThrough(key, seq - 1);
    return 'stored';
  }

  /**
   * Whether a message after a gap may start what this daemon holds of its author: only one that came
   * by sync (a member served it as the oldest it holds after what we have: the ones between were
   * pruned by room retention) and was written before this daemon (last) joined the room. History
   * from before joining is kept as far as the members met still hold it; whatever was written since
   * is never skipped, so a gap there waits for a member that holds it.
   */
  private startsKnownHistory(message: Verified): boolean {
    if (message.live) return false;
    const joined = this.c.table.joinLamport(message.checked.payload.room, this.c.self);
    return joined !== undefined && message.checked.payload.lamport < joined;
  }

  /** Drops what is held for a room (it was left). */
  forgetRoom(roomId: string): void {
    this.held.forgetRoom(roomId);
  }
}

/** How a message is named in logs: its author and seq. */
function label(checked: CheckedRoomMessage): string {
  return `${checked.payload.author} #${checked.payload.seq}`;
}
