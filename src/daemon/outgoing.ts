// Outgoing messages for the control API: sending (checked, grouped into fsynced commits,
// idempotent with client-chosen ids), cancel and retry. The decisions are pure functions below;
// OutgoingControl applies them to the store and wakes delivery.
import { ApiError } from '../api-errors.js';
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from '../control/message-ids.js';
import { messageFrameBytes } from '../protocol/envelope.js';
import { GroupCommit } from '../store/group-commit.js';
import type { Message, OutgoingText, SentMessage, TrustState } from '../types.js';

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
  atomically<T>(fn: () => T, durable: boolean): T;
  /** Resolves once everything committed so far is on disk. */
  synced(): Promise<void>;
  queueOutgoing(peerId: string, text: string, id?: string): SentMessage;
  outgoing(peerId: string, id: string): Message | undefined;
  outgoingByIdPrefix(prefix: string, limit: number): Message[];
  cancelOutgoing(seq: number, reason: string): Message | undefined;
  requeueOutgoing(seq: number): Message | undefined;
}

/** Most messages one prefix lookup reads: enough to tell an exact id from the ids it prefixes. */
const PREFIX_MATCHES = 1000;
export const CANCEL_REASON = 'cancelled by the user';

export interface OutgoingComponents {
  store: OutgoingStore;
  /** Delivery: something was queued for this peer (kick), or queued again at this seq (requeued). */
  delivery: { kick(peerId: string): void; requeued(peerId: string, seq: number): void };
  trust: { stateOf(peerId: string): TrustState; addContact(peerId: string): unknown };
  /** This daemon's own peer id. */
  self: () => string;
}

export class OutgoingControl {
  private readonly store: OutgoingStore;
  private readonly delivery: OutgoingComponents['delivery'];
  private readonly trust: OutgoingComponents['trust'];
  private readonly self: () => string;
  private readonly maxFrameBytes: number;
  /**
   * Sends (single or batches) that arrive together are stored in one transaction, answered once it
   * is fsynced. Delivery starts at the commit, not the fsync: a copy that reaches the peer before
   * the fsync costs nothing, since the peer deduplicates by id and nothing was promised yet.
   */
  private readonly sends = new GroupCommit<OutgoingText[], SentMessage[]>(
    (batches) => {
      const stored = this.store.atomically(
        () => batches.map((batch) => batch.map((m) => this.store.queueOutgoing(m.peerId, m.text, m.id))),
        true,
      );
      for (const peerId of new Set(batches.flat().map((m) => m.peerId))) this.delivery.kick(peerId);
      return stored;
    },
    () => this.store.synced(),
  );

  constructor(components: OutgoingComponents, options: { maxFrameBytes: number }) {
    this.store = components.store;
    this.delivery = components.delivery;
    this.trust = components.trust;
    this.self = components.self;
    this.maxFrameBytes = options.maxFrameBytes;
  }

  /**
   * Checks every message first, then stores all of them in one transaction, or none. Writing to a
   * stranger accepts it as a contact, as replying to a message request does in Signal. A message
   * whose id is already stored for its peer comes back `existing` instead of being stored again.
   */
  async send(messages: OutgoingText[]): Promise<SentMessage[]> {
    messages.forEach((m, i) => this.checkSendable(m, messages.length > 1 ? `messages.${i}: ` : ''));
    const conflict = idConflict(messages, (peerId, id) => this.store.outgoing(peerId, id));
    if (conflict !== undefined) throw new ApiError('conflict', conflict);
    for (const peerId of new Set(messages.map((m) => m.peerId))) {
      if (this.trust.stateOf(peerId) === 'stranger') this.trust.addContact(peerId);
    }
    const sent = await this.sends.submit(messages);
    // A concurrent send may have stored the same id with another text between the check and the commit.
    const raced = sent.findIndex((s, i) => s.existing && s.text !== messages[i]?.text);
    if (raced >= 0) throw new ApiError('conflict', `message id ${sent[raced]?.id} is already used for another text to this peer`);
    return sent;
  }

  private checkSendable({ peerId, text }: OutgoingText, where: string): void {
    if (peerId === this.self()) throw new ApiError('bad_request', `${where}cannot send a message to this daemon itself`);
    if (this.trust.stateOf(peerId) === 'blocked') {
      throw new ApiError('blocked', `${where}you blocked this peer; unblock it first (p2pchat unblock ${peerId})`);
    }
    const frameBytes = messageFrameBytes(text);
    if (frameBytes > this.maxFrameBytes) {
      throw new ApiError(
        'payload_too_large',
        `${where}message is ${frameBytes} bytes on the wire; at most ${this.maxFrameBytes} fit in one frame`,
      );
    }
  }

  private find(target: string): Message {
    if (!CLIENT_ID_PATTERN.test(target)) throw new ApiError('bad_request', `a message id is ${CLIENT_ID_RULE}`);
    return pickMessage(target, this.store.outgoingByIdPrefix(target, PREFIX_MATCHES));
  }

  /** Stops a queued or unacknowledged message: delivery skips it from now on (a copy already written may still arrive). */
  async cancel(target: string): Promise<Message> {
    const message = this.find(target);
    const cancelled = canCancel(message) ? this.store.cancelOutgoing(message.seq, CANCEL_REASON) : undefined;
    if (!cancelled) {
      throw new ApiError(
        'conflict',
        `message ${message.id} is ${message.state}: only queued messages, or sent ones awaiting their ack, can be cancelled`,
      );
    }
    await this.store.synced();
    return cancelled;
  }

  /** Queues a failed, expired or cancelled message again, with the same id, and wakes delivery for its peer. */
  async retry(target: string): Promise<Message> {
    const message = this.find(target);
    const queued = canRetry(message) ? this.store.requeueOutgoing(message.seq) : undefined;
    if (!queued) {
      throw new ApiError(
        'conflict',
        `message ${message.id} is ${message.state}: only failed, expired or cancelled messages can be retried`,
      );
    }
    this.delivery.requeued(queued.peerId, queued.seq);
    await this.store.synced();
    return queued;
  }
}
