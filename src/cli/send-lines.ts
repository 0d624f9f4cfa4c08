// `p2pchat send --lines`: every line of the input is one message. Lines go to the daemon in batches
// (POST /v1/send/batch), one request in flight at a time: a file of thousands of lines costs a few
// requests and a few fsyncs, and lines typed or piped slowly still go out as they come.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ControlClient } from '../control/client.js';
import type { SentMessage } from '../types.js';

/** The daemon's limit on messages per batch request. */
export const MAX_BATCH = 1000;

/**
 * Sends each non-empty line of `input` to `peer`; `onSent` sees every batch once the daemon stored
 * it. Resolves with the number of messages sent. Empty lines are skipped (an empty message is invalid).
 */
export async function sendLines(
  client: ControlClient,
  peer: string,
  input: Readable,
  onSent: (batch: SentMessage[]) => void,
): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const pending: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  lines.on('line', (line) => {
    if (line !== '') pending.push(line);
    // Bounded memory on a fast producer: stop reading until this batch is sent.
    if (pending.length >= MAX_BATCH) lines.pause();
    wake?.();
  });
  lines.on('close', () => {
    ended = true;
    wake?.();
  });
  let sent = 0;
  for (;;) {
    if (pending.length === 0) {
      if (ended) return sent;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    const batch = pending.splice(0, MAX_BATCH);
    if (!ended) lines.resume();
    const { messages } = await client.request<{ messages: SentMessage[] }>('POST', '/v1/send/batch', {
      messages: batch.map((text) => ({ to: peer, text })),
    });
    sent += messages.length;
    onSent(messages);
  }
}
