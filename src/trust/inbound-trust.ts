// The chat protocol's view of trust: admits each incoming batch through the inbound gate, keeps
// the gate's request counts true after commits, and reports refusals in the log and as events
// without letting a flood of refusals turn into a flood of writes.
import type { Logger } from '../logger.js';
import type { IncomingMessage, Store } from '../store/store.js';
import type { TrustTable } from '../store/trust-table.js';
import type { InboundGate, InboundVerdict, Refusal } from './inbound-gate.js';
import type { RefusalReason } from '../types.js';

/** What the chat protocol asks before storing (see ChatService). */
export interface InboundAdmission {
  admit(peerId: string, incoming: IncomingMessage[]): InboundVerdict;
  /** The batch admitted for `peerId` was committed (or failed): recount its held requests. */
  settled(peerId: string, hadRequests: boolean): void;
}

/** At most one `message-refused` event and log line per peer in this period; counts add up meanwhile. */
const REPORT_EVERY_MS = 10_000;

/** Words for a refusal reason, shown to the sender's user with its failed message. */
export const REFUSAL_TEXT: Record<RefusalReason, string> = {
  blocked: 'the peer blocked this daemon',
  contacts_only: 'the peer accepts messages from its contacts only',
  rate_limited: 'sent too fast for a stranger; the peer accepts a few messages a second from strangers',
  quota: 'the peer holds as many message requests from you as it accepts until it accepts you as a contact',
  storage_full: 'the peer’s storage is full',
  invalid: 'the peer found the message malformed (a bad time or field) and will never store it',
};

export function refusalText(reason: string): string {
  return REFUSAL_TEXT[reason as RefusalReason] ?? reason;
}

interface Pending {
  counts: Partial<Record<RefusalReason, number>>;
  timer: NodeJS.Timeout;
}

export class InboundTrust implements InboundAdmission {
  private readonly gate: InboundGate;
  private readonly table: TrustTable;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly pending = new Map<string, Pending>();
  private readonly lastReport = new Map<string, number>();

  constructor(components: { gate: InboundGate; table: TrustTable; store: Store; log: Logger }) {
    this.gate = components.gate;
    this.table = components.table;
    this.store = components.store;
    this.log = components.log;
  }

  admit(peerId: string, incoming: IncomingMessage[]): InboundVerdict {
    const verdict = this.gate.admit(peerId, incoming);
    if (verdict.refused.length > 0) this.report(peerId, verdict.refused);
    return verdict;
  }

  settled(peerId: string, hadRequests: boolean): void {
    if (hadRequests) this.recount(peerId);
  }

  /** After requests were accepted, dropped or forgotten. */
  recount(peerId: string): void {
    this.gate.setUsage(peerId, this.table.requestsOf(peerId));
  }

  stop(): void {
    for (const [peerId, p] of this.pending) {
      clearTimeout(p.timer);
      this.flush(peerId, p);
    }
    this.pending.clear();
  }

  private report(peerId: string, refused: Refusal[]): void {
    let p = this.pending.get(peerId);
    if (!p) {
      const wait = Math.max(0, (this.lastReport.get(peerId) ?? 0) + REPORT_EVERY_MS - Date.now());
      const timer = setTimeout(() => {
        const current = this.pending.get(peerId);
        if (current) this.flush(peerId, current);
      }, wait);
      timer.unref();
      p = { counts: {}, timer };
      this.pending.set(peerId, p);
    }
    for (const r of refused) p.counts[r.reason] = (p.counts[r.reason] ?? 0) + 1;
  }

  private flush(peerId: string, p: Pending): void {
    this.pending.delete(peerId);
    this.lastReport.set(peerId, Date.now());
    if (this.lastReport.size > 4096) this.lastReport.delete(this.lastReport.keys().next().value as string);
    for (const [reason, count] of Object.entries(p.counts)) {
      this.log.info({ peer: peerId, reason, count }, 'refused incoming messages');
      try {
        this.store.publishEvent('message-refused', { peerId, count, reason });
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not record a refusal event');
      }
    }
  }
}
