// One /chat/1.0.0 stream: varint length-prefixed frames in both directions, with read limits
// enforced before a frame is buffered and write backpressure through `drain` events.
import type { Stream } from '@libp2p/interface';
import { LengthPrefixedDecoder } from '@libp2p/utils';
import * as lp from 'it-length-prefixed';
import { Uint8ArrayList } from 'uint8arraylist';
import { decodeFrame, type Frame } from './envelope.js';

export interface FrameStreamHandlers {
  /** Frames that arrived in one chunk: handle them together (one commit, one ack). */
  onFrames(frames: Frame[], stream: FrameStream): void;
  onClose(stream: FrameStream, error?: Error): void;
}

export class FrameStream {
  readonly stream: Stream;
  private readonly decoder: LengthPrefixedDecoder;
  private closed = false;

  constructor(stream: Stream, maxFrameBytes: number, handlers: FrameStreamHandlers) {
    this.stream = stream;
    // maxDataLength rejects an oversized length prefix before its payload is read;
    // maxBufferSize bounds what one stream can make us hold.
    this.decoder = new LengthPrefixedDecoder({ maxDataLength: maxFrameBytes, maxBufferSize: maxFrameBytes + 1024 * 1024 });
    stream.addEventListener('message', (event) => {
      const frames: Frame[] = [];
      try {
        for (const payload of this.decoder.decode(event.data)) frames.push(decodeFrame(payload.subarray()));
      } catch (err) {
        // A bad length prefix leaves the stream unframeable: handle what was complete, then reset.
        if (frames.length > 0) handlers.onFrames(frames, this);
        this.abort(new Error(`bad frame: ${(err as Error).message}`));
        return;
      }
      if (frames.length > 0) handlers.onFrames(frames, this);
      // Replies (acks) we cannot write yet mean the peer is not reading: stop reading from it
      // until our writes drain, so neither buffer grows without bound.
      if (stream.writableNeedsDrain && stream.readStatus === 'readable') {
        stream.pause();
        stream.addEventListener('drain', () => stream.resume(), { once: true });
      }
    });
    stream.addEventListener('close', (event) => {
      this.closed = true;
      handlers.onClose(this, event.error);
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.stream.status === 'open' && this.stream.writeStatus === 'writable';
  }

  /**
   * Writes frames as one send. Returns false when the stream's write buffer is full: the caller
   * should wait for `drained()` before writing more.
   */
  write(payloads: Uint8Array[]): boolean {
    if (!this.isOpen) throw new Error('stream is closed');
    const out = new Uint8ArrayList();
    for (const payload of payloads) out.append(lp.encode.single(payload));
    return this.stream.send(out);
  }

  /** Resolves on the next `drain`, or when the stream closes. (`onDrain()` is unreliable in v3.) */
  drained(): Promise<void> {
    if (!this.isOpen || !this.stream.writableNeedsDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.removeEventListener('drain', done);
        this.stream.removeEventListener('close', done);
        resolve();
      };
      this.stream.addEventListener('drain', done);
      this.stream.addEventListener('close', done);
    });
  }

  abort(err: Error): void {
    if (this.stream.status === 'open' || this.stream.status === 'closing') this.stream.abort(err);
  }

  async close(): Promise<void> {
    try {
      await this.stream.close({ signal: AbortSignal.timeout(2000) });
    } catch (err) {
      this.abort(err as Error);
    }
  }
}
