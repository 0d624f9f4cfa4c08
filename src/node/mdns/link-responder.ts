// mDNS on one link: a socket that sends out of that interface only, our records there, the
// multicast answers waiting for their delay, and the query schedule with its backoff.
import { createSocket, type Socket } from 'node:dgram';
import type { Link } from '../links.js';
import { type Answer, encodePacket, type Packet, type StringAnswer } from './packet.js';
import { announcementPacket, goodbyePacket, type LinkRecords, queryPackets } from './records.js';
import { nextQueryInterval, RECORD_GAP_MS, recordKey, type Reply, responsePacket, sharedAnswerDelay } from './responder.js';

export const MDNS_GROUP = '224.0.0.251';

export interface LinkLog {
  debug(obj: object, msg: string): void;
}

export interface LinkResponderInit {
  link: Link;
  serviceTag: string;
  /** The mDNS port (5353; only tests change it). */
  port: number;
  /** Longest interval between queries. */
  maxQueryIntervalMs: number;
  log: LinkLog;
  /** The PTRs a query lists as known (see known-answers.ts). */
  knownAnswers: () => StringAnswer[];
  /** Incremented for each query and multicast response sent. */
  counts: { queriesSent: number; responsesSent: number };
  /** Every packet that arrives on the link's own socket (unicast queries and replies). */
  onPacket: (bytes: Buffer, source: string, sourcePort: number) => void;
}

export function bindSocket(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address, exclusive: false }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

interface PendingReply {
  timer: NodeJS.Timeout;
  at: number;
  answers: Map<string, Answer>;
  additionals: Map<string, Answer>;
}

export class LinkResponder {
  readonly link: Link;
  /** Our records here; undefined while we have no address to announce. */
  records: LinkRecords | undefined;
  /** The addresses the records were made from, to tell when they change. */
  announced = '';
  private readonly init: LinkResponderInit;
  private readonly sender: Promise<Socket | undefined>;
  /** When each record was last multicast here, by recordKey. */
  private readonly lastSent = new Map<string, number>();
  private pending: PendingReply | undefined;
  private queryTimer: NodeJS.Timeout | undefined;
  private repeatTimer: NodeJS.Timeout | undefined;
  private queryInterval: number | undefined;
  /** Our last query's packets and time: the copies that loop back to us are not answered. */
  private lastQuery: { packets: Buffer[]; at: number } | undefined;
  private closed = false;

  constructor(init: LinkResponderInit) {
    this.init = init;
    this.link = init.link;
    this.sender = this.openSender();
  }

  /**
   * A socket that sends out of this link only. It sends from port 5353, as mDNS asks; if another
   * program holds that port for this address, from any port (p2pchat daemons still listen to it).
   */
  private async openSender(): Promise<Socket | undefined> {
    const { link, log } = this.init;
    for (const port of [this.init.port, 0]) {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      try {
        await bindSocket(socket, port, link.address);
      } catch (err) {
        socket.close();
        log.debug({ link: link.name, port, err: (err as Error).message }, 'cannot send mDNS from this port');
        continue;
      }
      socket.on('error', (err) => log.debug({ link: link.name, err: err.message }, 'mDNS send socket error'));
      socket.on('message', (msg, rinfo) => this.init.onPacket(msg, rinfo.address, rinfo.port));
      socket.setMulticastInterface(link.address);
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(true);
      return socket;
    }
    return undefined;
  }

  /** Starts querying: now, then after 1 s, 2 s, 4 s... up to the maximum (a fresh burst for a new link). */
  startQueries(): void {
    clearTimeout(this.queryTimer);
    this.queryInterval = undefined;
    const next = (): void => {
      this.query();
      this.queryInterval = nextQueryInterval(this.queryInterval, this.init.maxQueryIntervalMs);
      this.queryTimer = setTimeout(next, this.queryInterval);
      this.queryTimer.unref();
    };
    next();
  }

  private query(): void {
    const packets = queryPackets(this.init.serviceTag, this.init.knownAnswers()).map(encodePacket);
    this.lastQuery = { packets, at: Date.now() };
    this.init.counts.queriesSent++;
    // In order: the packets after the first carry the rest of its known answers.
    void packets.reduce((sent, bytes) => sent.then(() => this.send(bytes, this.init.port, MDNS_GROUP)), Promise.resolve());
  }

  /** Whether a packet from this host is our own latest query, looped back. */
  isOwnQuery(bytes: Buffer): boolean {
    const last = this.lastQuery;
    return last !== undefined && Date.now() - last.at < RECORD_GAP_MS && last.packets.some((p) => bytes.equals(p));
  }

  /** Announces all our records now (or as soon as the per-record gap allows), and once more a second later. */
  announce(): void {
    const once = (): void => {
      if (!this.records) return;
      this.queueMulticast({ answers: announcementPacket(this.records).answers ?? [], additionals: [], shared: false }, 0);
    };
    once();
    // Repeated once, as RFC 6762 section 8.3 asks: multicast on Wi-Fi gets lost.
    clearTimeout(this.repeatTimer);
    this.repeatTimer = setTimeout(once, RECORD_GAP_MS);
    this.repeatTimer.unref();
  }

  /** A multicast answer to a query: shared answers wait 20-120 ms, unique ones go at once. */
  answer(reply: Reply): void {
    this.queueMulticast(reply, reply.shared ? sharedAnswerDelay() : 0);
  }

  /**
   * Queues records for the next multicast response, sent after `delayMs` but never before every
   * record in it may go again (one multicast per record per second). Answers that come while one
   * waits join it.
   */
  private queueMulticast(reply: Reply, delayMs: number): void {
    const now = Date.now();
    const gapOver = Math.max(0, ...reply.answers.map((r) => (this.lastSent.get(recordKey(r)) ?? -Infinity) + RECORD_GAP_MS));
    const at = Math.max(now + delayMs, gapOver);
    const pending = this.pending ?? { timer: undefined as unknown as NodeJS.Timeout, at, answers: new Map(), additionals: new Map() };
    for (const r of reply.answers) pending.answers.set(recordKey(r), r);
    for (const r of reply.additionals) pending.additionals.set(recordKey(r), r);
    if (this.pending && this.pending.at >= at) return;
    clearTimeout(pending.timer);
    pending.at = at;
    pending.timer = setTimeout(() => this.flush(), Math.max(0, at - now));
    pending.timer.unref();
    this.pending = pending;
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || this.closed) return;
    const now = Date.now();
    const answers = [...pending.answers.values()];
    for (const key of pending.answers.keys()) this.lastSent.set(key, now);
    const additionals = [...pending.additionals].filter(([key]) => !pending.answers.has(key)).map(([, r]) => r);
    this.init.counts.responsesSent++;
    void this.send(encodePacket(responsePacket(answers, additionals)), this.init.port, MDNS_GROUP);
  }

  /** A unicast packet to one querier (a legacy query's reply). */
  sendTo(packet: Packet, address: string, port: number): void {
    void this.send(encodePacket(packet), port, address);
  }

  private async send(bytes: Buffer, port: number, address: string): Promise<void> {
    const socket = await this.sender;
    if (!socket || this.closed) return;
    await new Promise<void>((resolve) => {
      socket.send(bytes, port, address, (err) => {
        if (err) this.init.log.debug({ link: this.link.name, err: err.message }, 'mDNS send failed');
        resolve();
      });
    });
  }

  /** Stops everything here; with `goodbye`, first withdraws our records (TTL 0) from others' caches. */
  async close(goodbye: boolean): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.queryTimer);
    clearTimeout(this.repeatTimer);
    clearTimeout(this.pending?.timer);
    this.pending = undefined;
    if (goodbye && this.records) await this.send(encodePacket(goodbyePacket(this.records)), this.init.port, MDNS_GROUP);
    this.closed = true;
    const socket = await this.sender;
    socket?.close();
  }
}
