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
  parseRoomMessage,
  type RoomRejection,
  RoomMessageError,
  verifyRoomMessage,
  type WireRoomMessage,
} from './room-message.js';
import { type RoomRow, type RoomTable, toRoomMessage } from './room-table.js';

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

export class RoomIntake {
  private readonly c: IntakeComponents;
  private readonly o: IntakeOptions;
  private readonly limiter = new RateLimiter();
  private readonly logRefusal: ThrottledLog;
  /** Held messages by `room/author`, then seq. */
  private readonly held = new Map<string, Map<number, Verified>>();
  private heldCount = 0;
  /** Counts by verdict and reason, for tests and status. */
  readonly counts: Record<string, number> = {};

  constructor(components: IntakeComponents, options: IntakeOptions) {
    this.c = components;
    this.o = options;
    this.logRefusal = throttledLog(components.log);
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private reject(
    reason: RoomRejection | 'unknown_room' | 'blocked' | 'rate_limited' | 'storage_full',
    from: string,
    detail: string,
  ): IntakeVerdict {
    this.count(reason);
    if (reason === 'unknown_room' || reason === 'blocked' || reason === 'rate_limited' || reason === 'storage_full') return 'ignored';
    this.logRefusal('warn', `room-${reason}-${from}`, { peerId: from, reason, detail }, 'refused a room message');
    return 'rejected';
  }

  /** One message from gossip (`live`: counts against the rate limits) or from sync. */
  async receive(bytes: Uint8Array | string | WireRoomMessage, from: string, live: boolean): Promise<IntakeVerdict> {
    let checked: CheckedRoomMessage;
    try {
      checked = parseRoomMessage(typeof bytes === 'object' && 'p' in bytes ? JSON.stringify(bytes) : bytes, this.o.maxMessageBytes);
    } catch (err) {
      if (err instanceof RoomMessageError) return this.reject(err.reason, from, err.message);
      throw err;
    }
    const p = checked.payload;
    const room = this.c.table.room(p.room);
    if (!room || room.member !== 1) return this.reject('unknown_room', from, p.room);
    if (this.c.trust.stateOf(p.author) === 'blocked') return this.reject('blocked', from, p.author);
    if (p.seq <= this.c.table.highestSeq(p.room, p.author)) {
      this.count('duplicate');
      return 'duplicate';
    }
    if (live) {
      const authorOk = this.limiter.tryTake(`a/${p.room}/${p.author}`, this.o.authorRate, checked.bytes);
      if (!authorOk || !this.limiter.tryTake(`r/${p.room}`, this.o.roomRate, checked.bytes)) {
        // Not lost: the next sync with this peer fetches it, at the pace this daemon pulls.
        this.c.onGap(p.room, from);
        return this.reject('rate_limited', from, p.author);
      }
    }
    if (!(await verifyRoomMessage(checked))) return this.reject('bad_signature', from, `${p.author} #${p.seq}`);
    const text = this.textOf(room, checked);
    if (text === undefined) return this.reject(checked.payload.enc ? 'undecryptable' : 'malformed', from, `${p.author} #${p.seq}`);
    if (Buffer.byteLength(text) > this.o.maxTextBytes) return this.reject('oversized', from, `${p.author} #${p.seq}`);
    if (this.c.storage && !this.c.storage.hasRoomFor(checked.bytes)) return this.reject('storage_full', from, p.room);
    return this.store(room, { checked, text, live }, from);
  }

  /** The text to store: decrypted in a private room; undefined when it does not belong in this room. */
  private textOf(room: RoomRow, checked: CheckedRoomMessage): string | undefined {
    const p = checked.payload;
    // Private: everything, joins and leaves too, must open with the room key.
    if (room.private === 1) return room.key && p.enc ? decryptText(room.key, p) : undefined;
    if (p.enc) return undefined;
    return p.kind === 'text' ? p.text : '';
  }

  /** Stores it when it is the author's next seq, then whatever was held behind it. */
  private store(room: RoomRow, message: Verified, from: string): IntakeVerdict {
    const p = message.checked.payload;
    const key = `${p.room}/${p.author}`;
    const stored: [RoomMessage, Verified][] = [];
    const verdict = this.c.store.atomically(() => {
      const highest = this.c.table.highestSeq(p.room, p.author);
      if (p.seq <= highest) return 'duplicate';
      if (p.seq > highest + 1) return this.hold(key, message) ? 'held' : 'ignored';
      let next: Verified | undefined = message;
      let seq = p.seq;
      const now = Date.now();
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
        next = this.takeHeld(key, seq);
      }
      this.dropHeldThrough(key, seq - 1);
      return 'stored';
    }, false);
    // Held from sync: the peer sent what it holds in seq order, so it lacks the gap; pulling again would loop.
    if (verdict === 'held' && message.live) this.c.onGap(p.room, from);
    this.count(verdict);
    for (const [m, v] of stored) this.c.onStored?.(m, v.live ? 'gossip' : 'sync');
    return verdict;
  }

  private hold(key: string, message: Verified): boolean {
    const seqs = this.held.get(key) ?? new Map<number, Verified>();
    if (seqs.has(message.checked.payload.seq)) return true;
    if (this.heldCount >= this.o.maxHeld) return false;
    seqs.set(message.checked.payload.seq, message);
    this.held.set(key, seqs);
    this.heldCount++;
    return true;
  }

  private takeHeld(key: string, seq: number): Verified | undefined {
    const seqs = this.held.get(key);
    const next = seqs?.get(seq);
    if (!seqs || !next) return undefined;
    seqs.delete(seq);
    this.heldCount--;
    if (seqs.size === 0) this.held.delete(key);
    return next;
  }

  /** Held messages at or below the author's new highest seq came another way: drop them. */
  private dropHeldThrough(key: string, seq: number): void {
    const seqs = this.held.get(key);
    if (!seqs) return;
    for (const s of seqs.keys()) {
      if (s > seq) continue;
      seqs.delete(s);
      this.heldCount--;
    }
    if (seqs.size === 0) this.held.delete(key);
  }

  /** Drops what is held for a room (it was left). */
  forgetRoom(roomId: string): void {
    for (const [key, seqs] of this.held) {
      if (!key.startsWith(`${roomId}/`)) continue;
      this.heldCount -= seqs.size;
      this.held.delete(key);
    }
  }
}
