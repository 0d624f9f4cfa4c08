// Varint length-prefixed frames arriving in arbitrary chunks. Like @libp2p/utils'
// LengthPrefixedDecoder, with what a daemon needs to bound its memory: how many bytes of an
// unfinished frame it holds, and a way to hold them without pinning the chunks they came in.
import { Uint8ArrayList } from 'uint8arraylist';

export class FrameLengthError extends Error {
  override name = 'FrameLengthError';
}

/** A varint prefix longer than this cannot name a length we accept (2^35 > any frame limit). */
const MAX_PREFIX_BYTES = 5;

/**
 * The length prefix at the start of `buffer`: the frame's length and the prefix's size, or
 * undefined when the prefix is not complete yet. Throws as soon as the prefix names more than
 * `maxLength`, before any of the payload is buffered.
 */
export function readLengthPrefix(buffer: Uint8ArrayList, maxLength: number): { length: number; prefixBytes: number } | undefined {
  let length = 0;
  for (let i = 0; i < Math.min(buffer.byteLength, MAX_PREFIX_BYTES); i++) {
    const byte = buffer.get(i);
    length += (byte & 0x7f) * 2 ** (7 * i);
    if (length > maxLength) throw new FrameLengthError(`frame longer than ${maxLength} bytes`);
    if ((byte & 0x80) === 0) return { length, prefixBytes: i + 1 };
  }
  if (buffer.byteLength >= MAX_PREFIX_BYTES) throw new FrameLengthError('length prefix too long');
  return undefined;
}

export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList();
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Appends a chunk and returns the frames it completes. After a bad length prefix, `error` is
   * set and the stream cannot be framed any more; the frames before it are still returned.
   */
  decode(chunk: Uint8Array | Uint8ArrayList): { frames: Uint8Array[]; error?: FrameLengthError } {
    this.buffer.append(chunk);
    const frames: Uint8Array[] = [];
    for (;;) {
      let prefix: ReturnType<typeof readLengthPrefix>;
      try {
        prefix = readLengthPrefix(this.buffer, this.maxFrameBytes);
      } catch (err) {
        return { frames, error: err as FrameLengthError };
      }
      if (!prefix || this.buffer.byteLength < prefix.prefixBytes + prefix.length) break;
      frames.push(this.buffer.subarray(prefix.prefixBytes, prefix.prefixBytes + prefix.length));
      this.buffer.consume(prefix.prefixBytes + prefix.length);
    }
    return { frames };
  }

  /** Bytes of an unfinished frame held until the rest arrives. */
  get heldBytes(): number {
    return this.buffer.byteLength;
  }

  /**
   * The held bytes are views into the chunks they came in, which keeps those chunks whole in
   * memory (up to a receive window each) for a few bytes: copy them out when they pin much more.
   */
  compact(): void {
    const held = this.buffer.byteLength;
    let pinned = 0;
    for (const buf of this.buffer) pinned += buf.buffer.byteLength;
    if (pinned <= 2 * held + 4096) return;
    // A fresh array, not Buffer's shared pool: it then pins exactly what it holds.
    const copy = new Uint8Array(held);
    let offset = 0;
    for (const buf of this.buffer) {
      copy.set(buf, offset);
      offset += buf.byteLength;
    }
    this.buffer.consume(held);
    this.buffer.append(copy);
  }
}
