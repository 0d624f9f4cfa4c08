// Which message counter an event of the store moves: a pure reading of the event, so that the
// counting itself stays one increment.
import type { ChatEvent, Direction, MessageState } from '../types.js';

export interface MessageTransition {
  direction: Direction;
  state: MessageState;
  /** The message's seq in this daemon's database (unique, unlike ids, which are unique per peer). */
  seq: number;
  /** A `sent` that is the message's last state: the peer is a plain chat peer and never acks. */
  final: boolean;
}

const OUTGOING_STATES: ReadonlySet<string> = new Set<MessageState>(['queued', 'sent', 'delivered', 'expired', 'failed', 'cancelled']);

/** The message state change an event records, or undefined for events about anything else. */
export function messageTransition(event: ChatEvent): MessageTransition | undefined {
  if (event.type === 'message-received') {
    const message = event.data.message as { seq?: unknown } | undefined;
    return { direction: 'in', state: 'received', seq: typeof message?.seq === 'number' ? message.seq : 0, final: true };
  }
  if (event.type !== 'message-state-changed') return undefined;
  const { state, seq, acked } = event.data;
  if (typeof state !== 'string' || !OUTGOING_STATES.has(state) || typeof seq !== 'number') return undefined;
  return { direction: 'out', state: state as MessageState, seq, final: state === 'sent' && acked === false };
}

/** Every direction and state the messages counter has, so that each series exists from the start. */
export const MESSAGE_SERIES: ReadonlyArray<{ direction: Direction; state: MessageState }> = [
  ...[...OUTGOING_STATES].map((state) => ({ direction: 'out' as const, state: state as MessageState })),
  { direction: 'in', state: 'received' },
];
