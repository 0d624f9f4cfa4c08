// Outgoing messages and their states: queued when the API accepts one, sent when written to a peer
// that does not ack at once, delivered on its ack, failed when refused, expired when too old,
// cancelled by the user, queued again by a retry. Every change appends its message-state-changed
// event in the same transaction. The outbox is the outgoing rows still queued or sent that expect
// an ack (IN_OUTBOX). The store (store.ts) owns the transactions and hands these methods on.
import type { ChatEventType, Message, MessageState, SentMessage } from '../types.js';
import { newMessageId } from './message-id.js';
import { insertMessageRow, type MessageStatements } from './message-statements.js';
import { type MessageRow, type PendingMessage, toMessage } from './rows.js';

export interface OutboxDeps {
  stmt: MessageStatements;
  /** Runs `fn` in one transaction (or in the current one); `durable`: the caller will await the fsync. */
  tx<T>(fn: () => T, durable?: boolean): T;
  /** Appends an event in the current transaction; returns its id. */
  appendEvent(type: ChatEventType, data: Record<string, unknown>): number;
  lastEventId(): number;
}

export class OutboxTable {
  private readonly deps: OutboxDeps;
  private readonly stmt: MessageStatements;

  constructor(deps: OutboxDeps) {
    this.deps = deps;
    this.stmt = deps.stmt;
  }

  private setState(row: MessageRow, state: MessageState, reason: string | null, expectsAck = row.expects_ack): Message {
    this.stmt.setState.run({ seq: row.seq, state, reason, expectsAck, now: Date.now() });
    this.stateChanged(row.id, row.peer_id, row.seq, state, reason);
    return toMessage({ ...row, state, reason, expects_ack: expectsAck });
  }

  private stateChanged(
    id: string,
    peerId: string,
    seq: number,
    state: MessageState,
    reason: string | null = null,
    extra: Record<string, unknown> = {},
  ): void {
    this.deps.appendEvent('message-state-changed', { id, peerId, seq, state, ...(reason ? { reason } : {}), ...extra });
  }

  /**
   * Stores a new outgoing message as queued; once this returns it is on disk. With a client-chosen
   * `id` already stored for this peer, nothing is stored and the existing message comes back,
   * marked `existing` (the caller compares the texts: the same id with another text is a conflict).
   */
  queueOutgoing(peerId: string, text: string, id?: string): SentMessage {
    return this.deps.tx(() => {
      // A fresh random id cannot collide, so without a client's id the row is always inserted.
      const now = Date.now();
      const row = insertMessageRow(
        this.stmt,
        { id: id ?? newMessageId(), peer_id: peerId, direction: 'out', text, sent_at: now, state: 'queued', expects_ack: 1, request: 0 },
        now,
      );
      if (!row) {
        const existing = this.stmt.outgoingById.get(peerId, id) as MessageRow;
        return { ...toMessage(existing), eventId: this.deps.lastEventId(), existing: true };
      }
      const eventId = this.deps.appendEvent('message-state-changed', { id: row.id, peerId, seq: row.seq, state: 'queued' });
      return { ...toMessage(row), eventId };
    }, true);
  }

  /** The outgoing message to `peerId` with this id, if one is stored. */
  outgoing(peerId: string, id: string): Message | undefined {
    const row = this.stmt.outgoingById.get(peerId, id) as MessageRow | undefined;
    return row && toMessage(row);
  }

  /** Outgoing messages (to any peer) whose id starts with `prefix`, at most `limit`, oldest first. */
  outgoingByIdPrefix(prefix: string, limit: number): Message[] {
    return (this.stmt.outgoingByIdPrefix.all({ prefix, limit }) as MessageRow[]).map(toMessage);
  }

  /** Cancels an outgoing message still in the outbox; undefined when it no longer is (acked meanwhile). */
  cancelOutgoing(seq: number, reason: string): Message | undefined {
    return this.deps.tx(() => {
      const row = this.stmt.cancel.get({ seq, reason, now: Date.now() }) as MessageRow | undefined;
      if (row) this.stateChanged(row.id, row.peer_id, row.seq, 'cancelled', reason);
      return row && toMessage(row);
    }, true);
  }

  /** Queues a failed, expired or cancelled outgoing message again (same id and seq); undefined when it is in none of those states. */
  requeueOutgoing(seq: number): Message | undefined {
    return this.deps.tx(() => {
      const row = this.stmt.requeue.get({ seq, now: Date.now() }) as MessageRow | undefined;
      if (row) this.stateChanged(row.id, row.peer_id, row.seq, 'queued');
      return row && toMessage(row);
    }, true);
  }

  /** The next messages to write to `peerId` after `afterSeq`, oldest first (the delivery pump's query). */
  pendingFor(peerId: string, afterSeq: number, limit: number): PendingMessage[] {
    return this.stmt.pending.all(peerId, afterSeq, limit) as PendingMessage[];
  }

  /** Whether anything awaits delivery to `peerId` after `afterSeq`. */
  hasPending(peerId: string, afterSeq = 0): boolean {
    return this.stmt.hasPending.get(peerId, afterSeq) !== undefined;
  }

  outbox(limit = 1000): Message[] {
    return (this.stmt.outboxAll.all(limit) as MessageRow[]).map(toMessage);
  }

  outboxPeers(): string[] {
    return (this.stmt.outboxPeers.all() as { peer_id: string }[]).map((r) => r.peer_id);
  }

  /**
   * Records that these messages were written to the peer. `acked` false means the peer is a plain
   * chat peer that never acks: `sent` is then their final state.
   */
  markSent(seqs: number[], acked: boolean): void {
    if (seqs.length === 0) return;
    this.deps.tx(() => {
      const now = Date.now();
      for (const seq of seqs) {
        // A resend of a message already `sent` changes nothing a user can see: no row comes back.
        const row = this.stmt.markSent.get({ seq, expectsAck: acked ? 1 : 0, now }) as { id: string; peer_id: string } | undefined;
        // `acked: false`: this `sent` is final (a plain peer), so a waiting client can stop waiting.
        if (row) this.stateChanged(row.id, row.peer_id, seq, 'sent', null, acked ? {} : { acked: false });
      }
    });
  }

  /** Applies acks from `peerId`; returns how many messages became delivered. */
  markDelivered(peerId: string, ids: Iterable<string>): number {
    return this.deps.tx(() => {
      const now = Date.now();
      // One statement for the whole batch of acked ids; events in the order of the messages.
      const rows = this.stmt.markDelivered.all({ peerId, ids: JSON.stringify([...ids]), now }) as { id: string; seq: number }[];
      rows.sort((a, b) => a.seq - b.seq);
      for (const row of rows) this.stateChanged(row.id, peerId, row.seq, 'delivered');
      return rows.length;
    });
  }

  /** Marks outgoing messages the peer refused for good as failed, with the reason; returns how many. */
  markFailed(peerId: string, ids: Iterable<string>, reason: string): number {
    return this.deps.tx(() => {
      const now = Date.now();
      const rows = this.stmt.markFailed.all({ peerId, ids: JSON.stringify([...ids]), reason, now }) as { id: string; seq: number }[];
      rows.sort((a, b) => a.seq - b.seq);
      for (const row of rows) this.stateChanged(row.id, peerId, row.seq, 'failed', reason);
      return rows.length;
    });
  }

  /** Marks outgoing messages older than `maxAgeMs` as expired, with a reason; returns them. */
  expireOlderThan(maxAgeMs: number): Message[] {
    return this.deps.tx(() => {
      const rows = this.stmt.expired.all(Date.now() - maxAgeMs) as MessageRow[];
      return rows.map((row) => this.setState(row, 'expired', 'not delivered before the expiry time'));
    });
  }
}
