// Each peer's trust state (contact, stranger, blocked) and petname, held in memory for the hot
// paths and written through to the store. The one place that changes trust: the control API's
// contact, block and request operations all end here.
import type { RequestUsage, TrustRow, TrustTable } from '../store/trust-table.js';
import type { InboundPolicy, TrustState, TrustView } from '../types.js';

export interface TrustChange {
  peerId: string;
  before: TrustState;
  after: TrustState;
}

export interface TrustBookOptions {
  policy: InboundPolicy;
  /** Peer ids from the config's `peers`: contacts, whatever the store says. */
  configuredContacts: string[];
}

/** Petnames are the user's own words, but printed next to claims: keep them short and on one line. */
export function checkPetname(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'a name must not be empty';
  if (trimmed.length > 64) return 'a name has at most 64 characters';
  if (/[\p{Cc}\p{Cf}]/u.test(trimmed)) return 'a name must not contain control or invisible format characters';
  return undefined;
}

export class TrustBook implements TrustView {
  private readonly table: TrustTable;
  private readonly options: TrustBookOptions;
  private readonly rows = new Map<string, TrustRow>();
  private readonly listeners = new Set<(change: TrustChange) => void>();

  constructor(components: { table: TrustTable }, options: TrustBookOptions) {
    this.table = components.table;
    this.options = options;
  }

  start(): void {
    for (const row of this.table.all()) this.rows.set(row.peerId, row);
    for (const peerId of this.options.configuredContacts) {
      if (this.stateOf(peerId) !== 'contact') this.set(peerId, 'contact', this.petnameOf(peerId));
    }
  }

  get policy(): InboundPolicy {
    return this.options.policy;
  }

  stateOf(peerId: string): TrustState {
    return this.rows.get(peerId)?.trust ?? 'stranger';
  }

  effectiveStateOf(peerId: string): TrustState {
    const state = this.stateOf(peerId);
    return state === 'stranger' && this.options.policy === 'open' ? 'contact' : state;
  }

  petnameOf(peerId: string): string | null {
    return this.rows.get(peerId)?.petname ?? null;
  }

  /** Called after every change, for example to hang up on a peer that was just blocked. */
  onChange(listener: (change: TrustChange) => void): void {
    this.listeners.add(listener);
  }

  addContact(peerId: string, petname?: string | null): void {
    this.set(peerId, 'contact', petname === undefined ? this.petnameOf(peerId) : petname);
  }

  /** A contact goes back to being a stranger (its history stays); its petname is dropped. */
  removeContact(peerId: string): void {
    this.set(peerId, 'stranger', null);
  }

  block(peerId: string): void {
    this.set(peerId, 'blocked', this.petnameOf(peerId));
  }

  /** An unblocked peer is a stranger: strangers have no names of yours (add it as a contact again). */
  unblock(peerId: string): void {
    this.set(peerId, 'stranger', null);
  }

  /** The peer is gone from the store: it becomes an unknown stranger again. */
  forgotten(peerId: string): void {
    const before = this.stateOf(peerId);
    this.rows.delete(peerId);
    this.emit({ peerId, before, after: 'stranger' });
  }

  /** How many peers are contacts and how many are blocked (configured contacts included). */
  counts(): { contacts: number; blocked: number } {
    let contacts = 0;
    let blocked = 0;
    for (const row of this.rows.values()) {
      if (row.trust === 'contact') contacts++;
      else if (row.trust === 'blocked') blocked++;
    }
    return { contacts, blocked };
  }

  requests(): RequestUsage[] {
    return this.table.requests();
  }

  private set(peerId: string, trust: TrustState, petname: string | null): void {
    const before = this.stateOf(peerId);
    this.table.set(peerId, trust, petname);
    if (trust === 'stranger' && petname === null) this.rows.delete(peerId);
    else this.rows.set(peerId, { peerId, trust, petname });
    this.emit({ peerId, before, after: trust });
  }

  private emit(change: TrustChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
