// LAN libp2p nodes that do not speak /chat/1.0.0 (an IPFS node, a stock node running other
// protocols): libp2p's service name is shared by every libp2p application, so discovery meets
// them too. Identify tells us a node's protocols; one that lists no /chat/1.0.0 and has opened
// no chat stream to us is hung up on, dropped from the peers list and never dialled again from a
// sighting. A node without identify (libp2p's chat example) cannot be judged this way and is
// kept: it may well speak /chat/1.0.0.
import type { Connection, IdentifyResult, PeerId, Startable } from '@libp2p/interface';

export const CHAT_PROTOCOL = '/chat/1.0.0';
/**
 * How long a node whose identify lists no /chat/1.0.0 may take to open a chat stream: libp2p's
 * chat example dialer handles no protocol itself and opens its stream right after connecting.
 */
const CHAT_STREAM_GRACE_MS = 5000;
/** Most node ids remembered (a LAN with more non-chat libp2p nodes than this is unusual). */
const MAX_REMEMBERED = 1000;

/** Whether a node is a chat peer: identify lists /chat/1.0.0, or it has a chat stream open with us. */
export function speaksChat(protocols: string[], connections: Pick<Connection, 'streams'>[]): boolean {
  return protocols.includes(CHAT_PROTOCOL) || connections.some((c) => c.streams.some((s) => s.protocol === CHAT_PROTOCOL));
}

export interface NonChatPolicy {
  /** Peers kept whatever they speak (contacts, blocked peers). */
  keep(peerId: string): boolean;
  /** Drops the peer from the daemon's peers list. */
  forget(peerId: string): void;
}

export interface NonChatPeersComponents {
  events: EventTarget;
  connectionManager: {
    getConnections(peerId?: PeerId): Connection[];
    closeConnections(peerId: PeerId): Promise<void>;
  };
}

export class NonChatPeers implements Startable {
  private readonly components: NonChatPeersComponents;
  private readonly ids = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private policy: NonChatPolicy = { keep: () => false, forget: () => {} };
  /** Hung up on, to be dropped from the list once the daemon has seen the disconnection (which records the peer). */
  private readonly leaving = new Set<string>();
  private readonly onIdentify = (evt: Event) => this.identified((evt as CustomEvent<IdentifyResult>).detail);
  private readonly onDisconnect = (evt: Event) => {
    const id = (evt as CustomEvent<PeerId>).detail.toString();
    // After the daemon's own disconnect handling, which runs next and records the peer as seen.
    if (this.leaving.delete(id)) queueMicrotask(() => this.policy.forget(id));
  };

  constructor(components: NonChatPeersComponents) {
    this.components = components;
  }

  /** The daemon's say on whom to keep and how to drop a peer from its list. */
  setPolicy(policy: NonChatPolicy): void {
    this.policy = policy;
  }

  /** Whether this node was found not to speak /chat/1.0.0 (discovery ignores its sightings). */
  has(peerId: string): boolean {
    return this.ids.has(peerId);
  }

  start(): void {
    this.components.events.addEventListener('peer:identify', this.onIdentify);
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect);
  }

  stop(): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify);
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private identified({ peerId, protocols }: IdentifyResult): void {
    const id = peerId.toString();
    if (protocols.includes(CHAT_PROTOCOL)) {
      this.ids.delete(id);
      return;
    }
    if (this.timers.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      void this.judge(peerId, protocols);
    }, CHAT_STREAM_GRACE_MS);
    timer.unref();
    this.timers.set(id, timer);
  }

  private async judge(peerId: PeerId, protocols: string[]): Promise<void> {
    const id = peerId.toString();
    const connections = this.components.connectionManager.getConnections(peerId);
    if (connections.length === 0 || speaksChat(protocols, connections) || this.policy.keep(id)) return;
    if (this.ids.size >= MAX_REMEMBERED) this.ids.delete(this.ids.values().next().value as string);
    this.ids.add(id);
    this.leaving.add(id);
    await this.components.connectionManager.closeConnections(peerId).catch(() => {});
  }
}

/** The libp2p service factory: `services: { nonChat: nonChatPeers() }`. */
export function nonChatPeers(): (components: NonChatPeersComponents) => NonChatPeers {
  return (components) => new NonChatPeers(components);
}
