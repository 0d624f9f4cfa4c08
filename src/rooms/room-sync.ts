// `/p2pchat/room-sync/1.0.0`: catch-up between members. The puller sends what it holds of a room
// (each author's highest seq), the other side answers with one page of what the puller lacks, and
// the puller asks again until it has everything. Any member can serve any message it holds, since
// each is signed by its author and verified on arrival (src/rooms/room-intake.ts).
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import type { Logger } from '../logger.js';
import type { TrustView } from '../types.js';
import type { IntakeVerdict, VerifiedBatch } from './room-intake.js';
import { ROOM_ID_PATTERN, type WireRoomMessage } from './room-message.js';
import type { RoomClock, RoomTable } from './room-table.js';
import { clockAfter, pagePlan, parsePull, type PullRequest } from './sync-decisions.js';

export const ROOM_SYNC_PROTOCOL = '/p2pchat/room-sync/1.0.0';
/** A request frame is a room id and a clock: this leaves room for thousands of authors. */
const MAX_REQUEST_BYTES = 512 * 1024;
/** Most bytes of messages in one page. */
const PAGE_BYTES = 512 * 1024;
const MAX_RESPONSE_BYTES = PAGE_BYTES + 64 * 1024;
/** Most requests one inbound stream may carry before it is closed. */
const MAX_REQUESTS_PER_STREAM = 10_000;
const IO_TIMEOUT_MS = 30_000;
/** Closing only flushes what is written: a peer that does not close its side within this is reset. */
const CLOSE_TIMEOUT_MS = 5_000;

interface SyncNode {
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options: object): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  dialProtocol(peer: PeerId, protocol: string, options: { signal: AbortSignal; runOnLimitedConnection?: boolean }): Promise<Stream>;
}

export interface SyncComponents {
  node: SyncNode;
  table: RoomTable;
  trust: TrustView;
  log: Logger;
  /** Checks a page's messages and verifies their signatures; nothing is stored yet. */
  verify(messages: WireRoomMessage[], from: string): Promise<VerifiedBatch>;
  /** Stores a verified page, one verdict per message; called in the pages' order. */
  store(batch: VerifiedBatch): IntakeVerdict[];
}

export interface SyncOptions {
  pageMessages: number;
}

interface Page {
  t: 'page' | 'unknown';
  room: string;
  msgs?: WireRoomMessage[];
  more?: boolean;
}

export class RoomSync {
  private readonly c: SyncComponents;
  private readonly o: SyncOptions;
  /** One pull per peer at a time; a request meanwhile runs once more after it. */
  private readonly running = new Map<string, { again: Set<string> }>();
  private stopped = false;
  /** Messages this daemon received through sync (tests, bench). */
  fetched = 0;

  constructor(components: SyncComponents, options: SyncOptions) {
    this.c = components;
    this.o = options;
  }

  async start(): Promise<void> {
    await this.c.node.handle(ROOM_SYNC_PROTOCOL, (stream, connection) => this.serve(stream, connection.remotePeer.toString()), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
      // Members reachable only through a relay catch up too (the relay's data limit ends a long pull; the next resumes).
      runOnLimitedConnection: true,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.c.node.unhandle(ROOM_SYNC_PROTOCOL).catch(() => {});
  }

  /** Pulls these rooms from `peerId` (now, or right after the pull already running). */
  pull(peerId: string, rooms: string[]): void {
    if (this.stopped || rooms.length === 0) return;
    const busy = this.running.get(peerId);
    if (busy) {
      for (const room of rooms) busy.again.add(room);
      return;
    }
    const state = { again: new Set<string>() };
    this.running.set(peerId, state);
    void (async () => {
      let todo = rooms;
      while (todo.length > 0 && !this.stopped) {
        await this.pullNow(peerId, todo).catch((err: Error) => this.c.log.debug({ peerId, err: err.message }, 'room sync pull failed'));
        todo = [...state.again];
        state.again.clear();
      }
      this.running.delete(peerId);
    })();
  }

  /** Resolves once no pull is running (tests and shutdown). */
  idle(): boolean {
    return this.running.size === 0;
  }

  private async pullNow(peerId: string, rooms: string[]): Promise<void> {
    const stream = await this.c.node.dialProtocol(peerIdFromString(peerId), ROOM_SYNC_PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
      runOnLimitedConnection: true,
    });
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_BYTES });
    const ask = (room: string, have: RoomClock) => {
      const request: PullRequest = { t: 'pull', room, have, max: this.o.pageMessages };
      return lp.write(Buffer.from(JSON.stringify(request)), { signal: AbortSignal.timeout(IO_TIMEOUT_MS) });
    };
    try {
      for (const room of rooms) await this.pullRoom(room, peerId, lp, ask);
      await finish(stream);
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  }

  /**
   * Pulls one room as a pipeline: page N+1 is asked for (as if page N will be stored) before page N
   * is verified, and page N is verified while page N-1 is stored, so the serving peer, the thread
   * pool and the event loop all work at once.
   */
  private async pullRoom(
    room: string,
    peerId: string,
    lp: LengthPrefixedStream,
    ask: (room: string, have: RoomClock) => Promise<void>,
  ): Promise<void> {
    let have = this.c.table.clock(room);
    await ask(room, have);
    // Whether every page stored so far was wholly new: only then is the page asked for ahead right.
    let storing = Promise.resolve(true);
    try {
      while (!this.stopped) {
        const page = parsePage((await lp.read({ signal: AbortSignal.timeout(IO_TIMEOUT_MS) })).subarray(), room);
        if (page.t === 'unknown' || !page.msgs || page.msgs.length === 0) break;
        const next = clockAfter(have, page.msgs);
        if (page.more) await ask(room, next);
        const verifying = this.c.verify(page.msgs, peerId);
        const before = storing;
        storing = (async () => {
          const batch = await verifying;
          if (!(await before)) return false;
          const verdicts = this.c.store(batch);
          const stored = verdicts.filter((v) => v === 'stored').length;
          this.fetched += stored;
          // Something refused or held back, or nothing new at all (a peer repeating itself).
          return stored > 0 && stored + verdicts.filter((v) => v === 'duplicate').length === verdicts.length;
        })();
        if (!page.more) break;
        if (!(await before)) {
          // The page asked for ahead is not needed: the next pull starts from what is really held.
          await lp.read({ signal: AbortSignal.timeout(IO_TIMEOUT_MS) }).catch(() => {});
          break;
        }
        have = next;
      }
    } catch (err) {
      // The stream failed: the page being stored still is, and its own failure is not the news.
      await storing.catch(() => {});
      throw err;
    }
    await storing;
  }

  /** Answers pulls on a stream another peer opened, one page per request. */
  private async serve(stream: Stream, peerId: string): Promise<void> {
    if (this.c.trust.stateOf(peerId) === 'blocked') return stream.abort(new Error('blocked'));
    const lp = lpStream(stream, { maxDataLength: MAX_REQUEST_BYTES });
    try {
      for (let i = 0; i < MAX_REQUESTS_PER_STREAM && !this.stopped; i++) {
        let frame: Uint8Array;
        try {
          frame = (await lp.read({ signal: AbortSignal.timeout(IO_TIMEOUT_MS) })).subarray();
        } catch {
          break; // the puller is done (or gone)
        }
        const request = parsePull(frame);
        if (typeof request === 'string') {
          this.c.log.warn({ peerId, problem: request }, 'bad room sync request: stream closed');
          return stream.abort(new Error(request));
        }
        await lp.write(Buffer.from(JSON.stringify(this.page(request))), { signal: AbortSignal.timeout(IO_TIMEOUT_MS) });
      }
      await finish(stream);
    } catch (err) {
      this.c.log.debug({ peerId, err: (err as Error).message }, 'room sync stream failed');
      stream.abort(err as Error);
    }
  }

  private page(request: PullRequest): Page {
    const room = this.c.table.room(request.room);
    if (!room || room.member !== 1) return { t: 'unknown', room: request.room };
    const plan = pagePlan(this.c.table.clock(request.room), request.have, Math.min(request.max, this.o.pageMessages));
    const msgs: WireRoomMessage[] = [];
    let bytes = 0;
    let more = plan.more;
    for (const { author, after, count } of plan.take) {
      for (const m of this.c.table.messagesAfter(request.room, author, after, count)) {
        bytes += m.p.length + m.s.length;
        if (bytes > PAGE_BYTES && msgs.length > 0) {
          more = true;
          break;
        }
        msgs.push(m);
      }
      if (bytes > PAGE_BYTES) break;
    }
    return { t: 'page', room: request.room, msgs, more };
  }
}

/**
 * Closes our side, then waits a little for the other side to close its own; a peer that does not is
 * reset, so that a rude peer cannot hold streams (and the per-connection stream slots) open.
 */
async function finish(stream: Stream): Promise<void> {
  // A function: the status changes while this waits, which TypeScript's narrowing would not see.
  const open = () => stream.status === 'open' || stream.status === 'closing';
  await stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) }).catch(() => {});
  if (!open()) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    stream.addEventListener('close', () => (clearTimeout(timer), resolve()), { once: true });
  });
  if (open()) stream.abort(new Error('the other side did not close the stream'));
}

function parsePage(frame: Uint8Array, room: string): Page {
  const page = JSON.parse(Buffer.from(frame).toString('utf8')) as Page;
  if (typeof page !== 'object' || page === null || page.room !== room || !ROOM_ID_PATTERN.test(room)) throw new Error('bad page');
  if (page.t === 'unknown') return page;
  if (page.t !== 'page' || !Array.isArray(page.msgs)) throw new Error('bad page');
  const msgs = page.msgs.filter(
    (m): m is WireRoomMessage => typeof m === 'object' && m !== null && typeof m.p === 'string' && typeof m.s === 'string',
  );
  return { t: 'page', room, msgs, more: page.more === true };
}
