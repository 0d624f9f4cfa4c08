// The daemon's SQLite database: messages in both directions (the outbox is the outgoing rows not yet
// final), known peers, and the event log behind the control API's event stream.
import { chmodSync, closeSync, fdatasyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChatEvent, ChatEventType, Direction, Message, MessageState, PeerInfo, SentMessage } from '../types.js';
import { Checkpointer } from './checkpointer.js';
import { EventLog } from './event-log.js';
import { newMessageId } from './message-id.js';
import { type MessageStatements, prepareMessageStatements } from './message-statements.js';
import { migrate } from './migrations.js';
import { type HistoryQuery, historySql } from './history-query.js';
import { PeerTable, type PeerUpdate } from './peer-table.js';
import type { StoreObserver } from './observer.js';
import { type MessageRow, toMessage } from './rows.js';
import { type FileSync, fileSync, WalSync } from './wal-sync.js';

export type { HistoryQuery, PeerUpdate };

export const DATABASE_FILE = 'p2pchat.db';
/** Bytes the write-ahead log is trimmed to after a checkpoint. */
const WAL_SIZE_LIMIT = 8 * 1024 * 1024;
/**
 * Log pages after which a commit checkpoints on the event loop: only a backstop, since the
 * checkpointer's worker normally runs long before (src/store/checkpointer.ts).
 */
const AUTOCHECKPOINT_PAGES = 4000;
/** Events kept for `since=` catch-up by default; older ones are pruned. */
export const EVENTS_KEPT = 100_000;

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

export type EventListener = (event: ChatEvent) => void;

export interface StoreOptions {
  /** Told how long commits and fsyncs take (metrics). */
  observer?: StoreObserver | undefined;
  /** How the write-ahead log is made durable; by default an fdatasync on the thread pool (tests hold it back). */
  walSync?: ((walPath: string) => FileSync & { close?(): Promise<void> }) | undefined;
}

export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly listeners = new Set<EventListener>();
  /** Events appended inside the current transaction, published once it is on disk. */
  private pending: ChatEvent[] = [];
  /** Committed events waiting for the fsync of their commit, oldest first (published in id order). */
  private unpublished: Array<{ ticket: number; events: ChatEvent[] }> = [];
  /** The newest event listeners have heard: replays stop there, so nothing is seen before it is durable. */
  private publishedEventId: number;
  private readonly observer: StoreObserver | undefined;
  private readonly walFile: FileSync & { close?(): Promise<void> };
  private readonly wal: WalSync;
  private readonly checkpointer: Checkpointer;
  private readonly stmt: MessageStatements;
  private readonly events: EventLog;
  private readonly peerTable: PeerTable;

  constructor(dataDir: string, options: StoreOptions = {}) {
    this.path = join(dataDir, DATABASE_FILE);
    this.db = new Database(this.path);
    chmodSync(this.path, 0o600);
    // WAL + synchronous=NORMAL: a commit returns once its frames are written, without an fsync
    // on the event loop; WalSync fsyncs the WAL on the thread pool, and whoever promises
    // durability ("accepted", "acked") waits for that (synced()). Events wait for it too.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // The write-ahead log keeps the size of its largest burst unless told otherwise; it counts
    // against the storage budget, so trim it after checkpoints.
    this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    const db = this.db;
    this.stmt = prepareMessageStatements(db);
    this.events = new EventLog(db);
    this.peerTable = new PeerTable(db);
    this.publishedEventId = this.lastEventId();
    this.observer = options.observer;
    this.walFile = (options.walSync ?? fileSync)(`${this.path}-wal`);
    this.wal = new WalSync(this.walFile, { observer: this.observer, onDurable: (ticket) => this.publishUpTo(ticket) });
    this.checkpointer = new Checkpointer({
      path: this.path,
      walSizeLimit: WAL_SIZE_LIMIT,
      onCheckpoint: (result, seconds) => this.observer?.checkpointed?.(seconds, result.ok),
    });
  }

  /**
   * Closes the database. Commits not yet fsynced are fsynced here, on the loop (a shutdown may);
   * their events are not published any more (await synced() first for that).
   */
  close(): void {
    this.checkpointer.stop();
    if (this.db.open) {
      if (!this.wal.isDurable(this.wal.lastTicket)) syncFileNow(`${this.path}-wal`);
      this.db.close();
    }
    this.unpublished = [];
    void this.walFile.close?.();
  }

  /** Resolves once every commit so far is on disk and its events are published. */
  synced(): Promise<void> {
    return this.wal.waitFor();
  }

  /**
   * The connection, for the store's sibling modules (src/store/*.ts) that keep their own prepared
   * statements. Nothing outside src/store may use it: the store owns SQLite.
   */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Runs `fn` in one transaction. It returns once committed, before the fsync: a caller that
   * promises durability ("accepted", "acked") awaits synced() before it says so; `durable` only
   * tells the observer that one will. The events `fn` appended are published after the fsync. A
   * commit nobody waits for costs no fsync of its own, and losing it to a power cut only repeats
   * work (a resend the receiver deduplicates, an expiry done again).
   */
  private tx<T>(fn: () => T, durable = false): T {
    if (this.db.inTransaction) return fn();
    let result: T;
    const started = performance.now();
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      this.pending = [];
      throw err;
    }
    const ticket = this.wal.noteCommit();
    this.observer?.committed?.((performance.now() - started) / 1000, durable);
    this.checkpointer.committed();
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) {
      this.unpublished.push({ ticket, events });
      // Nobody may wait for this commit (an ack applied): its events still need a sync. A failed
      // sync leaves them queued for the next one, which the next durable caller starts.
      this.wal.waitFor(ticket).catch(() => {});
    }
    return result;
  }

  /** Publishes, in order, the events of every commit up to `ticket` (now on disk). */
  private publishUpTo(ticket: number): void {
    while (this.unpublished.length > 0 && (this.unpublished[0] as { ticket: number }).ticket <= ticket) {
      const { events } = this.unpublished.shift() as { events: ChatEvent[] };
      for (const event of events) {
        this.publishedEventId = event.id;
        for (const listener of this.listeners) listener(event);
      }
    }
  }

  /** Runs several store calls as one transaction; `durable`: the caller will await synced(). */
  atomically<T>(fn: () => T, durable: boolean): T {
    return this.tx(fn, durable);
  }

  private appendEvent(type: ChatEventType, data: Record<string, unknown>): number {
    const event = this.events.append(type, data);
    this.pending.push(event);
    return event.id;
  }

  /** A message-received event: stored as a reference to the message, published with the message itself. */
  private appendMessageReceived(message: Message): void {
    this.pending.push(this.events.appendMessageReceived(message));
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

  /** Inserts a message; returns its row as stored, or undefined when its id is already stored. */
  private insertMessage(
    id: string,
    peerId: string,
    direction: Direction,
    text: string,
    sentAt: number,
    state: MessageState,
    expectsAck: 0 | 1,
    now = Date.now(),
    request: 0 | 1 = 0,
  ): MessageRow | undefined {
    const info = this.stmt.insertMessage.run({ id, peerId, direction, text, sentAt, now, state, expectsAck, request });
    if (info.changes === 0) return undefined;
    const seq = Number(info.lastInsertRowid);
    return {
      seq,
      id,
      peer_id: peerId,
      direction,
      text,
      sent_at: sentAt,
      stored_at: now,
      state,
      reason: null,
      expects_ack: expectsAck,
      request,
    };
  }

  // ---- events ------------------------------------------------------------------------------

  /** Listeners are called once each commit is on disk, in event id order. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stored events after `id`: at most `limit`, and no more once `maxBytes` of data are read (at least one). */
  eventsSince(id: number, limit = 10_000, maxBytes = Infinity): ChatEvent[] {
    return this.events.since(id, this.publishedEventId, limit, maxBytes);
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
      const row = this.insertMessage(id ?? newMessageId(), peerId, 'out', text, Date.now(), 'queued', 1);
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
        const row = this.insertMessage(
          msg.id ?? newMessageId(),
          peerId,
          'in',
          msg.text,
          msg.sentAt,
          'received',
          msg.id === undefined ? 0 : 1,
          now,
          msg.request ? 1 : 0,
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

function syncFileNow(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
