// Unread counts: the daemon has no notion of "read", so each browser keeps, per conversation, the
// seq of the newest incoming message shown to the user (localStorage, per daemon identity).
import type { Message } from '../../src/types.js';

export type ReadMarks = Record<string, number>;

const key = (self: string) => `p2pchat.read.${self}`;

/** This browser's read marks for a daemon, or undefined on its first visit (then what is already there counts as read). */
export function loadMarks(self: string): ReadMarks | undefined {
  try {
    const stored = localStorage.getItem(key(self));
    if (stored === null) return undefined;
    const parsed: unknown = JSON.parse(stored);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ReadMarks) : {};
  } catch {
    return {};
  }
}

export function saveMarks(self: string, marks: ReadMarks): void {
  try {
    localStorage.setItem(key(self), JSON.stringify(marks));
  } catch {
    // private mode or full: counts then start over on the next load
  }
}

/** Incoming messages after the read mark. */
export function countUnread(messages: Message[], mark: number | undefined): number {
  return messages.filter((m) => m.direction === 'in' && m.seq > (mark ?? 0)).length;
}

/** The newest incoming seq among messages, or the mark if none is newer. */
export function markAfter(messages: Message[], mark: number | undefined): number {
  return messages.reduce((max, m) => (m.direction === 'in' && m.seq > max ? m.seq : max), mark ?? 0);
}
