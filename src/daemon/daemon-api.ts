// What the daemon answers through its API (the control socket, the web app, the CLI through
// them): each answer delegates to the part that owns it. How the parts are made, started and
// stopped is src/daemon/daemon.ts, which fills in the fields below.
import type { ResolvedConfig } from '../config/schema.js';
import { ApiError } from '../api-errors.js';
import type { DaemonApi, MetricsText, WebLogin } from '../control/server.js';
import type { Logger } from '../logger.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { ChatNode } from '../node/create-node.js';
import type { PeerTracker } from '../node/peer-tracker.js';
import type { RoomsApi } from '../rooms/create-rooms.js';
import type { ChatService } from '../protocol/chat-service.js';
import type { StorageBudget } from '../store/budget.js';
import type { Store } from '../store/store.js';
import type { Trust } from '../trust/create-trust.js';
import type { TrustApi } from '../trust/trust-api.js';
import type { ChatEvent, Message, OutgoingText, PeerInfo, SentMessage, StatusInfo } from '../types.js';
import { VERSION } from '../version.js';
import type { Wan } from '../wan/wan.js';
import type { WebApp } from '../web/start-web.js';
import type { OutgoingControl } from './outgoing.js';
import type { PeerOperations } from './peer-operations.js';

export interface DaemonOptions {
  /** `--reset-database`: move an empty or damaged database aside instead of refusing to start. */
  resetDatabase?: boolean | undefined;
  /** `POST /v1/stop`: the owner stops the daemon as on SIGTERM. Without it the API cannot stop the daemon. */
  onStopRequested?: (() => void) | undefined;
}

export abstract class DaemonApiBase implements DaemonApi {
  protected readonly config: ResolvedConfig;
  protected readonly options: DaemonOptions;
  protected readonly log: Logger;
  protected readonly startedAt = Date.now();
  protected store!: Store;
  /** Asked before incoming messages are stored (by the trust gate): at the budget they are refused. */
  protected budget!: StorageBudget;
  protected node!: ChatNode;
  protected peerTracker!: PeerTracker;
  protected chat!: ChatService;
  protected outgoing!: OutgoingControl;
  protected peerOps!: PeerOperations;
  protected wan!: Wan;
  /** Undefined when `metrics.enabled` is off. */
  protected metricsPart: DaemonMetrics | undefined;
  protected web: WebApp = { off: 'the daemon is still starting' };
  protected trustParts!: Trust;
  trust!: TrustApi;
  rooms!: RoomsApi;

  constructor(config: ResolvedConfig, log: Logger, options: DaemonOptions = {}) {
    this.config = config;
    this.log = log;
    this.options = options;
  }

  protected addresses(): string[] {
    return this.node.getMultiaddrs().map((a) => a.toString());
  }

  status(): StatusInfo {
    const counts = this.store.counts();
    return {
      peerId: this.node.peerId.toString(),
      name: this.config.name,
      version: VERSION,
      addresses: this.addresses(),
      socket: this.config.socket,
      dataDir: this.config.dataDir,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      // Discovery may be configured on but unable to run (UDP 5353 held exclusively by another program).
      mdns: this.config.mdns.enabled && this.node.services.lan.isStarted(),
      network: this.config.mdns.network,
      peers: { connected: this.peerTracker.connectedPeers().size, known: counts.peers },
      messages: { total: counts.messages, outbox: counts.outbox },
      storage: { usedBytes: this.budget.usedBytes(), maxBytes: this.budget.maxBytes },
      trust: { inbound: this.trustParts.book.policy, ...this.trustParts.book.counts(), requests: this.trustParts.gate.heldRequests() },
      limits: { maxFrameBytes: this.config.limits.maxFrameBytes },
      wan: this.wan.status(),
      web: 'server' in this.web ? { url: this.web.server.origin } : { off: this.web.off },
    };
  }

  peers(): PeerInfo[] {
    return this.peerOps.peers();
  }

  resolvePeer(target: string): PeerInfo {
    return this.peerOps.resolve(target);
  }

  connect(target: string): Promise<PeerInfo> {
    return this.peerOps.connect(target);
  }

  invitation(): { invitation: string; peerId: string; addresses: string[] } {
    return this.wan.invitation();
  }

  async send(peerId: string, text: string, id?: string): Promise<SentMessage> {
    const [sent] = await this.sendMany([{ peerId, text, id }]);
    return sent as SentMessage;
  }

  /** Checks every message first, then stores all of them in one transaction, or none (src/daemon/outgoing.ts). */
  sendMany(messages: OutgoingText[]): Promise<SentMessage[]> {
    return this.outgoing.send(messages);
  }

  cancelMessage(target: string): Promise<Message> {
    return this.outgoing.cancel(target);
  }

  retryMessage(target: string): Promise<Message> {
    return this.outgoing.retry(target);
  }

  /** A new display name for this run (the config keeps the old one): connected p2pchat peers get a new hello. */
  rename(name: string): StatusInfo {
    const trimmed = name.trim();
    if (trimmed === '') throw new ApiError('bad_request', 'name: must not be empty or only spaces');
    this.config.name = trimmed;
    this.chat.rename(trimmed);
    this.log.info({ name: trimmed }, 'display name changed');
    return this.status();
  }

  requestStop(): void {
    const stop = this.options.onStopRequested;
    if (!stop) throw new ApiError('unavailable', 'this daemon cannot be stopped through the API; stop it with a signal');
    this.log.info('stop requested through the control API');
    // After this turn, so that the answer is written before the control socket closes.
    setImmediate(stop);
  }

  history(query: { peerId?: string | undefined; limit: number; before?: number | undefined; after?: number | undefined }): Message[] {
    return this.store.history(query);
  }

  outbox(): Message[] {
    return this.store.outbox();
  }

  metrics(): Promise<MetricsText> {
    if (!this.metricsPart) return Promise.reject(new ApiError('not_found', 'metrics are off: set metrics.enabled to true in the config'));
    return this.metricsPart.scrape();
  }

  webLogin(): WebLogin {
    if ('off' in this.web) throw new ApiError('unavailable', this.web.off);
    return this.web.server.login();
  }

  /** One page of a replay: a slow event-stream client holds at most this much of the store. */
  eventsSince(id: number, maxBytes: number): ChatEvent[] {
    return this.store.eventsSince(id, 1000, maxBytes);
  }

  subscribe(listener: (event: ChatEvent) => void): () => void {
    return this.store.subscribe(listener);
  }
}
