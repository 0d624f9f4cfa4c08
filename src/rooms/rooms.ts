// Rooms: what the control API offers (create, join, invite, leave, list, members, send, history),
// and the lifecycle that keeps a daemon's rooms in step with other members (gossip and sync).
import type { PrivateKey } from '@libp2p/interface';
import { ApiError } from '../api-errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { RoomInfo, RoomInvitation, RoomMember, RoomMessage, SentRoomMessage, TrustView } from '../types.js';
import {
  decodeInvitation,
  encodeInvitation,
  INVITATION_PREFIX,
  newPrivateRoom,
  normalizeRoomName,
  openRoomId,
  ROOM_NAME_RULE,
} from './room-ids.js';
import type { RoomIntake } from './room-intake.js';
import { RoomAuthor } from './room-author.js';
import type { RoomPosition } from './room-order.js';
import { type RoomRow, RoomTable } from './room-table.js';
import type { RoomGossip } from './room-gossip.js';
import type { RoomSync } from './room-sync.js';

/** What the control API asks of rooms (src/control/trust-room-routes.ts). */
export interface RoomsApi {
  create(name: string, isPrivate: boolean): Promise<RoomInfo>;
  join(target: string): Promise<RoomInfo>;
  invite(room: string): RoomInvitation;
  leave(room: string): Promise<RoomInfo>;
  list(): RoomInfo[];
  members(room: string): RoomMember[];
  send(room: string, text: string): Promise<SentRoomMessage>;
  history(room: string, limit: number, before?: RoomPosition): RoomMessage[];
  /** Marks everything in the room read (what reading its newest messages does), without reading them. */
  markRead(room: string): RoomInfo;
  /** Counts of what arrived, by verdict and reason, and how many messages sync fetched. */
  stats(): RoomStats;
}

export interface RoomStats {
  intake: Record<string, number>;
  fetchedBySync: number;
  /** Rooms this daemon is a member of now. */
  joined: number;
  /** Peers subscribed now to the rooms this daemon is in, added up over those rooms. */
  online: number;
}

/** How a stored room message came: written here, live through gossip, or fetched by sync. */
export type RoomMessageSource = 'own' | 'gossip' | 'sync';

/** Told of each room message stored (metrics). */
export interface RoomsObserver {
  stored(source: RoomMessageSource): void;
}

export interface RoomsComponents {
  store: Store;
  table: RoomTable;
  intake: RoomIntake;
  gossip: RoomGossip;
  sync: RoomSync;
  privateKey: PrivateKey;
  self: string;
  trust: TrustView;
  log: Logger;
  /** The name shown for a peer (petname or claimed name), if any. */
  peerName(peerId: string): string | null;
  connectedPeers(): string[];
  /** Calls `listener` with each peer that connects; returns how to stop. */
  watchConnections(listener: (peerId: string) => void): () => void;
  /** Dials an address from an invitation. */
  connect(address: string): Promise<unknown>;
  /** This daemon's addresses, with /p2p/, for invitations. */
  addresses(): string[];
  /** This daemon's display name, claimed in its join messages. */
  name(): string;
  observer?: RoomsObserver | undefined;
  /** Member presence (room-presence.ts): started and stopped with the rooms. */
  presence?: { start(): void; stop(): void } | undefined;
}

export interface RoomsOptions {
  network: string;
  maxTextBytes: number;
  syncIntervalMs: number;
}

export class Rooms implements RoomsApi {
  private readonly c: RoomsComponents;
  private readonly o: RoomsOptions;
  private readonly author: RoomAuthor;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;

  constructor(components: RoomsComponents, options: RoomsOptions) {
    this.c = components;
    this.o = options;
    const { store, table, gossip, privateKey, self } = components;
    this.author = new RoomAuthor({
      store,
      table,
      gossip,
      privateKey,
      self,
      name: () => components.name(),
      stored: () => components.observer?.stored('own'),
    });
  }

  async start(): Promise<void> {
    await this.c.sync.start();
    for (const room of this.c.table.joinedRooms()) this.c.gossip.join(room.id);
    this.timer = setInterval(() => this.syncAll(), this.o.syncIntervalMs);
    this.timer.unref();
    this.unwatch = this.c.watchConnections((peerId) => this.peerConnected(peerId));
    this.c.presence?.start();
  }

  async stop(): Promise<void> {
    this.c.presence?.stop();
    this.unwatch?.();
    clearInterval(this.timer);
    await this.author.idle();
    await this.c.sync.stop();
  }

  /** A peer connected: catch up with it on every room (it answers "unknown" for rooms it is not in). */
  peerConnected(peerId: string): void {
    this.c.sync.pull(peerId, this.memberRooms());
  }

  /** Pulls every room from every connected peer: catches whatever gossip missed. */
  syncAll(): void {
    const rooms = this.memberRooms();
    for (const peerId of this.c.connectedPeers()) this.c.sync.pull(peerId, rooms);
  }

  private memberRooms(): string[] {
    return this.c.table.joinedRooms().map((r) => r.id);
  }

  // ---- the API -----------------------------------------------------------------------------

  async create(name: string, isPrivate: boolean): Promise<RoomInfo> {
    const bare = roomName(name);
    if (!isPrivate) return this.enter({ id: openRoomId(this.o.network, bare), name: bare, private: false, key: undefined }, []);
    const { id, key } = newPrivateRoom();
    return this.enter({ id, name: bare, private: true, key }, []);
  }

  async join(target: string): Promise<RoomInfo> {
    if (!target.startsWith(INVITATION_PREFIX)) {
      const found = this.findRoom(target);
      // A room known here by its id or its name is joined again as it is (an open room's id is not a
      // name); an id prefix is not enough, as it may be meant as a new room's name.
      const existing = found && (found.id === target.trim().toLowerCase() || found.name === normalizeRoomName(target)) ? found : undefined;
      if (existing) return this.enter({ id: existing.id, name: existing.name, private: existing.private === 1, key: undefined }, []);
      return this.create(target, false);
    }
    let inv;
    try {
      inv = decodeInvitation(target);
    } catch (err) {
      throw new ApiError('bad_request', (err as Error).message);
    }
    return this.enter({ id: inv.id, name: inv.name, private: inv.key !== undefined, key: inv.key }, inv.addrs);
  }

  /** Stores the room and this daemon's join message, subscribes, and catches up from `addrs` and connected peers. */
  private async enter(
    room: { id: string; name: string; private: boolean; key: Uint8Array | undefined },
    addrs: string[],
  ): Promise<RoomInfo> {
    const before = this.c.table.room(room.id);
    if (before && (before.private === 1) !== room.private) throw new ApiError('conflict', 'a room with this id exists with another kind');
    this.c.store.atomically(() => this.c.table.upsertRoom(room), true);
    this.c.gossip.join(room.id);
    if (before?.member !== 1) await this.author.post(room.id, 'join', '');
    else await this.c.store.synced();
    for (const addr of addrs) {
      this.c
        .connect(addr)
        .catch((err: Error) => this.c.log.info({ addr, err: err.message }, 'could not reach a member from the invitation'));
    }
    for (const peerId of this.c.connectedPeers()) this.c.sync.pull(peerId, [room.id]);
    return this.info(this.c.table.room(room.id) as RoomRow);
  }

  invite(target: string): RoomInvitation {
    const room = this.roomOf(target);
    const invitation = encodeInvitation({
      id: room.id,
      name: room.name,
      key: room.key ?? undefined,
      addrs: this.c.addresses().slice(0, 8),
    });
    return { room: this.info(room), invitation };
  }

  async leave(target: string): Promise<RoomInfo> {
    const room = this.roomOf(target);
    if (room.member !== 1) return this.info(room);
    // The leave message goes out while still subscribed, so members hear it live.
    await this.author.post(room.id, 'leave', '');
    this.c.store.atomically(() => this.c.table.setMember(room.id, false), true);
    await this.c.store.synced();
    this.c.gossip.leave(room.id);
    this.c.intake.forgetRoom(room.id);
    return this.info(this.c.table.room(room.id) as RoomRow);
  }

  list(): RoomInfo[] {
    return this.c.table.rooms().map((r) => this.info(r));
  }

  members(target: string): RoomMember[] {
    const room = this.roomOf(target);
    const online = new Set(this.c.gossip.subscribers(room.id));
    return this.c.table.members(room.id).map((m) => ({
      peerId: m.author,
      name: m.author === this.c.self ? this.c.name() : (this.c.peerName(m.author) ?? m.name),
      self: m.author === this.c.self,
      online: m.author === this.c.self ? room.member === 1 : online.has(m.author),
      joinedAt: new Date(m.joinedAt).toISOString(),
    }));
  }

  async send(target: string, text: string): Promise<SentRoomMessage> {
    const room = this.roomOf(target);
    if (room.member !== 1) throw new ApiError('forbidden', `you left #${room.name}; join it again to write`);
    if (text.length === 0) throw new ApiError('bad_request', 'text: must not be empty');
    const bytes = Buffer.byteLength(text);
    if (bytes > this.o.maxTextBytes)
      throw new ApiError('payload_too_large', `text of ${bytes} bytes; a room message holds at most ${this.o.maxTextBytes}`);
    return this.author.post(room.id, 'text', text);
  }

  history(target: string, limit: number, before?: RoomPosition): RoomMessage[] {
    const room = this.roomOf(target);
    const messages = this.c.table.history(room.id, room.name, limit, before);
    // Reading the newest marks the room read; an older page leaves that as it is.
    if (!before) this.c.store.atomically(() => this.c.table.markRead(room.id), false);
    return messages;
  }

  markRead(target: string): RoomInfo {
    const room = this.roomOf(target);
    this.c.store.atomically(() => this.c.table.markRead(room.id), false);
    return this.info(this.roomOf(room.id));
  }

  stats(): RoomStats {
    const joined = this.memberRooms();
    const online = joined.reduce((sum, room) => sum + this.c.gossip.subscribers(room).length, 0);
    return { intake: { ...this.c.intake.counts }, fetchedBySync: this.c.sync.fetched, joined: joined.length, online };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private findRoom(target: string): RoomRow | undefined {
    const t = target.trim();
    const direct = this.c.table.room(t.toLowerCase());
    if (direct) return direct;
    const name = normalizeRoomName(t);
    const rooms = this.c.table.rooms();
    const named = rooms.filter((r) => r.name === name);
    if (named.length > 0) return named.find((r) => r.member === 1) ?? named[0];
    const prefixed = t.length >= 4 ? rooms.filter((r) => r.id.startsWith(t.toLowerCase())) : [];
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  private roomOf(target: string): RoomRow {
    const room = this.findRoom(target);
    if (!room) throw new ApiError('not_found', `no room ${target}; see p2pchat room list`);
    return room;
  }

  private info(room: RoomRow): RoomInfo {
    const { messages, unread } = this.c.table.counts(room, this.c.self);
    const members = this.c.table.members(room.id);
    const online = new Set(room.member === 1 ? this.c.gossip.subscribers(room.id) : []);
    return {
      id: room.id,
      name: room.name,
      private: room.private === 1,
      member: room.member === 1,
      messages,
      unread,
      members: members.length,
      online: members.filter((m) => online.has(m.author) || (m.author === this.c.self && room.member === 1)).length,
    };
  }
}

function roomName(name: string): string {
  const bare = normalizeRoomName(name);
  if (bare === undefined) throw new ApiError('bad_request', ROOM_NAME_RULE);
  return bare;
}
