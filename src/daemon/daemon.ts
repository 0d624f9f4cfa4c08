// Wires the parts together and owns start-up and shutdown order. No protocol or storage logic here.
import { peerIdFromString } from '@libp2p/peer-id';
import { ControlServer } from '../control/server.js';
import { Delivery } from '../delivery/delivery.js';
import { loadMetrics } from '../metrics/load.js';
import { createChatNode } from '../node/create-node.js';
import { PeerTracker } from '../node/peer-tracker.js';
import { ChatService } from '../protocol/chat-service.js';
import { PROTOCOL } from '../protocol/envelope.js';
import { createRooms, roomServices } from '../rooms/create-rooms.js';
import { RoomRetention } from '../rooms/room-retention.js';
import { StorageBudget } from '../store/budget.js';
import { StrangerPruner } from '../store/peer-pruning.js';
import { Retention } from '../store/retention.js';
import { Store } from '../store/store.js';
import { createConnectionGater, type DenialCounts, newDenialCounts } from '../trust/connection-gater.js';
import { createTrust } from '../trust/create-trust.js';
import { createTrustApi } from '../trust/trust-api.js';
import { VERSION } from '../version.js';
import { Wan } from '../wan/wan.js';
import { wanNodeOptions } from '../wan/wan-options.js';
import { startWebApp } from '../web/start-web.js';
import { loadOrCreateIdentity } from './identity.js';
import { planListen, listenFailure } from './listen-ports.js';
import { acquireLock, clearStaleSocket } from './lock.js';
import { OutgoingControl } from './outgoing.js';
import { PeerOperations } from './peer-operations.js';
import { DaemonApiBase, type DaemonOptions } from './daemon-api.js';
import { checkDatabase, checkDirectories } from './preflight.js';

/** How long shutdown may take before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 5000;

export type { DaemonOptions };

export class Daemon extends DaemonApiBase {
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private delivery!: Delivery;
  /** Set once start-up completed: only a daemon that was ready announces its clean stop. */
  private ready = false;
  /** Connections the gater refused, by reason (for metrics). */
  readonly connectionDenials: DenialCounts = newDenialCounts();

  async start(): Promise<void> {
    const { config, log } = this;
    checkDirectories(config, log);
    const release = acquireLock(config.dataDir);
    this.cleanups.push(release);
    try {
      const { privateKey, created } = await loadOrCreateIdentity(config.dataDir);
      if (created) log.info('created a new identity key');
      checkDatabase(config.dataDir, { identityIsNew: created, reset: this.options.resetDatabase === true }, log);
      // Before the store and the node: it observes both from their start.
      const metrics = (this.metricsPart = await loadMetrics(config));
      this.store = new Store(config.dataDir, { observer: metrics?.storeObserver });
      this.cleanups.push(() => this.store.close());
      this.budget = new StorageBudget({ store: this.store, log: log.child({ part: 'storage' }) }, config.storage);
      const retention = new Retention(
        { store: this.store, log: log.child({ part: 'storage' }) },
        { ...config.history, intervalMs: config.history.pruneIntervalSeconds * 1000 },
      );
      const trust = createTrust({ store: this.store, storage: this.budget, log: log.child({ part: 'trust' }) }, config);
      this.trustParts = trust;
      this.cleanups.push(() => trust.inbound.stop());

      const listen = await planListen(config.listen, config.listenIsDefault);
      const beyondLan = wanNodeOptions(config);
      this.node = await createChatNode({
        ...beyondLan,
        extraServices: { ...beyondLan.extraServices, ...roomServices(config.rooms) },
        privateKey,
        listen: [...listen.listen, ...beyondLan.listen],
        maxConnections: config.limits.maxConnections,
        mdns: config.mdns,
        log: log.child({ part: 'lan' }),
        metrics: metrics?.libp2p(),
        gater: createConnectionGater({
          relayReservations: config.relay.reservationsFrom,
          trust: trust.book,
          limits: config.limits,
          log: log.child({ part: 'admission' }),
          denials: this.connectionDenials,
        }),
      });
      // LAN libp2p nodes that speak no /chat/1.0.0 leave the peers list, unless the user chose them.
      this.node.services.nonChat.setPolicy({
        keep: (peerId) => trust.book.stateOf(peerId) !== 'stranger',
        forget: (peerId) => trust.table.forget(peerId, false),
      });
      this.peerTracker = new PeerTracker(
        { node: this.node, store: this.store, trust: trust.book, log: log.child({ part: 'peers' }) },
        { chatProtocol: PROTOCOL },
      );
      this.wan = new Wan(
        {
          node: this.node,
          log: log.child({ part: 'wan' }),
          wanted: () => this.store.outboxPeers(),
          isContact: (peerId) => trust.book.effectiveStateOf(peerId) === 'contact',
        },
        config,
      );
      this.peerOps = new PeerOperations({
        wan: this.wan,
        node: this.node,
        store: this.store,
        peerTracker: this.peerTracker,
        book: trust.book,
        addContact: (peerId) => this.trust.addContact(peerId),
      });
      this.trust = createTrustApi({
        book: trust.book,
        table: trust.table,
        inbound: trust.inbound,
        self: () => this.node.peerId.toString(),
        resolve: (target) => this.resolvePeer(target),
        peer: (peerId) => this.peerOps.info(peerId),
        peers: () => this.peers(),
        hangUp: (peerId) => this.node.hangUp(peerIdFromString(peerId)).catch(() => {}),
      });
      const chat = (this.chat = new ChatService(
        {
          node: this.node,
          kinds: this.peerTracker.kinds,
          store: this.store,
          inbound: metrics ? metrics.countRefusals(trust.inbound) : trust.inbound,
          trust: trust.book,
          log: log.child({ part: 'chat' }),
          rejectedFrames: metrics?.rejectedFrames,
        },
        {
          name: config.name,
          maxFrameBytes: config.limits.maxFrameBytes,
          maxInboundStreams: config.limits.maxInboundStreamsPerPeer,
          partialFrames: { timeoutMs: config.limits.partialFrameTimeoutMs, maxBytes: config.limits.partialFramesMaxBytes },
        },
      ));
      this.delivery = new Delivery(
        {
          store: this.store,
          chat,
          peers: this.peerTracker,
          trust: trust.book,
          log: log.child({ part: 'delivery' }),
          windowBytes: (peerId, usual) => this.wan.windowBytes(peerId, usual),
        },
        { ...config.delivery, peers: config.peers },
      );
      this.outgoing = new OutgoingControl(
        {
          store: this.store,
          delivery: this.delivery,
          trust: { stateOf: (peerId) => trust.book.stateOf(peerId), addContact: (peerId) => this.trust.addContact(peerId) },
          self: () => this.node.peerId.toString(),
        },
        { maxFrameBytes: config.limits.maxFrameBytes },
      );

      metrics?.start({
        store: this.store,
        node: this.node,
        trust: trust.book,
        kinds: this.peerTracker.kinds,
        denials: this.connectionDenials,
      });
      this.cleanups.push(() => metrics?.stop());
      this.peerTracker.start();
      await chat.start();
      try {
        await this.node.start();
      } catch (err) {
        throw listenFailure(err) ?? err;
      } finally {
        // A node that failed half-way may hold sockets: stopping it is harmless either way.
        this.cleanups.push(() => this.node.stop());
      }
      for (const { from } of listen.fellBack) {
        // mDNS announces the addresses actually bound, so peers on the LAN still find this daemon.
        log.warn(
          { taken: from, addresses: this.addresses() },
          'the default port is taken (another daemon?): listening on a free port instead',
        );
      }
      this.cleanups.push(() => chat.stop());
      this.wan.start();
      this.cleanups.push(() => this.wan.stop());
      const rooms = createRooms(
        {
          node: this.node,
          store: this.store,
          privateKey,
          trust: trust.book,
          storage: this.budget,
          log: log.child({ part: 'rooms' }),
          peerName: (peerId) => this.store.peer(peerId)?.name ?? null,
          connect: (address) => this.connect(address),
          addresses: () => this.addresses(),
          name: () => this.config.name,
          observer: metrics?.rooms.observer,
        },
        { ...config.rooms, network: config.mdns.network },
      );
      await rooms.start();
      this.rooms = rooms;
      this.cleanups.push(() => rooms.stop());
      metrics?.rooms.watch(rooms);
      const pruner = new StrangerPruner(
        {
          store: this.store,
          connectedPeers: () => this.peerTracker.connectedPeers(),
          forgotten: (peerIds) => this.peerTracker.forget(peerIds),
          log: log.child({ part: 'peers' }),
        },
        { retentionMs: config.limits.strangerRetentionSeconds * 1000, maxKept: config.limits.strangersKept },
      );
      pruner.start();
      this.cleanups.push(() => pruner.stop());
      this.delivery.start();
      this.cleanups.push(() => this.delivery.stop());
      this.cleanups.push(() => this.peerTracker.stop());

      const removed = await clearStaleSocket(config.socket);
      if (removed === 'removed') log.warn({ socket: config.socket }, 'removed a stale control socket');
      const control = new ControlServer(
        { api: this, log: log.child({ part: 'control' }), observer: metrics?.control('control') },
        { socketPath: config.socket, bodyLimit: config.limits.controlBodyBytes, maxEventClients: config.limits.maxEventClients },
      );
      await control.start();
      this.cleanups.push(() => control.stop());
      const web = (this.web = await startWebApp({ api: this, log: log.child({ part: 'web' }), observer: metrics?.control('web') }, config));
      if ('server' in web) this.cleanups.push(() => web.server.stop());

      // Prunes at once (history retention and old events), then periodically.
      retention.start();
      this.cleanups.push(() => retention.stop());
      const roomRetention = new RoomRetention(
        { store: this.store, log: log.child({ part: 'storage' }) },
        {
          maxAgeDays: config.history.roomMaxAgeDays,
          maxMessagesPerRoom: config.history.maxMessagesPerRoom,
          intervalMs: config.history.pruneIntervalSeconds * 1000,
        },
      );
      roomRetention.start();
      this.cleanups.push(() => roomRetention.stop());
      log.info(
        {
          peerId: this.node.peerId.toString(),
          name: config.name,
          addresses: this.addresses(),
          socket: config.socket,
          dataDir: config.dataDir,
          mdns: config.mdns.enabled ? config.mdns.network : false,
          version: VERSION,
          storage: { usedBytes: this.budget.usedBytes(), maxBytes: this.budget.maxBytes },
        },
        'p2pchat daemon ready',
      );
      this.ready = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops in reverse start order: control socket first (no new requests), libp2p, then the store. */
  async stop(): Promise<void> {
    if (this.ready) {
      // Clients of the event stream see this last, then their stream ends: a clean stop, not a crash.
      this.ready = false;
      try {
        this.store.publishEvent('daemon-stopping', {});
        await this.store.synced();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not record the daemon-stopping event');
      }
    }
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop() as () => Promise<void> | void;
      try {
        await cleanup();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'error during shutdown');
      }
    }
  }
}
