// One /chat/1.0.0 stream: varint length-prefixed frames in both directions, with read limits
// enforced before a frame is buffered and write backpressure through `drain` events. A partial
// frame is held only within the daemon's budget and time limit; once the peer has finished its
// side and what it sent is handled, the stream is closed.
import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { Uint8ArrayList } from 'uint8arraylist';
import { FrameDecoder } from './frame-decoder.js';
import type { PartialFrameBudget } from './partial-frames.js';
import { streamDrained } from './stream-drained.js';

/** Why reading is paused: frames being handled (stored), or replies we cannot write yet. */
type Hold = 'frames' | 'drain';

export interface FrameStreamHandlers {
  /**
   * Frame payloads that arrived in one chunk, undecoded (how to read them depends on the peer):
   * handle them together (one commit, one ack). While the returned promise is pending the stream
   * is not read, so the peer gets no more window and what arrives meanwhile (at most the window)
   * waits as bytes, to be handed over as one chunk. A throw or a rejection aborts the stream.
   */
  onFrames(frames: Uint8Array[], stream: FrameStream): Promise<void> | void;
  onClose(stream: FrameStream, error?: Error): void;
  /** The stream is reset for what the peer sent (for metrics): a bad frame, or a partial frame over the budget or the time limit. */
  onRejected?(reason: FrameStreamRejection): void;
}

export type FrameStreamRejection = 'bad_frame' | 'partial_frames_full' | 'partial_frame_timeout';

export interface FrameStreamOptions {
  /** The daemon's account of partial frames; none means no partial-frame limits. */
  budget?: PartialFrameBudget | undefined;
  /**
   * Close our side once the peer has finished its side and its frames are handled: for streams
   * the peer opened, which would otherwise count against its stream limit until the connection
   * closes. Our own sending streams stay as they are (delivery decides when to replace them).
   */
  closeWhenFinished?: boolean | undefined;
  /** The peer is a contact: its partial frames may use the part of the budget strangers cannot. */
  contact?: boolean | undefined;
}

export class FrameStream {
  readonly stream: Stream;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private readonly holds = new Set<Hold>();
  private resuming = false;
  /** The peer has closed its side and every byte it sent has reached the listener. */
  private remoteEnded = false;
  private closing = false;
  private readonly budget: PartialFrameBudget | undefined;
  private readonly closeWhenFinished: boolean;
  private readonly contact: boolean;
  private readonly onRejected: (reason: FrameStreamRejection) => void;
  /** Resets the stream when it holds a partial frame and completes none in time. */
  private partialTimer?: NodeJS.Timeout | undefined;

  constructor(stream: Stream, maxFrameBytes: number, handlers: FrameStreamHandlers, options: FrameStreamOptions = {}) {
    this.stream = stream;
    this.budget = options.budget;
    this.closeWhenFinished = options.closeWhenFinished ?? false;
    this.contact = options.contact ?? false;
    this.onRejected = (reason) => handlers.onRejected?.(reason);
    // A length prefix over maxFrameBytes is rejected before its payload is read; what one stream
    // holds between chunks is at most one unfinished frame.
    this.decoder = new FrameDecoder(maxFrameBytes);
    // Runs in an event listener, where a throw would end the daemon: a handler that throws (a
    // reply written to a connection that just went) costs the stream, which the sender replaces.
    const onFrames = (frames: Uint8Array[]): Promise<void> | undefined => {
      try {
        const handling = handlers.onFrames(frames, this);
        return handling ? handling.catch((err: unknown) => this.abort(err as Error)) : undefined;
      } catch (err) {
        this.abort(err as Error);
        return undefined;
      }
    };
    stream.addEventListener('message', (event) => {
      const decoded = this.decoder.decode(event.data);
      const frames = decoded.frames;
      if (decoded.error) {
        // A bad length prefix leaves the stream unframeable: handle what was complete, then reset.
        if (frames.length > 0) void onFrames(frames);
        this.onRejected('bad_frame');
        this.abort(new Error(`bad frame: ${decoded.error.message}`));
        return;
      }
      if (!this.holdPartial(frames.length > 0)) {
        if (frames.length > 0) void onFrames(frames);
        this.onRejected('partial_frames_full');
        this.abort(new Error('too much memory held by partial frames; try again later'));
        return;
      }
      const handling = frames.length > 0 ? onFrames(frames) : undefined;
      if (handling) {
        // Read no more until these are stored: frames cannot pile up in memory faster than they
        // are committed, whatever the peer writes.
        this.hold('frames');
        const handled = () => {
          this.holdWhileUnwritable();
          this.release('frames');
          this.closeIfFinished();
        };
        handling.then(handled, handled);
      }
      this.holdWhileUnwritable();
    });
    // `end`: the peer will send nothing more and all it sent has been dispatched to the listener
    // above. Our side is closed once its frames are handled (stored and acked): an inbound stream
    // left half-open would count against the peer's stream limit until the connection closes.
    stream.addEventListener('end', () => {
      this.remoteEnded = true;
      this.closeIfFinished();
    });
    stream.addEventListener('close', (event) => {
      this.closed = true;
      this.clearPartial();
      handlers.onClose(this, event.error);
    });
  }

  private closeIfFinished(): void {
    if (!this.closeWhenFinished || !this.remoteEnded || this.holds.has('frames') || this.closing || this.closed) return;
    this.closing = true;
    this.clearPartial();
    void this.close();
  }

  /**
   * Accounts for the partial frame the decoder holds after a chunk. Returns false when holding it
   * would exceed the daemon's budget. A completed frame restarts the time limit, so a busy stream
   * whose chunks often end inside a frame is never reset; one that only ever sends a part is.
   */
  private holdPartial(completedFrame: boolean): boolean {
    if (!this.budget) return true;
    const held = this.decoder.heldBytes;
    if (!this.budget.hold(this, held, this.contact)) return false;
    if (held === 0 || completedFrame) {
      clearTimeout(this.partialTimer);
      this.partialTimer = undefined;
    }
    if (held > 0) {
      this.decoder.compact();
      this.partialTimer ??= setTimeout(() => this.partialTimedOut(), this.budget.limits.timeoutMs).unref();
    }
    return true;
  }

  private partialTimedOut(): void {
    this.partialTimer = undefined;
    // While we are storing its frames the peer cannot progress: that time is ours, not its.
    if (this.holds.has('frames')) {
      this.partialTimer = setTimeout(() => this.partialTimedOut(), (this.budget as PartialFrameBudget).limits.timeoutMs).unref();
      return;
    }
    this.onRejected('partial_frame_timeout');
    this.abort(new Error('partial frame not completed in time'));
  }

  private clearPartial(): void {
    clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    this.budget?.release(this);
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
    if (this.stream.readStatus !== 'readable') return;
    try {
      this.stream.pause();
    } catch (err) {
      this.abort(err as Error);
    }
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
    } catch (err) {
      // The connection under the stream is gone and the stream does not know yet: resume() grants
      // the peer window, a write, and that throws. This runs in callbacks (a commit done, a drain),
      // where a throw would end the daemon; the stream is dead, so it is aborted instead.
      this.abort(err as Error);
      return;
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
    try {
      return this.stream.send(out);
    } catch (err) {
      // As in release(): the connection went before the stream heard of it. The caller learns it
      // as it would of a closed stream, and the stream is not left half alive.
      this.abort(err as Error);
      throw err;
    }
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
