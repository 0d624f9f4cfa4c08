// Cancel and retry of outgoing messages, and the checks behind idempotent sends: the decisions are
// pure functions below; OutgoingControl applies them to the store and wakes delivery.
import { ApiError } from '../control/errors.js';
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from '../control/message-ids.js';
import type { Message, OutgoingText } from '../types.js';

/** Only what is still in the outbox: queued, or sent and awaiting its ack. */
export function canCancel(message: Message): boolean {
  return message.direction === 'out' && (message.state === 'queued' || (message.state === 'sent' && message.acked));
}

export function canRetry(message: Message): boolean {
  return message.direction === 'out' && (message.state === 'failed' || message.state === 'expired' || message.state === 'cancelled');
}

/**
 * The message that `target` (a full id or an id prefix) names among outgoing messages whose ids
 * start with it. A full id wins over longer ids it is a prefix of; two peers may hold the same
 * client-chosen id, which is then ambiguous too.
 */
export function pickMessage(target: string, matches: Message[]): Message {
  const exact = matches.filter((m) => m.id === target);
  const candidates = exact.length > 0 ? exact : matches;
  if (candidates.length === 1) return candidates[0] as Message;
  if (candidates.length === 0) throw new ApiError('not_found', `no outgoing message has an id starting with "${target}"`);
  throw new ApiError('ambiguous_message', `"${target}" matches ${candidates.length} outgoing messages; give more of the id`, {
    candidates: candidates.slice(0, 10).map((m) => ({ id: m.id, peerId: m.peerId, state: m.state, seq: m.seq })),
  });
}

/** Why these sends cannot all be stored: the same id with another text, already stored or earlier in the same batch. */
export function idConflict(messages: OutgoingText[], stored: (peerId: string, id: string) => Message | undefined): string | undefined {
  const seen = new Map<string, string>();
  for (const [i, m] of messages.entries()) {
    if (m.id === undefined) continue;
    const where = messages.length > 1 ? `messages.${i}: ` : '';
    const key = `${m.peerId} ${m.id}`;
    const earlier = seen.get(key) ?? stored(m.peerId, m.id)?.text;
    if (earlier !== undefined && earlier !== m.text) {
      return `${where}message id ${m.id} is already used for another text to this peer; choose a new id for a new message`;
    }
    seen.set(key, m.text);
  }
  return undefined;
}

export interface OutgoingStore {
  outgoingByIdPrefix(prefix: string, limit: number): Message[];
  cancelOutgoing(seq: number, reason: string): Message | undefined;
  requeueOutgoing(seq: number): Message | undefined;
}

/** Most messages one prefix lookup reads: enough to tell an exact id from the ids it prefixes. */
const PREFIX_MATCHES = 1000;
export const CANCEL_REASON = 'cancelled by the user';

export class OutgoingControl {
  private readonly store: OutgoingStore;
  private readonly requeued: (peerId: string, seq: number) => void;

  constructor(components: { store: OutgoingStore; requeued: (peerId: string, seq: number) => void }) {
    this.store = components.store;
    this.requeued = components.requeued;
  }

  private find(target: string): Message {
    if (!CLIENT_ID_PATTERN.test(target)) throw new ApiError('bad_request', `a message id is ${CLIENT_ID_RULE}`);
    return pickMessage(target, this.store.outgoingByIdPrefix(target, PREFIX_MATCHES));
  }

  /** Stops a queued or unacknowledged message: delivery skips it from now on (a copy already written may still arrive). */
  cancel(target: string): Message {
    const message = this.find(target);
    const cancelled = canCancel(message) ? this.store.cancelOutgoing(message.seq, CANCEL_REASON) : undefined;
    if (!cancelled) {
      throw new ApiError(
        'conflict',
        `message ${message.id} is ${message.state}: only queued messages, or sent ones awaiting their ack, can be cancelled`,
      );
    }
    return cancelled;
  }

  /** Queues a failed, expired or cancelled message again, with the same id, and wakes delivery for its peer. */
  retry(target: string): Message {
    const message = this.find(target);
    const queued = canRetry(message) ? this.store.requeueOutgoing(message.seq) : undefined;
    if (!queued) {
      throw new ApiError(
        'conflict',
        `message ${message.id} is ${message.state}: only failed, expired or cancelled messages can be retried`,
      );
    }
    this.requeued(queued.peerId, queued.seq);
    return queued;
  }
}
