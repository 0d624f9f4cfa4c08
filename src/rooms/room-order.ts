// The room's order across authors: (lamport, author). Lamport numbers follow a hybrid clock: a
// member sends max(its clock + 1, its wall clock in milliseconds), its clock being the highest
// Lamport number it holds. Order then respects causality (a reply sorts after what it answers) and
// is close to wall-clock order, and a member cannot stall the room by signing a huge number: a
// message more than MAX_AHEAD_MS ahead of the receiver's wall clock is not stored until it no
// longer is, so no member's clock is ever pushed far past real time.

/** How far ahead of this daemon's wall clock a Lamport number may be: clocks that far apart are broken. */
export const MAX_AHEAD_MS = 60 * 60 * 1000;

/** The Lamport number for this daemon's next message in a room whose highest is `clock`. */
export function nextLamport(clock: number, now: number): number {
  return Math.max(clock + 1, now);
}

/** Whether a received Lamport number is too far ahead of `now` to be stored yet. */
export function lamportTooFarAhead(lamport: number, now: number): boolean {
  return lamport > now + MAX_AHEAD_MS;
}

/** A place in a room's order, between messages: what a page of history starts before. */
export interface RoomPosition {
  lamport: number;
  author: string;
}

/**
 * Reads a position as clients write it: `<lamport>:<author>`, the two fields of the oldest message
 * they show (see `GET /v1/rooms/{room}/messages?before=`). Undefined when it is not one.
 */
export function parseRoomPosition(text: string): RoomPosition | undefined {
  const match = /^(\d{1,16}):([1-9A-HJ-NP-Za-km-z]{1,128})$/.exec(text);
  if (!match) return undefined;
  const lamport = Number(match[1]);
  return Number.isSafeInteger(lamport) ? { lamport, author: match[2] as string } : undefined;
}

/** A message's position as clients write it in `before=`: the page before it comes back. */
export function positionOf(message: { lamport: number; author: string }): string {
  return `${message.lamport}:${message.author}`;
}
