// The daemon's Prometheus metrics: one registry of its own (never prom-client's global one), fed
// by the parts where counts arise (store events, the store's commits, the control API, the trust
// gate) and by gauges read at scrape time. Nothing here costs the hot path more than a counter
// increment, a Map update per message for the latency clock, or a histogram observation.
import type { Connection, Metrics as Libp2pMetrics } from '@libp2p/interface';
import { prometheusMetrics, type PrometheusMetricsComponents } from '@libp2p/prometheus-metrics';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControlObserver } from '../control/observer.js';
import type { MetricsText } from '../control/server.js';
import type { PeerKind } from '../node/peer-kinds.js';
import type { StoreObserver } from '../store/observer.js';
import type { DenialCounts } from '../trust/connection-gater.js';
import type { InboundAdmission } from '../trust/inbound-trust.js';
import type { FrameStreamRejection } from '../protocol/frame-stream.js';
import type { ChatEvent, RefusalReason, TrustState } from '../types.js';
import { VERSION } from '../version.js';
import { countConnections } from './connection-kinds.js';
import { DeliveryLatency } from './delivery-latency.js';
import { MESSAGE_SERIES, messageTransition } from './message-events.js';
import { RoomMetrics } from './room-metrics.js';

/** Every reason p2pchat_frames_rejected_total counts, so that each series exists (at 0) from the start. */
const FRAME_REJECTIONS = [
  'blocked',
  'contacts_only',
  'rate_limited',
  'quota',
  'storage_full',
  'invalid',
  'bad_frame',
  'partial_frames_full',
  'partial_frame_timeout',
] as const satisfies ReadonlyArray<RefusalReason | FrameStreamRejection>;

export interface MetricsOptions {
  /** libp2p's own metrics (connections, streams, bytes per protocol, dials) in the same registry. */
  libp2p: boolean;
  /** Where libp2p's filesystem metric looks (the data dir), instead of the working directory. */
  dataDir: string;
  /** Clock for the delivery latency, in milliseconds; monotonic by default. */
  now?: (() => number) | undefined;
}

/** What the metrics read from the running daemon; given once the parts exist (see start()). */
export interface MetricsSources {
  /** The store: its events (published after their commit) and its counts. */
  store: { subscribe(listener: (event: ChatEvent) => void): () => void; counts(): { outbox: number } };
  /** The libp2p node's open connections. */
  node: { getConnections(): Connection[] };
  trust: { stateOf(peerId: string): TrustState };
  kinds: { kindOf(peerId: string): PeerKind };
  /** Connections the gater refused since start, by reason (the daemon's own counters). */
  denials: DenialCounts;
}

/**
 * How often Node's event-loop delay monitor samples (prom-client's nodejs_eventloop_lag_* metrics).
 * Its default of 10 ms woke an idle daemon 100 times a second (1,904 context switches in 20 s
 * against 44 without metrics, 0.5% of a core); at 100 ms it wakes 10 times a second (242 in
 * 20 s, CPU time too small to measure) and still sees every stall of 100 ms or more.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];
const COMMIT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const CHECKPOINT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class DaemonMetrics {
  readonly registry = new Registry();
  /** Rooms' metrics: give `rooms.observer` to the rooms part, then `rooms.watch()` it once it exists. */
  readonly rooms = new RoomMetrics(this.registry);
  private readonly options: MetricsOptions;
  private readonly latency: DeliveryLatency;
  private sources: MetricsSources | undefined;
  private unsubscribe: (() => void) | undefined;

  private readonly messages = new Counter({
    name: 'p2pchat_messages_total',
    help: 'Messages that entered each state since start: outgoing (direction="out") per state change, incoming (direction="in", state="received") when stored.',
    labelNames: ['direction', 'state'] as const,
    registers: [this.registry],
  });
  private readonly deliveryLatency = new Histogram({
    name: 'p2pchat_delivery_latency_seconds',
    help: 'Outgoing messages from accepted (their queued event) to delivered (their delivered event: the receiver acked it, stored). Only messages queued since start.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly framesRejected = new Counter({
    name: 'p2pchat_frames_rejected_total',
    help: 'Incoming frames refused or dropped before anything was stored, by reason: those of the trust gate (blocked, contacts_only, rate_limited, quota, storage_full), invalid (not a valid envelope), and streams reset for what they sent (bad_frame, partial_frames_full, partial_frame_timeout).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly requestsRejected = new Counter({
    name: 'p2pchat_control_requests_rejected_total',
    help: 'Control API requests answered with an error, by its code (bad_request, not_found, unavailable, ...).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly eventClients = new Gauge({
    name: 'p2pchat_event_stream_clients',
    help: 'Event-stream clients connected now (watch, chat, send --wait), by the server they use.',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  private readonly commitDuration = new Histogram({
    name: 'p2pchat_store_commit_duration_seconds',
    help: 'Store transactions: how long each held the event loop; durable="true" when a caller waits for its fsync.',
    labelNames: ['durable'] as const,
    buckets: COMMIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly fsyncDuration = new Histogram({
    name: 'p2pchat_store_fsync_duration_seconds',
    help: 'fsyncs of the write-ahead log (off the event loop): how long each took.',
    buckets: FSYNC_BUCKETS,
    registers: [this.registry],
  });
  private readonly fsyncCommits = new Counter({
    name: 'p2pchat_store_fsync_commits_total',
    help: 'Commits made durable by the fsyncs counted in p2pchat_store_fsync_duration_seconds (divide by its count: commits per fsync).',
    registers: [this.registry],
  });

  private readonly checkpointDuration = new Histogram({
    name: 'p2pchat_store_checkpoint_duration_seconds',
    help: 'WAL checkpoints, run in a worker thread: how long each took; ok="false" when it failed (SQLite checkpoints by itself later).',
    labelNames: ['ok'] as const,
    buckets: CHECKPOINT_BUCKETS,
    registers: [this.registry],
  });

  /** Given to the store: commit, fsync and checkpoint timings. */
  readonly storeObserver: StoreObserver = {
    committed: (seconds, durable) => this.commitDuration.observe({ durable: durable ? 'true' : 'false' }, seconds),
    synced: (seconds, commits) => {
      this.fsyncDuration.observe(seconds);
      this.fsyncCommits.inc(commits);
    },
    checkpointed: (seconds, ok) => this.checkpointDuration.observe({ ok: ok ? 'true' : 'false' }, seconds),
  };

  constructor(options: MetricsOptions) {
    this.options = options;
    this.latency = new DeliveryLatency(options.now ?? (() => performance.now()));
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    for (const labels of MESSAGE_SERIES) this.messages.inc(labels, 0);
    for (const reason of FRAME_REJECTIONS) this.framesRejected.inc({ reason }, 0);
    const sources = () => this.sources;
    new Gauge({
      name: 'p2pchat_outbox_messages',
      help: 'Outgoing messages not yet final (queued, or sent and awaiting their ack).',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.store.counts().outbox);
      },
    });
    new Gauge({
      name: 'p2pchat_connections',
      help: 'Open libp2p connections by direction, the trust state of the remote peer, what it is (p2pchat, plain chat peer, pending identify) and transport.',
      labelNames: ['direction', 'trust', 'kind', 'transport'] as const,
      registers: [this.registry],
      collect() {
        const s = sources();
        this.reset();
        if (!s) return;
        const open = s.node
          .getConnections()
          .map((c) => ({ direction: c.direction, peerId: c.remotePeer.toString(), relayed: c.limits !== undefined }));
        const counted = countConnections(
          open,
          (peerId) => s.trust.stateOf(peerId),
          (peerId) => s.kinds.kindOf(peerId),
        );
        for (const { labels, count } of counted) this.set({ ...labels }, count);
      },
    });
    new Counter({
      name: 'p2pchat_connections_refused_total',
      help: 'Connections the connection gater refused since start, by reason (blocked, address_full, subnet_full, strangers_full).',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        const s = sources();
        if (!s) return;
        this.reset();
        for (const [reason, count] of Object.entries(s.denials)) this.inc({ reason }, count);
      },
    });
    new Gauge({
      name: 'p2pchat_build_info',
      help: 'Always 1; the version label says which p2pchat runs.',
      labelNames: ['version'] as const,
      registers: [this.registry],
    }).set({ version: VERSION }, 1);
  }

  /**
   * The `metrics` option of createLibp2p, when libp2p's own metrics are on: they go into this
   * registry. The package clears prom-client's global registry and its own cache of metrics when
   * a node is created; the daemon never uses the global registry, and clearing the cache makes
   * the node register its metrics afresh here.
   */
  libp2p(): ((components: PrometheusMetricsComponents) => Libp2pMetrics) | undefined {
    if (!this.options.libp2p) return undefined;
    return prometheusMetrics({ registry: this.registry, collectDefaultMetrics: false, statfsLocation: this.options.dataDir });
  }

  /** Given to a server of the daemon API: its rejected requests and event-stream clients, labelled `via`. */
  control(via: string): ControlObserver {
    this.eventClients.set({ via }, 0);
    return {
      rejected: (code) => this.requestsRejected.inc({ reason: code }),
      eventClients: (count) => this.eventClients.set({ via }, count),
    };
  }

  /** The trust gate as the chat protocol sees it, counting what it refuses. */
  countRefusals(inbound: InboundAdmission): InboundAdmission {
    return {
      admit: (peerId, incoming) => {
        const verdict = inbound.admit(peerId, incoming);
        for (const refusal of verdict.refused) this.framesRejected.inc({ reason: refusal.reason });
        return verdict;
      },
      settled: (peerId, hadRequests) => inbound.settled(peerId, hadRequests),
    };
  }

  /** Given to the chat protocol: frames it drops before the trust gate (malformed, or streams reset for what they hold). */
  readonly rejectedFrames = (reason: string, count: number): void => {
    this.framesRejected.inc({ reason }, count);
  };

  /** Starts counting the store's events; gauges read `sources` at each scrape. */
  start(sources: MetricsSources): void {
    if (this.unsubscribe) return;
    this.sources = sources;
    this.unsubscribe = sources.store.subscribe((event) => this.observe(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.latency.clear();
  }

  async scrape(): Promise<MetricsText> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private observe(event: ChatEvent): void {
    const change = messageTransition(event);
    if (!change) return;
    this.messages.inc({ direction: change.direction, state: change.state });
    if (change.direction !== 'out') return;
    const seconds = this.latency.changed(change.seq, change.state, change.final);
    if (seconds !== undefined) this.deliveryLatency.observe(seconds);
  }
}
