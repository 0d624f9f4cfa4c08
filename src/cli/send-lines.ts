// `p2pchat send --lines`: every line of the input is one message. The whole input is read and
// every line checked before any is sent, so a bad line in the middle sends nothing. Then the lines
// go to the daemon in batches (POST /v1/send/batch), one request in flight at a time.
//
// Reruns: with a key (`--id KEY`), line N gets the message id `KEY-N`. The daemon answers an id it
// already stored with the stored message instead of a second one, so rerunning the same command
// after a failure sends only the lines the first run did not store.
import type { ControlClient } from '../control/client.js';
import type { SentMessage } from '../types.js';

/** The daemon's limit on messages per batch request. */
export const MAX_BATCH = 1000;

/** What a key may be: the message ids built from it stay within the protocol's id rule. */
export const ID_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

export interface LineMessage {
  /** 1-based line number in the input. */
  line: number;
  text: string;
  id?: string | undefined;
}

export interface LinePlan {
  messages: LineMessage[];
  /** Empty or whitespace-only lines: not messages, not errors. */
  skipped: number;
  /** Lines that cannot be sent, with why. */
  bad: { line: number; reason: string }[];
}

/**
 * Splits the input into messages and checks each: `frameBytes` is what a text costs on the wire
 * with the given id, `maxFrameBytes` the daemon's limit.
 */
export function planLines(
  input: string,
  options: { key?: string | undefined; maxFrameBytes: number; frameBytes: (text: string, id: string | undefined) => number },
): LinePlan {
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const plan: LinePlan = { messages: [], skipped: 0, bad: [] };
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') {
      plan.skipped++;
      return;
    }
    if (text.includes('\uFFFD')) plan.bad.push({ line, reason: 'not valid UTF-8' });
    const id = options.key === undefined ? undefined : `${options.key}-${line}`;
    const bytes = options.frameBytes(text, id);
    if (bytes > options.maxFrameBytes) {
      plan.bad.push({ line, reason: `${bytes} bytes on the wire; at most ${options.maxFrameBytes} fit in one message` });
    }
    plan.messages.push({ line, text, id });
  });
  return plan;
}

/** Thrown when a batch fails: how many lines were stored before it, and the line the daemon named. */
export class LinesSendError extends Error {
  override name = 'LinesSendError';
  constructor(
    message: string,
    readonly stored: number,
    readonly error: unknown,
  ) {
    super(message);
  }
}

/** `messages.5: message is …` from the daemon, with the batch index turned into the input's line number. */
function withLineNumbers(message: string, batch: LineMessage[]): string {
  return message.replace(/\bmessages\.(\d+)(\.\w+)?: /g, (all: string, index: string, field: string | undefined) => {
    const entry = batch[Number(index)];
    return entry ? `line ${entry.line}${field ? ` (${field.slice(1)})` : ''}: ` : all;
  });
}

/**
 * Sends the planned messages to `peerId` in batches; `onBatch` sees each batch once the daemon
 * stored it (messages it already had carry `existing: true`). Resolves with everything stored.
 */
export async function sendPlanned(
  client: ControlClient,
  peerId: string,
  messages: LineMessage[],
  onBatch: (stored: (SentMessage & { existing?: boolean })[], done: number) => void,
): Promise<(SentMessage & { existing?: boolean })[]> {
  const stored: (SentMessage & { existing?: boolean })[] = [];
  for (let start = 0; start < messages.length; start += MAX_BATCH) {
    const batch = messages.slice(start, start + MAX_BATCH);
    try {
      const answer = await client.request<{ messages: (SentMessage & { existing?: boolean })[] }>('POST', '/v1/send/batch', {
        messages: batch.map((m) => (m.id === undefined ? { to: peerId, text: m.text } : { to: peerId, text: m.text, id: m.id })),
      });
      stored.push(...answer.messages);
      onBatch(answer.messages, stored.length);
    } catch (err) {
      throw new LinesSendError(withLineNumbers((err as Error).message, batch), stored.length, err);
    }
  }
  return stored;
}
