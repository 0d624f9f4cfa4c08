// Moves a contact from a relayed connection to a direct one whenever a direct path exists: when
// a relayed connection opens, the contact's direct addresses (learned from identify) are dialled
// once; if that works, the relayed connections are closed after a moment, and delivery resends
// what was not acked on a stream over the direct connection. Strangers' addresses are not dialled
// (a stranger could name any address for us to dial). libp2p keeps a limited connection open
// next to a direct one, and the streams on it stay there, so without this a conversation that
// began through a relay would stay there.
import type { Connection, PeerId } from '@libp2p/interface';
import type { Logger } from '../logger.js';
import type { ChatNode } from '../node/create-node.js';
import { isRelayAddress } from './address-policy.js';

/** Identify must have told the peer's addresses first; it runs when the connection opens. */
const ATTEMPT_AFTER_MS = 2000;
/** Streams opened on the relayed connection meanwhile may finish their exchange. */
const CLOSE_RELAYED_AFTER_MS = 1000;

export class DirectUpgrade {
  private readonly node: ChatNode;
  private readonly isContact: (peerId: string) => boolean;
  private readonly log: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(components: { node: ChatNode; isContact: (peerId: string) => boolean; log: Logger }) {
    this.node = components.node;
    this.isContact = components.isContact;
    this.log = components.log;
  }

  start(): void {
    this.node.addEventListener('connection:open', this.onOpen);
  }

  stop(): void {
    this.node.removeEventListener('connection:open', this.onOpen);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    if (evt.detail.limits === undefined && !isRelayAddress(evt.detail.remoteAddr.toString())) return;
    this.later(ATTEMPT_AFTER_MS, () => void this.attempt(evt.detail.remotePeer));
  };

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private open(peer: PeerId): Connection[] {
    return this.node.getConnections(peer).filter((c) => c.status === 'open');
  }

  private async attempt(peer: PeerId): Promise<void> {
    const id = peer.toString();
    const open = this.open(peer);
    if (open.length === 0 || !this.isContact(id)) return;
    if (!open.some((c) => !isRelayAddress(c.remoteAddr.toString()))) {
      const known = await this.node.peerStore.get(peer).catch(() => undefined);
      const direct = (known?.addresses ?? []).map((a) => a.multiaddr).filter((ma) => !isRelayAddress(ma.toString()));
      if (direct.length === 0) return;
      try {
        await this.node.dial(direct, { signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        this.log.debug({ peer: id, err: (err as Error).message }, 'no direct path to a peer reached through a relay');
        return;
      }
    }
    if (!this.open(peer).some((c) => !isRelayAddress(c.remoteAddr.toString()))) return;
    this.log.info({ peer: id }, 'a direct path exists: leaving the relay');
    this.later(CLOSE_RELAYED_AFTER_MS, () => {
      for (const c of this.open(peer)) if (isRelayAddress(c.remoteAddr.toString())) void c.close().catch(() => {});
    });
  }
}
