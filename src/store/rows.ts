// Message rows as SQLite stores them, the shapes messages enter and leave the table in, and their
// conversion to the API's Message.
import type { Direction, Message, MessageState } from '../types.js';

export interface IncomingMessage {
  /** Absent for plain text frames: the store gives them a local id. */
  id?: string | undefined;
  text: string;
  sentAt: number;
  /** From a stranger: held as a message request. */
  request?: boolean | undefined;
}

/** What the delivery pump needs of a queued message: no conversion to the API's shape. */
export interface PendingMessage {
  seq: number;
  id: string;
  text: string;
  sentAt: number;
}

export interface MessageRow {
  seq: number;
  id: string;
  peer_id: string;
  direction: Direction;
  text: string;
  sent_at: number;
  stored_at: number;
  state: MessageState;
  reason: string | null;
  expects_ack: number;
  request: number;
}

/**
 * toISOString, remembering its last answer: many rows and events share a millisecond, and it is
 * costly. One cache per kind of time, so that a row's sent and stored times (and its event's time,
 * in a replay) do not evict each other.
 */
function isoCache(): (ms: number) => string {
  let lastMs = Number.NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      last = new Date(ms).toISOString();
      lastMs = ms;
    }
    return last;
  };
}
export const iso = isoCache();
const isoSent = isoCache();
export const isoEvent = isoCache();

export function toMessage(row: MessageRow): Message {
  return {
    seq: row.seq,
    id: row.id,
    peerId: row.peer_id,
    direction: row.direction,
    text: row.text,
    time: isoSent(row.sent_at),
    storedAt: iso(row.stored_at),
    state: row.state,
    reason: row.reason ?? undefined,
    acked: row.expects_ack === 1,
    request: row.request === 1,
  };
}
