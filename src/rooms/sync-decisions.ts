// The sync protocol's decisions, without I/O: what a pull request may hold, and which messages one
// page answers with.
import { ROOM_ID_PATTERN, type WireRoomMessage } from './room-message.js';
import type { RoomClock } from './room-table.js';

export interface PullRequest {
  t: 'pull';
  room: string;
  /** Each author's highest seq the puller holds; authors it lacks entirely are absent. */
  have: RoomClock;
  /** Most messages the puller wants in the answer. */
  max: number;
}

/** Most authors a request's clock may name. */
export const MAX_CLOCK_AUTHORS = 10_000;
const MAX_AUTHOR_CHARS = 128;

/** The request, or why it is not one. */
export function parsePull(frame: Uint8Array): PullRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(frame).toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.t !== 'pull') return 'unknown request type';
  if (typeof r.room !== 'string' || !ROOM_ID_PATTERN.test(r.room)) return 'bad room id';
  if (!Number.isSafeInteger(r.max) || (r.max as number) < 1) return 'bad max';
  if (typeof r.have !== 'object' || r.have === null || Array.isArray(r.have)) return 'bad clock';
  const entries = Object.entries(r.have as Record<string, unknown>);
  if (entries.length > MAX_CLOCK_AUTHORS) return 'too many authors';
  const have: RoomClock = {};
  for (const [author, seq] of entries) {
    if (author.length > MAX_AUTHOR_CHARS || !Number.isSafeInteger(seq) || (seq as number) < 0) return 'bad clock entry';
    have[author] = seq as number;
  }
  return { t: 'pull', room: r.room, have, max: r.max as number };
}

export interface PagePlan {
  /** For each author the puller lacks messages of: after which seq, and how many to send. */
  take: { author: string; after: number; count: number }[];
  /** Whether the puller will still lack messages after this page. */
  more: boolean;
}

/**
 * Splits at most `max` messages among the authors the puller is behind on, in author order, so
 * that every author's messages go out in seq order and a long backlog of one author does not
 * starve the others forever (the next page continues where this one stopped).
 */
export function pagePlan(mine: RoomClock, have: RoomClock, max: number): PagePlan {
  const behind = Object.entries(mine)
    .map(([author, seq]) => ({ author, after: have[author] ?? 0, missing: seq - (have[author] ?? 0) }))
    .filter((a) => a.missing > 0)
    .sort((a, b) => (a.author < b.author ? -1 : 1));
  const take: PagePlan['take'] = [];
  let left = max;
  let more = false;
  for (const a of behind) {
    if (left === 0) {
      more = true;
      break;
    }
    const count = Math.min(a.missing, left);
    take.push({ author: a.author, after: a.after, count });
    left -= count;
    if (count < a.missing) more = true;
  }
  return { take, more };
}

/**
 * The clock the puller will have once a page is stored: each author's highest seq in it. Only the
 * payload's author and seq are read (the intake checks everything else); a page that lies about
 * them only makes the next page skip or repeat messages, which the next pull fixes.
 */
export function clockAfter(have: RoomClock, page: WireRoomMessage[]): RoomClock {
  const clock: RoomClock = { ...have };
  for (const m of page) {
    const head = seqOf(m.p);
    if (head && head.seq > (clock[head.author] ?? 0)) clock[head.author] = head.seq;
  }
  return clock;
}

function seqOf(p: string): { author: string; seq: number } | undefined {
  try {
    const value = JSON.parse(p) as { author?: unknown; seq?: unknown };
    const { author, seq } = value;
    if (typeof author !== 'string' || author.length > MAX_AUTHOR_CHARS || !Number.isSafeInteger(seq) || (seq as number) < 1)
      return undefined;
    return { author, seq: seq as number };
  } catch {
    return undefined;
  }
}
