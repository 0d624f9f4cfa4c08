import type { Stream } from '@libp2p/interface';

/**
 * Resolves on the stream's next `drain` event, or when it closes; at once when it has nothing to
 * drain or can no longer be written. `drain` events, because `onDrain()` is unreliable in libp2p 3.
 */
export function streamDrained(stream: Stream): Promise<void> {
  if (stream.writeStatus !== 'writable' || !stream.writableNeedsDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.removeEventListener('drain', done);
      stream.removeEventListener('close', done);
      resolve();
    };
    stream.addEventListener('drain', done);
    stream.addEventListener('close', done);
  });
}
