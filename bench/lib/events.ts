// Follows one daemon's /v1/events NDJSON stream and counts what the bench waits for: messages
// received there, and messages of its own that became delivered (acked by the peer).
import { type ClientRequest, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { lineSplitter } from '../../src/control/ndjson.js';
import type { ChatEvent, Message } from '../../src/types.js';

type Kind = 'received' | 'delivered';

/** Follows /v1/events (from `since`, when given); resolves once the daemon answered. */
export function openEventStream(
  socketPath: string,
  since: number | undefined,
  onEvent: (event: ChatEvent) => void,
): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const path = since === undefined ? '/v1/events' : `/v1/events?since=${since}`;
    const req = request({ socketPath, method: 'GET', path }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream answered HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on(
        'data',
        lineSplitter((line) => onEvent(JSON.parse(line) as ChatEvent)),
      );
      res.on('error', () => {});
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Which peers a daemon is connected to, and since when (daemon clock, ms since epoch), from its events. */
export class PeerWatch {
  readonly connectedSince = new Map<string, number>();
  private req?: ClientRequest;

  /** Replays the daemon's events from the start, then follows them. */
  static async open(socketPath: string): Promise<PeerWatch> {
    const watch = new PeerWatch();
    watch.req = await openEventStream(socketPath, 0, (event) => {
      const peerId = String(event.data.peerId);
      if (event.type === 'peer-connected') watch.connectedSince.set(peerId, Date.parse(event.time));
      else if (event.type === 'peer-disconnected') watch.connectedSince.delete(peerId);
    });
    return watch;
  }

  close(): void {
    this.req?.destroy();
  }
}

export class EventWatch {
  readonly counts: Record<Kind, number> = { received: 0, delivered: 0 };
  private readonly countWaiters: { kind: Kind; target: number; resolve: (at: number) => void }[] = [];
  /** Received texts and delivered ids, with when they were seen, for latency probes. */
  private readonly seen = new Map<string, number>();
  private readonly keyWaiters = new Map<string, (at: number) => void>();
  private req?: ClientRequest;
  /** Record texts and ids (latency probes); off for throughput runs, where only counts matter. */
  trackKeys = false;

  /** Opens the stream; resolves once the daemon answered, that is once it is subscribed. */
  static async open(socketPath: string): Promise<EventWatch> {
    const watch = new EventWatch();
    watch.req = await openEventStream(socketPath, undefined, (event) => watch.onEvent(event));
    return watch;
  }

  private onEvent(event: ChatEvent): void {
    const at = performance.now();
    let kind: Kind | undefined;
    let key: string | undefined;
    if (event.type === 'message-received') {
      kind = 'received';
      key = `text:${(event.data.message as Message).text}`;
    } else if (event.type === 'message-state-changed' && event.data.state === 'delivered') {
      kind = 'delivered';
      key = `id:${String(event.data.id)}`;
    }
    if (!kind || !key) return;
    const count = ++this.counts[kind];
    if (this.trackKeys) {
      const waiter = this.keyWaiters.get(key);
      this.keyWaiters.delete(key);
      if (waiter) waiter(at);
      else this.seen.set(key, at);
    }
    for (let i = this.countWaiters.length - 1; i >= 0; i--) {
      const w = this.countWaiters[i] as (typeof this.countWaiters)[number];
      if (w.kind === kind && count >= w.target) {
        this.countWaiters.splice(i, 1);
        w.resolve(at);
      }
    }
  }

  /** Resolves with the time (performance.now) at which the count of `kind` reached `target`. */
  whenCount(kind: Kind, target: number): Promise<number> {
    if (this.counts[kind] >= target) return Promise.resolve(performance.now());
    return new Promise((resolve) => this.countWaiters.push({ kind, target, resolve }));
  }

  private whenKey(key: string): Promise<number> {
    const at = this.seen.get(key);
    if (at !== undefined) {
      this.seen.delete(key);
      return Promise.resolve(at);
    }
    return new Promise((resolve) => this.keyWaiters.set(key, resolve));
  }

  whenReceivedText(text: string): Promise<number> {
    return this.whenKey(`text:${text}`);
  }

  whenDelivered(id: string): Promise<number> {
    return this.whenKey(`id:${id}`);
  }

  close(): void {
    this.req?.destroy();
  }
}
