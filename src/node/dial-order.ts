// Who dials whom when two daemons find each other on the LAN, and when the other side steps in:
// pure decisions, no sockets, no clock.

/**
 * Whether we dial a peer we both discovered, or wait for its dial. Both sides compute the same
 * answer for the pair, so exactly one of them dials: a pair gets one connection, not two
 * (collisions cost two handshakes and one of them is thrown away). The choice hashes the pair
 * instead of always picking the smaller id: with "smaller id dials", the daemon with the smallest
 * id dials all N-1 others and the largest takes N-1 handshakes inbound at once, and on a LAN that
 * starts together both ends of that line hit libp2p's limits; hashed, each daemon dials about half.
 */
export function dialsFirst(self: string, other: string): boolean {
  if (self === other) return false;
  const [low, high] = self < other ? [self, other] : [other, self];
  const lowDials = (fnv1a(`${low} ${high}`) & 1) === 0;
  return lowDials === (self === low);
}

/** 32-bit FNV-1a: a fast, well-spread hash that every daemon computes alike. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export type WaitDecision = 'done' | 'wait' | 'dial';

/**
 * What the side that waits for the other's dial does when its timer fires: nothing once the pair
 * is connected; wait on while a connection from the peer's address is still being set up (its
 * handshake is slow on a busy host: dialling now would start a second one); otherwise dial, since
 * the other side did not (it may be a node that never dials, or its dial failed).
 */
export function afterWaiting(state: { connected: boolean; inboundPending: boolean; waitedMs: number; maxWaitMs: number }): WaitDecision {
  if (state.connected) return 'done';
  if (state.inboundPending && state.waitedMs < state.maxWaitMs) return 'wait';
  return 'dial';
}
