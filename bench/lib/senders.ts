// Sends messages through a daemon's control API, as the CLI does: POST /v1/send.
import type { ControlClient } from '../../src/control/client.js';
import type { SentMessage } from '../../src/types.js';

/** A text of exactly `size` bytes (ASCII), unique by its prefix. */
export function textOf(prefix: string, size: number): string {
  return prefix.length >= size ? prefix : prefix + 'x'.repeat(size - prefix.length);
}

/** Sends `count` messages with `concurrency` requests in flight at a time. */
export async function sendMany(
  client: ControlClient,
  to: string,
  count: number,
  concurrency: number,
  text: (i: number) => string,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await client.request<SentMessage>('POST', '/v1/send', { to, text: text(i) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
