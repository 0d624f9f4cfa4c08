// One /chat/1.0.0 stream: varint length-prefixed frames in both directions, with read limits
// enforced before a frame is buffered and write backpressure through `drain` events.
import type { Stream } from '@libp2p/interface';
import { LengthPrefixedDecoder } from '@libp2p/utils';
import * as lp from 'it-length-prefixed';
import { Uint8ArrayList } from 'uint8arraylist';
import { STREAM_WINDOW_BYTES } from '../node/create-node.js';
import { decodeFrame, type Frame } from './envelope.js';
import { streamDrained } from './stream-drained.js';

/** Why reading is paused: frames being handled (stored), or replies we cannot write yet. */
type Hold = 'frames' | 'drain';

export interface FrameStreamHandlers {
  /**
   * Frames that arrived in one chunk: handle them together (one commit, one ack). While the
   * returned promise is pending the stream is not read, so the peer gets no more window and what
   * arrives meanwhile (at most the window) waits as bytes, to be handed over as one chunk.
   */
  onFrames(frames: Frame[], stream: FrameStream): Promise<void> | void;
  onClose(stream: FrameStream, error?: Error): void;
}

export class FrameStream {
  readonly stream: Stream;
  private readonly decoder: LengthPrefixedDecoder;
  private closed = false;
  private readonly holds = new Set<Hold>();
  private resuming = false;

  constructor(stream: Stream, maxFrameBytes: number, handlers: FrameStreamHandlers) {
    this.stream = stream;
    // maxDataLength rejects an oversized length prefix before its payload is read. A chunk is at
    // most the stream's receive window (a paused stream hands over what arrived meanwhile as one
    // chunk), plus the start of a frame left over from the chunk before: maxBufferSize allows
    // exactly that and bounds what one stream can make us hold.
    this.decoder = new LengthPrefixedDecoder({ maxDataLength: maxFrameBytes, maxBufferSize: maxFrameBytes + STREAM_WINDOW_BYTES + 16 });
    stream.addEventListener('message', (event) => {
      const frames: Frame[] = [];
      try {
        for (const payload of this.decoder.decode(event.data)) frames.push(decodeFrame(payload.subarray()));
      } catch (err) {
        // A bad length prefix leaves the stream unframeable: handle what was complete, then reset.
        if (frames.length > 0) void handlers.onFrames(frames, this);
        this.abort(new Error(`bad frame: ${(err as Error).message}`));
        return;
      }
      const handling = frames.length > 0 ? handlers.onFrames(frames, this) : undefined;
      if (handling) {
        // Read no more until these are stored: frames cannot pile up in memory faster than they
        // are committed, whatever the peer writes.
        this.hold('frames');
        const handled = () => {
          this.holdWhileUnwritable();
          this.release('frames');
        };
        handling.then(handled, handled);
      }
      this.holdWhileUnwritable();
    });
    stream.addEventListener('close', (event) => {
      this.closed = true;
      handlers.onClose(this, event.error);
    });
  }

  /**
   * Replies (acks) we cannot write yet mean the peer is not reading: stop reading from it until
   * our writes drain, so neither buffer grows without bound.
   */
  private holdWhileUnwritable(): void {
    if (!this.stream.writableNeedsDrain || this.holds.has('drain')) return;
    this.hold('drain');
    this.stream.addEventListener('drain', () => this.release('drain'), { once: true });
  }

  private hold(reason: Hold): void {
    this.holds.add(reason);
    if (!this.resuming) this.pauseIfReading();
  }

  private pauseIfReading(): void {
    if (this.stream.readStatus === 'readable') this.stream.pause();
  }

  private release(reason: Hold): void {
    this.holds.delete(reason);
    if (this.holds.size > 0 || this.stream.readStatus !== 'paused') return;
    // resume() hands what arrived while paused to the listener above, as one chunk, and only then
    // lets yamux grant window again: a pause from inside the listener would be undone, so it is
    // applied once resume() has returned. The peer then has one window to fill while we store.
    this.resuming = true;
    try {
      this.stream.resume();
    } finally {
      this.resuming = false;
    }
    if (this.holds.size > 0) this.pauseIfReading();
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

  /** Resolves on the next `drain`, or when the stream closes. */
  drained(): Promise<void> {
    return this.isOpen ? streamDrained(this.stream) : Promise.resolve();
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
