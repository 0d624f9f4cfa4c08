// What each connected peer is: a p2pchat daemon (speaks envelopes) or a plain chat peer. Only
// identify decides, since nothing a peer types on a stream can change what identify reports:
// a plain user who types a line that looks like our hello is still a plain peer.
export type PeerKind = 'p2pchat' | 'plain' | 'pending';

/** What identify told us about a peer on its current connections. */
export interface IdentifyOutcome {
  /** Identify answered; undefined when it failed or timed out (the chat example runs no identify). */
  agent?: string | undefined;
  protocols?: string[] | undefined;
}

export function isP2pchatAgent(agent: string | undefined): boolean {
  return agent?.startsWith('p2pchat/') ?? false;
}

/** The peer kind identify's outcome gives: an agent `p2pchat/...` is a daemon; anything else, or no identify, is plain. */
export function kindFromIdentify(outcome: IdentifyOutcome): 'p2pchat' | 'plain' {
  return isP2pchatAgent(outcome.agent) ? 'p2pchat' : 'plain';
}

/**
 * Whether the peer accepts /chat/1.0.0 streams we open: false when identify listed its protocols
 * without it; undefined when identify did not answer (only a dial can tell).
 */
export function acceptsChatFromIdentify(outcome: IdentifyOutcome, chatProtocol: string): boolean | undefined {
  return outcome.protocols === undefined ? undefined : outcome.protocols.includes(chatProtocol);
}

/** What the chat service and delivery may ask. */
export interface PeerKindView {
  kindOf(peerId: string): PeerKind;
  /** Resolves once identify has answered or failed on the peer's connection (or after `timeoutMs`). */
  whenKnown(peerId: string, timeoutMs: number): Promise<PeerKind>;
  /** Whether the peer accepts /chat/1.0.0 streams we open; undefined when not known yet. */
  acceptsChat(peerId: string): boolean | undefined;
  /** A dial of /chat/1.0.0 to the peer failed negotiation: it does not accept our streams. */
  refusedChat(peerId: string): void;
}

interface Entry {
  kind: PeerKind;
  acceptsChat: boolean | undefined;
}

/** Per connected peer: its kind and whether it takes our streams. Forgotten when it disconnects. */
export class PeerKinds implements PeerKindView {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly chatProtocol: string) {}

  /** A connection opened: until identify answers, an unknown peer is pending. */
  connected(peerId: string): void {
    if (!this.entries.has(peerId)) this.entries.set(peerId, { kind: 'pending', acceptsChat: undefined });
  }

  /** Identify answered (or failed) on one of the peer's connections. A daemon stays a daemon. */
  identified(peerId: string, outcome: IdentifyOutcome): void {
    const previous = this.entries.get(peerId);
    const failed = outcome.agent === undefined && outcome.protocols === undefined;
    // A failure on a second connection does not undo what an answer on the first one told us.
    if (failed && previous !== undefined && previous.kind !== 'pending') return;
    const kind = previous?.kind === 'p2pchat' ? 'p2pchat' : kindFromIdentify(outcome);
    const acceptsChat = acceptsChatFromIdentify(outcome, this.chatProtocol) ?? previous?.acceptsChat;
    this.entries.set(peerId, { kind, acceptsChat });
    for (const wake of this.waiters.get(peerId) ?? []) wake();
    this.waiters.delete(peerId);
  }

  disconnected(peerId: string): void {
    this.entries.delete(peerId);
  }

  kindOf(peerId: string): PeerKind {
    return this.entries.get(peerId)?.kind ?? 'pending';
  }

  acceptsChat(peerId: string): boolean | undefined {
    return this.entries.get(peerId)?.acceptsChat;
  }

  refusedChat(peerId: string): void {
    const entry = this.entries.get(peerId);
    if (entry) entry.acceptsChat = false;
  }

  whenKnown(peerId: string, timeoutMs: number): Promise<PeerKind> {
    if (this.kindOf(peerId) !== 'pending') return Promise.resolve(this.kindOf(peerId));
    return new Promise((resolve) => {
      const set = this.waiters.get(peerId) ?? new Set();
      this.waiters.set(peerId, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve(this.kindOf(peerId));
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  /** Wakes every waiter (the daemon is stopping). */
  stop(): void {
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.waiters.clear();
  }
}
