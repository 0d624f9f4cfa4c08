// Sends messages through a daemon's control API, as the CLI does: POST /v1/send, or
// POST /v1/send/batch (as `send --lines` does) when a batch size is given.
import type { ControlClient } from '../../src/control/client.js';
import type { SentMessage } from '../../src/types.js';
import type { ApiClient } from './api-client.js';

/** A text of exactly `size` bytes (ASCII), unique by its prefix. */
export function textOf(prefix: string, size: number): string {
  return prefix.length >= size ? prefix : prefix + 'x'.repeat(size - prefix.length);
}

/** Sends `count` messages with `concurrency` requests in flight at a time, `batch` messages per request. */
export async function sendMany(
  client: ApiClient | ControlClient,
  to: string,
  count: number,
  concurrency: number,
  text: (i: number) => string,
  batch = 1,
): Promise<void> {
  const post = <T>(path: string, body: unknown): Promise<T> =>
    'post' in client ? client.post<T>(path, body) : client.request<T>('POST', path, body);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      if (batch === 1) {
        await post<SentMessage>('/v1/send', { to, text: text(next++) });
        continue;
      }
      const messages = [];
      for (let n = 0; n < batch && next < count; n++) messages.push({ to, text: text(next++) });
      await post<{ messages: SentMessage[] }>('/v1/send/batch', { messages });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
