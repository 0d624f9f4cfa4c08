// The daemon's SQLite database, the one door to it: messages in both directions, known peers, and
// the event log behind the control API's event stream, every write in its durable transactions.
// Its tables have modules of their own: outgoing states in outbox-table.ts, peers in peer-table.ts,
// events in event-log.ts; the store hands their methods on.
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ChatEvent, ChatEventType, Message, PeerInfo, SentMessage } from '../types.js';
import { EventLog } from './event-log.js';
import { newMessageId } from './message-id.js';
import { insertMessageRow, type MessageStatements, prepareMessageStatements } from './message-statements.js';
import { migrate } from './migrations.js';
import { OutboxTable } from './outbox-table.js';
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
  private readonly outboxTable: OutboxTable;

  constructor(dataDir: string, options: StoreOptions = {}) {
    this.path = join(dataDir, DATABASE_FILE);
    this.db = openDatabase(this.path);
    migrate(this.db);
    const db = this.db;
    this.stmt = prepareMessageStatements(db);
    this.events = new EventLog(db);
    this.peerTable = new PeerTable(db);
    this.txs = new DurableTransactions(db, this.lastEventId(), options);
    this.outboxTable = new OutboxTable({
      stmt: this.stmt,
      tx: (fn, durable) => this.tx(fn, durable),
      appendEvent: (type, data) => this.appendEvent(type, data),
      lastEventId: () => this.lastEventId(),
    });
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

  // ---- events ------------------------------------------------------------------------------

  /** Listeners are called once each commit is on disk, in event id order. */
  subscribe(listener: EventListener): () => void {
    return this.txs.subscribe(listener);
  }

  /** Stored events after `id`: at most `limit`, and no more once `maxBytes` of data are read (at least one). */
  eventsSince(id: number, limit = 10_000, maxBytes = Infinity): ChatEvent[] {
    return this.events.since(id, this.txs.publishedEventId, limit, maxBytes);
  }

  /** The id of the newest stored event (0 when there is none). */
  lastEventId(): number {
    return (this.stmt.lastEventId.get() as { id: number }).id;
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

  // ---- outgoing (src/store/outbox-table.ts) -----------------------------------------------

  queueOutgoing(peerId: string, text: string, id?: string): SentMessage {
    return this.outboxTable.queueOutgoing(peerId, text, id);
  }
  outgoing(peerId: string, id: string): Message | undefined {
    return this.outboxTable.outgoing(peerId, id);
  }
  outgoingByIdPrefix(prefix: string, limit: number): Message[] {
    return this.outboxTable.outgoingByIdPrefix(prefix, limit);
  }
  cancelOutgoing(seq: number, reason: string): Message | undefined {
    return this.outboxTable.cancelOutgoing(seq, reason);
  }
  requeueOutgoing(seq: number): Message | undefined {
    return this.outboxTable.requeueOutgoing(seq);
  }
  pendingFor(peerId: string, afterSeq: number, limit: number): PendingMessage[] {
    return this.outboxTable.pendingFor(peerId, afterSeq, limit);
  }
  hasPending(peerId: string, afterSeq = 0): boolean {
    return this.outboxTable.hasPending(peerId, afterSeq);
  }
  outbox(limit = 1000): Message[] {
    return this.outboxTable.outbox(limit);
  }
  outboxPeers(): string[] {
    return this.outboxTable.outboxPeers();
  }
  markSent(seqs: number[], acked: boolean): void {
    this.outboxTable.markSent(seqs, acked);
  }
  markDelivered(peerId: string, ids: Iterable<string>): number {
    return this.outboxTable.markDelivered(peerId, ids);
  }
  markFailed(peerId: string, ids: Iterable<string>, reason: string): number {
    return this.outboxTable.markFailed(peerId, ids, reason);
  }
  expireOlderThan(maxAgeMs: number): Message[] {
    return this.outboxTable.expireOlderThan(maxAgeMs);
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
