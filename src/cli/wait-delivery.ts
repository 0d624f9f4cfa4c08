// Waiting for sent messages to reach a final state, through the event stream.
import type { ControlClient } from '../control/client.js';
import type { SentMessage } from '../types.js';
import { CliError, EXIT } from './context.js';

/** `sent`: all reached the peer, and some went to a plain chat peer, which never confirms delivery. */
export type Outcome = 'delivered' | 'sent' | 'expired' | 'failed' | 'cancelled' | 'timeout';

/** Said when a message went to a peer that sends no acks: `sent` is all we will ever know. */
export const UNCONFIRMED = 'this peer does not confirm delivery (a plain chat peer sends no acks)';

/** States after which a message is not delivered unless someone retries it. */
const GIVEN_UP = new Set(['expired', 'failed', 'cancelled']);

/**
 * Waits for sent messages' final states: `delivered` once all are (`sent` when some went to a
 * plain chat peer, whose `sent` is final: its event says `acked: false`), else the first expired, failed
 * or cancelled one, else `timeout`. The event stream starts at the first send's own `queued` event,
 * so no state change can be missed between the send and the subscription. `onState` sees every
 * state change of the messages waited for.
 */
export async function waitForDelivery(
  client: ControlClient,
  sent: SentMessage[],
  timeoutMs: number,
  onState?: (id: string, state: string) => void,
): Promise<Outcome> {
  const waiting = new Set(sent.map((m) => m.id));
  let unconfirmed = false;
  let settle: (outcome: Outcome) => void = () => {};
  const result = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  if (waiting.size === 0) return 'delivered';
  const eventIds = sent.map((m) => m.eventId).filter((id) => Number.isInteger(id));
  // A message stored by an earlier run has an older queued event; a daemon that gives none: from now.
  const since = eventIds.length > 0 ? Math.min(...eventIds) : undefined;
  const stream = client.events(since, (event) => {
    if (event.type !== 'message-state-changed' || !waiting.has(String(event.data.id))) return;
    const state = String(event.data.state);
    onState?.(String(event.data.id), state);
    if (GIVEN_UP.has(state)) settle(state as Outcome);
    if (state === 'sent' && event.data.acked === false) unconfirmed = true;
    if (state === 'delivered' || (state === 'sent' && event.data.acked === false)) {
      waiting.delete(String(event.data.id));
      if (waiting.size === 0) settle(unconfirmed ? 'sent' : 'delivered');
    }
  });
  // The stream ending means the daemon stopped; failing to open it (503: too many clients) is an
  // error of its own, reported as such rather than as a failed message.
  let streamError: unknown;
  stream.done.then(
    () => {
      streamError = new Error('the daemon stopped');
      settle('failed');
    },
    (err: unknown) => {
      streamError = err;
      settle('failed');
    },
  );
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  try {
    const outcome = await result;
    if (streamError !== undefined) {
      const what = sent.length === 1 ? `message ${(sent[0] as SentMessage).id} is` : `${sent.length} messages are`;
      throw new CliError(`${what} queued, but its delivery cannot be followed: ${(streamError as Error).message}`, EXIT.error);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}
