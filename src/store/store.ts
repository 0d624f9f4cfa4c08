// The daemon's SQLite database: messages in both directions (the outbox is the outgoing rows not yet
// final), known peers, and the event log behind the control API's event stream.
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ChatEvent, ChatEventType, Message, MessageState, PeerInfo, SentMessage } from '../types.js';
import { EventLog } from './event-log.js';
import { newMessageId } from './message-id.js';
import { insertMessageRow, type MessageStatements, prepareMessageStatements } from './message-statements.js';
import { migrate } from './migrations.js';
import { type HistoryQuery, historySql } from './history-query.js';
import { PeerTable, type PeerUpdate } from './peer-table.js';
import { type IncomingMessage, type MessageRow, type PendingMessage, toMessage } from './rows.js';
import { DurableTransactions, type EventListener, openDatabase, type TransactionOptions } from './transactions.js';

export type { HistoryQuery, IncomingMessage, PeerUpdate, PendingMessage };

export const DATABASE_FILE = 'p2pchat.db';
/** Events kept for `since=` catch-up by default; older ones are pruned. */
export const EVENTS_KEPT = 100_000;

export type { EventListener };
export type StoreOptions = TransactionOptions;

export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly txs: DurableTransactions;
  private readonly stmt: MessageStatements;
  private readonly events: EventLog;
  private readonly peerTable: PeerTable;

  constructor(dataDir: string, options: StoreOptions = {}) {
    this.path = join(dataDir, DATABASE_FILE);
    this.db = openDatabase(this.path);
    migrate(this.db);
    const db = this.db;
    this.stmt = prepareMessageStatements(db);
    this.events = new EventLog(db);
    this.peerTable = new PeerTable(db);
    this.txs = new DurableTransactions(db, this.lastEventId(), options);
  }

  /**
   * Closes the database. Commits not yet fsynced are fsynced here, on the loop (a shutdown may);
   * their events are not published any more (await synced() first for that).
   */
  close(): void {
    this.txs.close();
    if (this.db.open) this.db.close();
  }

  /** Resolves once every commit so far is on disk and its events are published. */
  synced(): Promise<void> {
    return this.txs.synced();
  }

  /**
   * The connection, for the store's sibling modules (src/store/*.ts) that keep their own prepared
   * statements. Nothing outside src/store may use it: the store owns SQLite.
   */
  get database(): Database.Database {
    return this.db;
  }

  private tx<T>(fn: () => T, durable = false): T {
    return this.txs.run(fn, durable);
  }

  /** Runs several store calls as one transaction; `durable`: the caller will await synced(). */
  atomically<T>(fn: () => T, durable: boolean): T {
    return this.tx(fn, durable);
  }

  private appendEvent(type: ChatEventType, data: Record<string, unknown>): number {
    const event = this.events.append(type, data);
    this.txs.appended(event);
    return event.id;
  }

  /** A message-received event: stored as a reference to the message, published with the message itself. */
  private appendMessageReceived(message: Message): void {
    this.txs.appended(this.events.appendMessageReceived(message));
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
    this.appendEvent('message-state-changed', { id, peerId, seq, state, ...(reason ? { reason } : {}), ...extra });
  }

  // ---- events ------------------------------------------------------------------------------

  /** Listeners are called once each commit is on disk, in event id order. */
  subscribe(listener: EventListener): () => void {
    return this.txs.subscribe(listener);
  }

  /** Stored events after `id`: at most `limit`, and no more once `maxBytes` of data are read (at least one). */
  eventsSince(id: number, limit = 10_000, maxBytes = Infinity): ChatEvent[] {
    return this.events.since(id, this.txs.publishedEventId, limit, maxBytes);
  }

  /** Appends an event (in the current transaction if there is one); listeners hear it after the commit. */
  publishEvent(type: Exclude<ChatEventType, 'message-received' | 'message-state-changed'>, data: Record<string, unknown>): number {
    return this.tx(() => this.appendEvent(type, data));
  }

  /**
   * Deletes the oldest events beyond the newest `keep`, at most `chunk` of them (a caller that
   * runs while the daemon serves others deletes in small steps); returns how many were deleted.
   */
  pruneEvents(keep = EVENTS_KEPT, chunk = Number.MAX_SAFE_INTEGER): number {
    return this.tx(() => this.events.prune(keep, chunk));
  }

  // ---- outgoing ----------------------------------------------------------------------------

  /**
   * Stores a new outgoing message as queued; once this returns it is on disk. With a client-chosen
   * `id` already stored for this peer, nothing is stored and the existing message comes back,
   * marked `existing` (the caller compares the texts: the same id with another text is a conflict).
   */
  queueOutgoing(peerId: string, text: string, id?: string): SentMessage {
    return this.tx(() => {
      // A fresh random id cannot collide, so without a client's id the row is always inserted.
      const now = Date.now();
      const row = insertMessageRow(
        this.stmt,
        { id: id ?? newMessageId(), peer_id: peerId, direction: 'out', text, sent_at: now, state: 'queued', expects_ack: 1, request: 0 },
        now,
      );
      if (!row) {
        const existing = this.stmt.outgoingById.get(peerId, id) as MessageRow;
        return { ...toMessage(existing), eventId: this.lastEventId(), existing: true };
      }
      const eventId = this.appendEvent('message-state-changed', { id: row.id, peerId, seq: row.seq, state: 'queued' });
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
    return this.tx(() => {
      const row = this.stmt.cancel.get({ seq, reason, now: Date.now() }) as MessageRow | undefined;
      if (row) this.stateChanged(row.id, row.peer_id, row.seq, 'cancelled', reason);
      return row && toMessage(row);
    }, true);
  }

  /** Queues a failed, expired or cancelled outgoing message again (same id and seq); undefined when it is in none of those states. */
  requeueOutgoing(seq: number): Message | undefined {
    return this.tx(() => {
      const row = this.stmt.requeue.get({ seq, now: Date.now() }) as MessageRow | undefined;
      if (row) this.stateChanged(row.id, row.peer_id, row.seq, 'queued');
      return row && toMessage(row);
    }, true);
  }

  /** The id of the newest stored event (0 when there is none). */
  lastEventId(): number {
    return (this.stmt.lastEventId.get() as { id: number }).id;
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
    this.tx(() => {
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
    return this.tx(() => {
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
    return this.tx(() => {
      const now = Date.now();
      const rows = this.stmt.markFailed.all({ peerId, ids: JSON.stringify([...ids]), reason, now }) as { id: string; seq: number }[];
      rows.sort((a, b) => a.seq - b.seq);
      for (const row of rows) this.stateChanged(row.id, peerId, row.seq, 'failed', reason);
      return rows.length;
    });
  }

  /** Marks outgoing messages older than `maxAgeMs` as expired, with a reason; returns them. */
  expireOlderThan(maxAgeMs: number): Message[] {
    return this.tx(() => {
      const rows = this.stmt.expired.all(Date.now() - maxAgeMs) as MessageRow[];
      return rows.map((row) => this.setState(row, 'expired', 'not delivered before the expiry time'));
    });
  }

  // ---- incoming ----------------------------------------------------------------------------

  /**
   * Stores incoming messages from one peer in one transaction. Ids already stored are skipped,
   * so a retried message never shows twice. Returns the messages that were new.
   */
  receive(peerId: string, incoming: IncomingMessage[]): Message[] {
    return this.tx(() => {
      const now = Date.now();
      const stored: Message[] = [];
      for (const msg of incoming) {
        const row = insertMessageRow(
          this.stmt,
          {
            id: msg.id ?? newMessageId(),
            peer_id: peerId,
            direction: 'in',
            text: msg.text,
            sent_at: msg.sentAt,
            state: 'received',
            expects_ack: msg.id === undefined ? 0 : 1,
            request: msg.request ? 1 : 0,
          },
          now,
        );
        // Already stored (a resend after a lost ack): skipped, so it never shows twice.
        if (!row) continue;
        const message = toMessage(row);
        this.appendMessageReceived(message);
        stored.push(message);
      }
      return stored;
    }, true);
  }

  // ---- history -----------------------------------------------------------------------------

  /** The newest `limit` messages matching the query, returned oldest first. */
  history(query: HistoryQuery): Message[] {
    const { sql, params } = historySql(query);
    return (this.db.prepare(sql).all(params) as MessageRow[]).map(toMessage);
  }

  counts(): { messages: number; outbox: number; peers: number } {
    return {
      messages: (this.stmt.messageCount.get() as { n: number }).n,
      outbox: (this.stmt.outboxCount.get() as { n: number }).n,
      peers: this.peerTable.count(),
    };
  }

  // ---- peers (src/store/peer-table.ts) -----------------------------------------------------

  /**
   * Records what we learned about a peer. When that changes the name shown for it (its first hello,
   * or a new name), a `peer-named` event says so: `peer-connected` comes before the hello.
   */
  updatePeer(peerId: string, update: PeerUpdate): void {
    this.tx(() => {
      const before = update.name === undefined ? undefined : (this.peerTable.get(peerId)?.name ?? null);
      this.peerTable.update(peerId, update);
      if (update.name === undefined) return;
      const name = this.peerTable.get(peerId)?.name ?? null;
      if (name !== null && name !== before) this.appendEvent('peer-named', { peerId, name });
    });
  }

  peer(peerId: string): Omit<PeerInfo, 'connected'> | undefined {
    return this.peerTable.get(peerId);
  }

  peers(): Omit<PeerInfo, 'connected'>[] {
    return this.peerTable.all();
  }
}
