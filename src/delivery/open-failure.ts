// What delivery does when it cannot open a stream to a peer: a pure decision, tested on its own.

/**
 * A plain peer that connected just now may be about to open its stream (the chat example dials,
 * then opens it): only after this long without one do its messages fail for want of a stream.
 */
export const PEER_STREAM_GRACE_MS = 3000;

/** Why messages to a plain peer fail when it has no way to hear them. */
export const NO_CHAT_STREAM_REASON =
  'the peer does not accept chat streams and has none open to us: it cannot receive messages (it may not be a chat peer)';

/** `no-chat-stream`: a plain peer takes no streams of ours and has none of its own open to us. */
export type OpenFailure = 'no-chat-stream' | 'error';

export interface OpenRetry {
  /** Fail every queued message to the peer, with NO_CHAT_STREAM_REASON: nothing can reach it. */
  failAll: boolean;
  /** No new attempt before this time. */
  nextOpenAt: number;
  /** The backoff after the next failure. */
  openDelay: number;
}

export function afterOpenFailure(
  failure: OpenFailure,
  state: { now: number; connectedForMs: number; openDelay: number },
  limits: { retrySoonMs: number; maxDelayMs: number },
): OpenRetry {
  if (failure === 'no-chat-stream') {
    // Failing is final, so the peer gets its grace first; after that, once, and no retries.
    const failAll = state.connectedForMs >= PEER_STREAM_GRACE_MS;
    return { failAll, nextOpenAt: failAll ? 0 : state.now + limits.retrySoonMs, openDelay: state.openDelay };
  }
  // Anything else may pass (a daemon restarting, a stream limit): retry, backing off, so that a
  // peer that keeps refusing costs a log line per backoff step rather than one per tick.
  return {
    failAll: false,
    nextOpenAt: state.now + state.openDelay,
    openDelay: Math.min(state.openDelay * 2, limits.maxDelayMs),
  };
}
