// What delivery keeps per peer about its sending stream: pure bookkeeping, no I/O.
import type { FrameStream } from '../protocol/frame-stream.js';

export interface Link {
  peerId: string;
  stream?: FrameStream | undefined;
  envelope: boolean;
  /** Highest seq written on the current stream; a new stream starts again from the oldest unacked. */
  lastSeq: number;
  /** Ids written on this stream and not yet acked, with the size of their frames. */
  unacked: Map<string, number>;
  /** Written to a p2pchat peer, not acked, not yet marked `sent`: id → seq and when, in write order. */
  unmarked: Map<string, { seq: number; at: number }>;
  /** When we last wrote to or heard an ack on this stream while messages were unacked. */
  progressAt: number;
  pumping: boolean;
  again: boolean;
  /** After a stream could not be opened: no new attempt before this time, with backoff. */
  nextOpenAt: number;
  openDelay: number;
}

export function newLink(peerId: string, openDelay: number): Link {
  return {
    peerId,
    envelope: true,
    lastSeq: 0,
    unacked: new Map(),
    unmarked: new Map(),
    progressAt: 0,
    pumping: false,
    again: false,
    nextOpenAt: 0,
    openDelay,
  };
}

/** The stream is gone: what was written on it and not acked is written again on the next one. */
export function resetLink(link: Link): void {
  link.stream = undefined;
  link.lastSeq = 0;
  link.unacked.clear();
  link.unmarked.clear();
}

/** The peer answered for these ids (acked or refused them): they are no longer in flight. */
export function settle(link: Link, ids: Iterable<string>, now: number): void {
  for (const id of ids) {
    link.unacked.delete(id);
    link.unmarked.delete(id);
  }
  link.progressAt = now;
}

/** Seqs written at least `afterMs` ago and still unacked, taken off the unmarked list: they become `sent`. */
export function takeSlowOnes(link: Link, now: number, afterMs: number): number[] {
  const seqs: number[] = [];
  for (const [id, { seq, at }] of link.unmarked) {
    if (now - at < afterMs) break; // write order: the rest are newer
    seqs.push(seq);
    link.unmarked.delete(id);
  }
  return seqs;
}
