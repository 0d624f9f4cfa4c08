// The trust model's shared vocabulary: types only, so that any part may import it for free.

/**
 * contact: accepted by the user (or listed in the config); stranger: met, not accepted;
 * blocked: refused at the connection level, never stored, never dialled.
 */
export type TrustState = 'contact' | 'stranger' | 'blocked';

/**
 * How messages from strangers are treated. open: everyone counts as a contact (a lab);
 * requests: kept as message requests within a quota until accepted or blocked; contacts: refused.
 */
export type InboundPolicy = 'open' | 'requests' | 'contacts';

/** What other parts may ask of the trust part: read-only and synchronous (it answers from memory). */
export interface TrustView {
  /** The peer's state; a peer never seen is a stranger. */
  stateOf(peerId: string): TrustState;
  /** The state that decides limits: under the `open` policy, strangers count as contacts. */
  effectiveStateOf(peerId: string): TrustState;
}

/** Why an incoming message was refused; also a metric label and the `reason` a sender records. */
export type RefusalReason = 'blocked' | 'contacts_only' | 'rate_limited' | 'quota' | 'storage_full' | 'invalid';
