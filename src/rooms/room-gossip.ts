// Live fan-out: one gossipsub topic per room, signed gossip only (StrictSign): the envelope is
// signed by whoever published it, and the room message inside carries its author's signature,
// which the topic validator checks (through the intake) before anything is stored or forwarded.
import { createHash } from 'node:crypto';
import { type GossipSub, gossipsub, type GossipSubComponents, TopicValidatorResult } from '@libp2p/gossipsub';
import type { Logger } from '../logger.js';
import type { IntakeVerdict } from './room-intake.js';
import { roomTopic } from './room-ids.js';

/** Gossip frames carry one room message: a little over it for the envelope. */
const GOSSIP_OVERHEAD_BYTES = 1024;

/**
 * The gossipsub service for the node. Gossip on a topic this daemon is not subscribed to is neither
 * delivered nor relayed; what peers' subscriptions cost is bounded by gossipsub's per-peer topic
 * budget (maxTopicBytesPerPeer, 1 MiB by default).
 */
export function roomsPubsub(maxMessageBytes: number): (components: GossipSubComponents) => GossipSub {
  return gossipsub({
    globalSignaturePolicy: 'StrictSign',
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    emitSelf: false,
    fallbackToFloodsub: false,
    doPX: false,
    // Gossip also over relayed (limited) connections, to members reachable no other way.
    runOnLimitedConnection: true,
    maxInboundDataLength: maxMessageBytes + GOSSIP_OVERHEAD_BYTES,
    // A smaller mesh than gossipsub's default (6, between 4 and 12). The author publishes to every
    // member it is connected to (flood publish), which on a LAN is everyone, so the mesh mostly
    // carries duplicates: each costs every member a decryption and a decode. Measured with 10
    // members on one machine, this saves about a fifth of each member's CPU per message; four
    // mesh peers still reach members the author is not connected to within a hop or two.
    D: 4,
    Dlo: 3,
    Dhi: 8,
    Dlazy: 4,
    Dscore: 2,
    Dout: 1,
    // The hash of the room message: the same message relayed by anyone is one message.
    msgIdFn: (msg) => createHash('sha256').update(msg.data).digest(),
  });
}

const VALIDATION: Record<IntakeVerdict, TopicValidatorResult> = {
  stored: TopicValidatorResult.Accept,
  held: TopicValidatorResult.Accept,
  duplicate: TopicValidatorResult.Ignore,
  ignored: TopicValidatorResult.Ignore,
  rejected: TopicValidatorResult.Reject,
};

export interface GossipComponents {
  pubsub: GossipSub;
  log: Logger;
  receive(data: Uint8Array, from: string): Promise<IntakeVerdict>;
}

export class RoomGossip {
  private readonly c: GossipComponents;

  constructor(components: GossipComponents) {
    this.c = components;
  }

  join(roomId: string): void {
    const topic = roomTopic(roomId);
    // Stored in the validator: a message is accepted (and forwarded) only once it is verified and stored.
    this.c.pubsub.topicValidators.set(topic, async (peer, msg) => VALIDATION[await this.c.receive(msg.data, peer.toString())]);
    this.c.pubsub.subscribe(topic);
  }

  leave(roomId: string): void {
    const topic = roomTopic(roomId);
    this.c.pubsub.unsubscribe(topic);
    this.c.pubsub.topicValidators.delete(topic);
  }

  publish(roomId: string, data: Uint8Array): void {
    this.c.pubsub.publish(roomTopic(roomId), data).catch((err: Error) => {
      // Not lost: members that miss it fetch it by sync.
      this.c.log.debug({ room: roomId, err: err.message }, 'room gossip publish failed');
    });
  }

  /** Peers subscribed to the room's topic: the members reachable now. */
  subscribers(roomId: string): string[] {
    return this.c.pubsub.getSubscribers(roomTopic(roomId)).map((p) => p.toString());
  }
}
