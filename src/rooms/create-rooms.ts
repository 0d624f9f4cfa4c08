// The rooms part's public face: the gossipsub service the node needs (before it exists), then the
// rooms themselves wired to the node, the store and trust (once it does).
import type { GossipSub } from '@libp2p/gossipsub';
import type { Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Rate } from '../trust/rate-limit.js';
import type { TrustView } from '../types.js';
import { roomsPubsub, RoomGossip } from './room-gossip.js';
import { RoomIntake } from './room-intake.js';
import { changesMembership, RoomPresence } from './room-presence.js';
import { RoomSync } from './room-sync.js';
import { RoomTable } from './room-table.js';
import { Rooms, type RoomsObserver } from './rooms.js';

export type { RoomsApi, RoomsObserver, RoomStats } from './rooms.js';

export interface RoomsConfig {
  maxTextBytes: number;
  syncIntervalSeconds: number;
  syncPageMessages: number;
  authorRate: Rate;
  roomRate: Rate;
}

/** Most messages held ahead of a gap (valid, waiting for an earlier seq of their author). */
const MAX_HELD = 10_000;

/** The largest wire form a text of `maxTextBytes` can take: JSON escapes it twice (payload, then wire). */
export function maxWireBytes(maxTextBytes: number): number {
  return 8 * maxTextBytes + 4096;
}

/** The node's gossipsub service, to pass to createChatNode. */
export function roomServices(config: RoomsConfig): { pubsub: (components: never) => GossipSub } {
  return { pubsub: roomsPubsub(maxWireBytes(config.maxTextBytes)) as (components: never) => GossipSub };
}

export interface RoomsNode {
  peerId: PeerId;
  services: object;
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options: object): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  dialProtocol(peer: PeerId, protocol: string, options: { signal: AbortSignal; runOnLimitedConnection?: boolean }): Promise<Stream>;
  getPeers(): PeerId[];
  addEventListener(type: 'peer:connect' | 'peer:disconnect', listener: (evt: CustomEvent<PeerId>) => void): void;
  removeEventListener(type: 'peer:connect' | 'peer:disconnect', listener: (evt: CustomEvent<PeerId>) => void): void;
}

export interface CreateRoomsComponents {
  node: RoomsNode;
  store: Store;
  privateKey: PrivateKey;
  trust: TrustView;
  log: Logger;
  storage?: { hasRoomFor(textBytes: number): boolean } | undefined;
  peerName(peerId: string): string | null;
  connect(address: string): Promise<unknown>;
  addresses(): string[];
  name(): string;
  /** Told of each room message stored, with how it came (metrics). */
  observer?: RoomsObserver | undefined;
}

/** Builds the rooms part; start() it after the node started, stop() it before the node stops. */
export function createRooms(c: CreateRoomsComponents, config: RoomsConfig & { network: string }): Rooms {
  const table = new RoomTable(c.store.database);
  const pubsub = (c.node.services as { pubsub: GossipSub }).pubsub;
  // The two call each other: sync hands what it fetches to the intake; the intake asks sync to fetch gaps.
  const sync: RoomSync = new RoomSync(
    {
      node: c.node,
      table,
      trust: c.trust,
      log: c.log,
      verify: (messages, from) => intake.verifyMany(messages, from, false),
      store: (batch) => intake.storeVerified(batch),
    },
    { pageMessages: config.syncPageMessages },
  );
  const intake = new RoomIntake(
    {
      self: c.node.peerId.toString(),
      store: c.store,
      table,
      trust: c.trust,
      log: c.log,
      storage: c.storage,
      // A gap or a message over the rate: fetch what is missing from whoever sent it.
      onGap: (room, peerId) => sync.pull(peerId, [room]),
      onStored: (_message, source) => c.observer?.stored(source),
    },
    {
      maxMessageBytes: maxWireBytes(config.maxTextBytes),
      maxTextBytes: config.maxTextBytes,
      authorRate: config.authorRate,
      roomRate: config.roomRate,
      maxHeld: MAX_HELD,
    },
  );
  const gossip = new RoomGossip({ pubsub, log: c.log, receive: (data, from) => intake.receive(data, from, true) });
  const presence = new RoomPresence({
    self: c.node.peerId.toString(),
    joinedRooms: () => table.joinedRooms(),
    members: (room) => table.members(room).map((m) => m.author),
    subscribers: (room) => gossip.subscribers(room),
    peerName: c.peerName,
    publish: (events) => c.store.atomically(() => events.forEach((e) => c.store.publishEvent('room-presence', { ...e })), false),
    failed: (err) => c.log.warn({ err: err.message }, 'room presence events not recorded'),
    watch: (changed) => {
      pubsub.addEventListener('subscription-change', changed);
      c.node.addEventListener('peer:disconnect', changed);
      const unsubscribe = c.store.subscribe((event) => changesMembership(event) && changed());
      return () => {
        pubsub.removeEventListener('subscription-change', changed);
        c.node.removeEventListener('peer:disconnect', changed);
        unsubscribe();
      };
    },
  });
  const rooms = new Rooms(
    {
      store: c.store,
      table,
      intake,
      gossip,
      sync,
      privateKey: c.privateKey,
      self: c.node.peerId.toString(),
      trust: c.trust,
      log: c.log,
      peerName: c.peerName,
      connectedPeers: () => c.node.getPeers().map((p) => p.toString()),
      connect: c.connect,
      watchConnections: (listener) => {
        const onConnect = (evt: CustomEvent<PeerId>) => listener(evt.detail.toString());
        c.node.addEventListener('peer:connect', onConnect);
        return () => c.node.removeEventListener('peer:connect', onConnect);
      },
      addresses: c.addresses,
      name: c.name,
      observer: c.observer,
      presence,
    },
    { network: config.network, maxTextBytes: config.maxTextBytes, syncIntervalMs: config.syncIntervalSeconds * 1000 },
  );
  return rooms;
}
