// GET /v1/events: the NDJSON event stream behind `watch`, `chat` and `send --wait`. At most
// `maxClients` streams at once, and each costs a bounded amount of memory however fast events
// come and however slowly it reads.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { eventLine } from '../store/event-line.js';
import type { ChatEvent } from '../types.js';
import { ApiError } from '../api-errors.js';

/** What the event stream needs of the daemon. */
export interface EventSource {
  /** Stored events after `id`, oldest first: one page, of about `maxBytes` at most (at least one event). */
  eventsSince(id: number, maxBytes: number): ChatEvent[];
  /** Listens to events as they are published (after their commit); returns the unsubscribe. */
  subscribe(listener: (event: ChatEvent) => void): () => void;
}

export interface EventStreamOptions {
  /** Most concurrent clients; one more is answered 503 `unavailable`. */
  maxClients: number;
  /**
   * Most bytes of events written to one client and not yet taken by its socket. Past it the client
   * is behind: new events stay in the store, and are read from there once it has caught up. Also
   * the size of a page read from the store for it.
   */
  highWaterBytes?: number;
  /** Told the number of clients after each one connects or leaves (for metrics). */
  onClients?: ((count: number) => void) | undefined;
  /** NDJSON unless told otherwise. */
  format?: StreamFormat;
}

/**
 * 64 KiB: a few hundred typical events, enough to keep a reading client busy between two turns of
 * the event loop, and small enough that the largest number of clients costs a few MiB.
 */
export const EVENT_STREAM_HIGH_WATER = 64 * 1024;

/** How events are written on the wire: NDJSON for the control socket, server-sent events for the web app. */
export interface StreamFormat {
  contentType: string;
  /** Written once, right after the headers. */
  preamble?: string;
  /** The text of one event, with its line end(s). */
  encode(event: ChatEvent): string;
}

export const NDJSON_FORMAT: StreamFormat = {
  contentType: 'application/x-ndjson',
  encode: (event) => `${eventLine(event)}\n`,
};

/** The text of some events, as one Buffer: one socket write, one chunk of the response. */
function linesOf(events: ChatEvent[], format: StreamFormat): Buffer {
  let text = '';
  for (const event of events) text += format.encode(event);
  return Buffer.from(text, 'utf8');
}

/**
 * Where a client resumes: the `since` query parameter, or the `Last-Event-ID` header that a
 * browser's EventSource sends when it reconnects by itself (it wins: the URL still carries the
 * `since` of the first connection).
 */
export function resumeFrom(since: number | undefined, lastEventId: string | string[] | undefined): number | undefined {
  if (typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId)) return Number(lastEventId);
  return since;
}

/** Whether one more client may connect. */
export function admitsClient(clients: number, maxClients: number): boolean {
  return clients < maxClients;
}

interface Client {
  /** Id of the last event written to it. */
  lastId: number;
  /** Live: published events are written as they come. Otherwise it reads from the store. */
  live: boolean;
  /** Writes; returns false when the client is behind (more than the high-water mark unread). */
  write(lines: Buffer, lastId: number): boolean;
  /** Ends the response once what was written is flushed (or after a short wait). */
  end(): Promise<void>;
}

/** How long a stopping daemon waits for a slow event-stream client to take its last events. */
const END_WAIT_MS = 1000;

/**
 * Serves GET /v1/events. Published events are gathered for the rest of the turn of the event loop
 * (one commit publishes its events together) and written to every live client as one shared
 * Buffer: per event and client, nothing is copied or queued. A client with more than the
 * high-water mark unread is behind; it stops getting live events and later reads from the store,
 * a page at a time, until it has caught up. Its cost is bounded by the high-water mark and one
 * page, however fast events come and however slowly it reads.
 */
export class EventStreams {
  private readonly source: EventSource;
  private readonly maxClients: number;
  private readonly highWater: number;
  private readonly onClients: (count: number) => void;
  private readonly format: StreamFormat;
  private readonly clients = new Set<Client>();
  private unsubscribe?: (() => void) | undefined;
  private batch: ChatEvent[] = [];

  constructor(source: EventSource, options: EventStreamOptions) {
    this.source = source;
    this.maxClients = options.maxClients;
    this.highWater = options.highWaterBytes ?? EVENT_STREAM_HIGH_WATER;
    this.onClients = options.onClients ?? (() => {});
    this.format = options.format ?? NDJSON_FORMAT;
  }

  /** Clients connected now. */
  get count(): number {
    return this.clients.size;
  }

  private published(event: ChatEvent): void {
    if (this.batch.length === 0) process.nextTick(() => this.flush());
    this.batch.push(event);
  }

  private flush(): void {
    const batch = this.batch;
    // Already written: close() flushes at once, before the flush this turn scheduled.
    if (batch.length === 0) return;
    this.batch = [];
    const first = (batch[0] as ChatEvent).id;
    const last = (batch.at(-1) as ChatEvent).id;
    let shared: Buffer | undefined;
    for (const client of this.clients) {
      // A client that went live during this turn read these events from the store already.
      if (!client.live || client.lastId >= last) continue;
      if (client.lastId < first) client.write((shared ??= linesOf(batch, this.format)), last);
      else
        client.write(
          linesOf(
            batch.filter((e) => e.id > client.lastId),
            this.format,
          ),
          last,
        );
    }
  }

  /**
   * Ends every stream after writing the events published so far (the daemon's last is
   * `daemon-stopping`): a client that sees its stream end after that knows the stop was clean.
   * A client that is behind reads nothing more; it can catch up with `since` after a restart.
   */
  async close(): Promise<void> {
    if (this.batch.length > 0) this.flush();
    await Promise.all([...this.clients].map((client) => client.end()));
  }

  /**
   * Serves one client. With `since`, first replays stored events after that id, then goes live.
   * Going live happens in the same synchronous step as the last read of the store, so no event
   * falls between the two.
   */
  serve(req: FastifyRequest, reply: FastifyReply): void {
    if (!admitsClient(this.clients.size, this.maxClients)) {
      throw new ApiError(
        'unavailable',
        `too many event-stream clients (${this.maxClients} connected): stop some 'watch' or 'chat' commands, or raise limits.maxEventClients`,
      );
    }
    const since = resumeFrom((req.query as { since?: number }).since, req.headers['last-event-id']);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': this.format.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    if (this.format.preamble !== undefined) res.write(this.format.preamble);
    res.flushHeaders();
    const client: Client = {
      lastId: since ?? 0,
      live: false,
      end: async () => {},
      write: (lines, lastId) => {
        client.lastId = lastId;
        res.write(lines);
        if (res.writableLength <= this.highWater) return true;
        client.live = false;
        res.once('drain', catchUp);
        return false;
      },
    };
    client.end = () =>
      new Promise<void>((resolve) => {
        if (res.destroyed || res.writableEnded) return resolve();
        const timer = setTimeout(() => {
          res.destroy();
          resolve();
        }, END_WAIT_MS);
        timer.unref();
        res.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    const catchUp = () => {
      if (res.destroyed) return;
      for (;;) {
        const page = this.source.eventsSince(client.lastId, this.highWater);
        if (page.length === 0) break;
        if (!client.write(linesOf(page, this.format), (page.at(-1) as ChatEvent).id)) return;
      }
      client.live = true;
    };
    this.clients.add(client);
    this.onClients(this.clients.size);
    this.unsubscribe ??= this.source.subscribe((event) => this.published(event));
    const closed = () => {
      // Both the request and the response report their close: count the client once.
      if (!this.clients.delete(client)) return;
      this.onClients(this.clients.size);
      if (this.clients.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    };
    req.raw.on('close', closed);
    res.on('close', closed);
    if (since === undefined) {
      // Only what is published from now on: not the events of this turn that it has not seen.
      client.lastId = this.batch.at(-1)?.id ?? 0;
      client.live = true;
    } else {
      catchUp();
    }
  }
}
