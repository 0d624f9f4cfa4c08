// The framing both baselines and p2pchat use: varint length-prefixed frames, encoded and decoded
// with the same libraries as src/protocol/frame-stream.ts, so only the transport differs.
import { LengthPrefixedDecoder } from '@libp2p/utils';
import * as lp from 'it-length-prefixed';
import type { Uint8ArrayList } from 'uint8arraylist';

export const MAX_FRAME_BYTES = 64 * 1024 + 64;

/** Encodes payloads as one contiguous buffer of length-prefixed frames. */
export function encodeFrames(payloads: Uint8Array[]): Uint8Array {
  const parts = payloads.map((p) => lp.encode.single(p).subarray());
  if (parts.length === 1) return parts[0] as Uint8Array;
  return Buffer.concat(parts);
}

export class FrameReader {
  private readonly decoder = new LengthPrefixedDecoder({ maxDataLength: MAX_FRAME_BYTES, maxBufferSize: MAX_FRAME_BYTES + 1024 * 1024 });

  /** The frames completed by this chunk. */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const frame of this.decoder.decode(chunk)) frames.push(frame.subarray());
    return frames;
  }
}
