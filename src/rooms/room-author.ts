// This daemon as an author: signs its own room messages, stores them durably and gossips them.
// Sends are serialised, so each takes the next seq (chained to the one before) and a Lamport
// number above everything the daemon holds.
import type { PrivateKey } from '@libp2p/interface';
import type { Store } from '../store/store.js';
import type { SentRoomMessage } from '../types.js';
import type { RoomGossip } from './room-gossip.js';
import { encodeWire, encryptText, payloadHash, type RoomPayload, signRoomMessage } from './room-message.js';
import { nextLamport } from './room-order.js';
import { type RoomRow, type RoomTable, toRoomMessage } from './room-table.js';

export interface RoomAuthorComponents {
  store: Store;
  table: RoomTable;
  gossip: RoomGossip;
  privateKey: PrivateKey;
  self: string;
  /** This daemon's display name, claimed in its join messages. */
  name(): string;
  /** Told of each message once it is stored (metrics). */
  stored?(): void;
}

export class RoomAuthor {
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly c: RoomAuthorComponents) {}

  /** Signs, stores (durably) and gossips one message; answers once it is fsynced. */
  post(roomId: string, kind: RoomPayload['kind'], text: string): Promise<SentRoomMessage> {
    const run = () => this.postNow(roomId, kind, text);
    const result = this.sending.then(run, run);
    this.sending = result.catch(() => {});
    return result;
  }

  /** Waits for the sends in progress. */
  async idle(): Promise<void> {
    await this.sending.catch(() => {});
  }

  private async postNow(roomId: string, kind: RoomPayload['kind'], text: string): Promise<SentRoomMessage> {
    const room = this.c.table.room(roomId) as RoomRow;
    const self = this.c.self;
    const head = this.c.table.head(roomId, self);
    const seq = (head?.seq ?? 0) + 1;
    const time = Date.now();
    const payload: RoomPayload = {
      v: 1,
      room: roomId,
      author: self,
      seq,
      lamport: nextLamport(this.c.table.maxLamport(roomId), time),
      time,
      kind,
    };
    if (head) payload.prev = payloadHash(head.p);
    if (kind === 'join') payload.name = this.c.name().slice(0, 64);
    // In a private room every kind is encrypted (a join or leave as an empty text): only key holders can post.
    if (room.key) payload.enc = encryptText(room.key, roomId, self, seq, text);
    else if (kind === 'text') payload.text = text;
    const signed = await signRoomMessage(payload, this.c.privateKey);
    const now = Date.now();
    const message = toRoomMessage(
      { ...payload, room_id: roomId, text, name: payload.name ?? null, sent_at: payload.time, stored_at: now },
      room.name,
    );
    const eventId = this.c.store.atomically(() => {
      this.c.table.insert(signed, text, now);
      return this.c.store.publishEvent('room-message', { message });
    }, true);
    this.c.stored?.();
    await this.c.store.synced();
    this.c.gossip.publish(roomId, encodeWire(signed.wire));
    return { ...message, eventId };
  }
}
