// Member presence: which members of each joined room are reachable now, and a `room-presence`
// event each time that changes. A member is online in a room while it is subscribed to the room's
// gossip topic (as `room members` shows it); that changes when it subscribes or unsubscribes, when
// its daemon connects or goes, and when it joins or leaves. Changes that come together are
// gathered for a moment and published together, so a member's reconnect is one event, not a burst.
import type { ChatEvent } from '../types.js';

/** How long changes are gathered before the sets are compared: subscriptions follow a connect within a round trip or two. */
const GATHER_MS = 250;

/** Who came online and who went, between two sets of online members. Pure. */
export function presenceChanges(before: ReadonlySet<string>, now: ReadonlySet<string>): { online: string[]; offline: string[] } {
  return {
    online: [...now].filter((id) => !before.has(id)).sort(),
    offline: [...before].filter((id) => !now.has(id)).sort(),
  };
}

/** What a presence event says: data of a `room-presence` event. */
export interface PresenceEvent {
  room: string;
  roomName: string;
  peerId: string;
  /** The name shown for the peer (petname or claimed name), or null. */
  name: string | null;
  online: boolean;
}

export interface PresenceComponents {
  self: string;
  /** The rooms this daemon is a member of now. */
  joinedRooms(): { id: string; name: string }[];
  /** Authors whose latest membership message in the room is a join. */
  members(roomId: string): string[];
  /** Peers subscribed to the room's topic now. */
  subscribers(roomId: string): string[];
  peerName(peerId: string): string | null;
  /** Stores and publishes the events, in one transaction. */
  publish(events: PresenceEvent[]): void;
  /**
   * Calls `changed` whenever presence may have changed: a subscription, a disconnect, a stored
   * join or leave. Returns how to stop.
   */
  watch(changed: () => void): () => void;
  /** A comparison failed (the store could not write the events: a full disk): they are not published. */
  failed(err: Error): void;
}

export class RoomPresence {
  private readonly c: PresenceComponents;
  /** Online members (other than this daemon) of each joined room, as last published. */
  private readonly online = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;

  constructor(components: PresenceComponents) {
    this.c = components;
  }

  start(): void {
    // Where things stand at start (nobody is subscribed yet, usually): no events for that.
    for (const room of this.c.joinedRooms()) this.online.set(room.id, this.onlineNow(room.id));
    this.unwatch = this.c.watch(() => this.changed());
  }

  stop(): void {
    this.unwatch?.();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Something may have changed: compare in a moment, once for everything that comes meanwhile. */
  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      try {
        this.update();
      } catch (err) {
        this.c.failed(err as Error);
      }
    }, GATHER_MS);
  }

  /** Publishes what changed since the last comparison. A room joined since starts from nobody. */
  update(): void {
    const events: PresenceEvent[] = [];
    const joined = this.c.joinedRooms();
    for (const room of joined) {
      const now = this.onlineNow(room.id);
      const { online, offline } = presenceChanges(this.online.get(room.id) ?? new Set(), now);
      this.online.set(room.id, now);
      const event = (peerId: string, isOnline: boolean): PresenceEvent => ({
        room: room.id,
        roomName: room.name,
        peerId,
        name: this.c.peerName(peerId),
        online: isOnline,
      });
      events.push(...offline.map((id) => event(id, false)), ...online.map((id) => event(id, true)));
    }
    // Rooms left: their members are no one's business here any more.
    const ids = new Set(joined.map((r) => r.id));
    for (const id of this.online.keys()) if (!ids.has(id)) this.online.delete(id);
    if (events.length > 0) this.c.publish(events);
  }

  private onlineNow(roomId: string): Set<string> {
    const subscribed = new Set(this.c.subscribers(roomId));
    return new Set(this.c.members(roomId).filter((id) => id !== this.c.self && subscribed.has(id)));
  }
}

/** Whether a stored event may change presence: a join or leave in a room. */
export function changesMembership(event: ChatEvent): boolean {
  if (event.type !== 'room-message') return false;
  const kind = (event.data.message as { kind?: unknown } | undefined)?.kind;
  return kind === 'join' || kind === 'leave';
}
