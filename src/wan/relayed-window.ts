// How much delivery may have in flight to a peer reached only through a relay. A relay closes a
// relayed connection after a number of bytes (both directions together), and what is in flight
// then is lost: with more in flight than that, no ack would ever come back before the cut and no
// new connection would make progress. An eighth of the limit leaves room for the handshake,
// identify and the acks. Pure.

/** Never less than this (one message is always allowed anyway). */
const MIN_WINDOW_BYTES = 4096;

/**
 * The window for a peer given the data limits of its open connections (undefined: not limited).
 * Any unlimited connection, or none at all, leaves the usual window.
 */
export function relayedWindowBytes(limits: Array<bigint | undefined>, usual: number): number {
  if (limits.length === 0 || limits.some((l) => l === undefined)) return usual;
  const smallest = Number(limits.reduce((a, b) => ((b as bigint) < (a as bigint) ? b : a)) as bigint);
  return Math.max(MIN_WINDOW_BYTES, Math.min(usual, Math.floor(smallest / 8)));
}
