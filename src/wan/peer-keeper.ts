// Keeps the relays and bootstrap peers of the config connected, forever. libp2p's reconnect queue
// gives up after about 31 s, and a reservation lost when a relay restarts comes back only once the
// relay is connected again, so the daemon redials them itself, with a backoff that doubles up to
// `maxDelayMs` and starts over once a peer is connected again.
import type { Logger } from '../logger.js';

export interface KeptPeer {
  peerId: string;
  address: string;
}

export interface PeerKeeperDeps {
  /** Dials the address; resolves when connected, rejects on failure. */
  dial(address: string): Promise<unknown>;
  isConnected(peerId: string): boolean;
  log: Logger;
}

export interface PeerKeeperOptions {
  peers: KeptPeer[];
  minDelayMs: number;
  maxDelayMs: number;
  /** How often the keeper looks at its peers. */
  checkIntervalMs: number;
}

/** The next redial time after a failed or lost connection, and the delay after it (pure). */
export function nextBackoff(delayMs: number, now: number, maxDelayMs: number): { at: number; delayMs: number } {
  return { at: now + delayMs, delayMs: Math.min(delayMs * 2, maxDelayMs) };
}

export class PeerKeeper {
  private readonly deps: PeerKeeperDeps;
  private readonly options: PeerKeeperOptions;
  private readonly state = new Map<string, { at: number; delayMs: number; dialing: boolean }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(deps: PeerKeeperDeps, options: PeerKeeperOptions) {
    this.deps = deps;
    this.options = options;
  }

  start(): void {
    if (this.timer) return;
    for (const peer of this.options.peers) this.state.set(peer.address, { at: 0, delayMs: this.options.minDelayMs, dialing: false });
    this.timer = setInterval(() => this.check(), this.options.checkIntervalMs);
    this.timer.unref();
    this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A kept peer went away: try again at once (its backoff still applies if that fails). */
  disconnected(peerId: string): void {
    if (this.options.peers.some((p) => p.peerId === peerId)) setImmediate(() => this.check());
  }

  private check(): void {
    if (!this.timer) return;
    const now = Date.now();
    for (const peer of this.options.peers) {
      const state = this.state.get(peer.address);
      if (!state || state.dialing) continue;
      if (this.deps.isConnected(peer.peerId)) {
        state.delayMs = this.options.minDelayMs;
        state.at = 0;
        continue;
      }
      if (now < state.at) continue;
      state.dialing = true;
      this.deps.dial(peer.address).then(
        () => {
          state.dialing = false;
          state.delayMs = this.options.minDelayMs;
          this.deps.log.debug({ peer: peer.peerId }, 'relay or bootstrap peer connected');
        },
        (err: unknown) => {
          state.dialing = false;
          const next = nextBackoff(state.delayMs, Date.now(), this.options.maxDelayMs);
          Object.assign(state, { at: next.at, delayMs: next.delayMs });
          this.deps.log.info(
            { peer: peer.address, err: (err as Error).message, retryInMs: next.at - Date.now() },
            'relay or bootstrap peer unreachable',
          );
        },
      );
    }
  }
}
