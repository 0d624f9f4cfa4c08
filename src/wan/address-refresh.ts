// Asks the DHT again for the addresses of peers that have messages waiting and cannot be reached:
// libp2p looks a peer up only when it knows no address at all, so an address that went stale (a
// peer that moved to another relay, or learned before its relay reservation) would be dialled
// forever. Each peer is looked up with a backoff that doubles up to `maxDelayMs`.
import type { Logger } from '../logger.js';
import { nextBackoff } from './peer-keeper.js';

export interface AddressRefreshDeps {
  /** Peers with messages waiting (the outbox). */
  wanted(): string[];
  isConnected(peerId: string): boolean;
  /** Looks the peer up in the DHT, bypassing what we hold; what it finds goes into libp2p's peer store. */
  lookUp(peerId: string): Promise<unknown>;
  log: Logger;
}

export class AddressRefresh {
  private readonly deps: AddressRefreshDeps;
  private readonly options: { minDelayMs: number; maxDelayMs: number; checkIntervalMs: number };
  private readonly backoff = new Map<string, { at: number; delayMs: number; busy: boolean }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(deps: AddressRefreshDeps, options: { minDelayMs: number; maxDelayMs: number; checkIntervalMs: number }) {
    this.deps = deps;
    this.options = options;
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = Date.now();
    const wanted = new Set(this.deps.wanted());
    for (const peerId of this.backoff.keys()) if (!wanted.has(peerId) || this.deps.isConnected(peerId)) this.backoff.delete(peerId);
    for (const peerId of wanted) {
      if (this.deps.isConnected(peerId)) continue;
      // The first look-up waits one delay: the redialer tries what we know first.
      let state = this.backoff.get(peerId);
      if (!state) this.backoff.set(peerId, (state = { at: now + this.options.minDelayMs, delayMs: this.options.minDelayMs, busy: false }));
      if (state.busy || now < state.at) continue;
      const next = nextBackoff(state.delayMs, now, this.options.maxDelayMs);
      Object.assign(state, { at: next.at, delayMs: next.delayMs, busy: true });
      const current = state;
      this.deps.lookUp(peerId).then(
        () => {
          current.busy = false;
          this.deps.log.debug({ peer: peerId }, 'addresses of a peer with waiting messages looked up again');
        },
        (err: unknown) => {
          current.busy = false;
          this.deps.log.debug({ peer: peerId, err: (err as Error).message }, 'peer with waiting messages not found in the DHT');
        },
      );
    }
  }
}
