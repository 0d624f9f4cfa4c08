// The stream workload shared by the raw TCP and bare libp2p baselines. One byte at the start of
// each frame says what it is: data is counted, a ping is echoed, a report request is answered
// with the count of data frames since the last report. Replies come back in request order.
import { performance } from 'node:perf_hooks';
import { encodeFrames } from './framing.js';
import type { FrameLink } from './links.js';

const DATA = 0x44; // 'D'
const PING = 0x50; // 'P'
const REPORT = 0x52; // 'R'

function payload(kind: number, size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(1, size)).fill(0x61);
  bytes[0] = kind;
  return bytes;
}

/** The receiving side: counts, echoes, reports. */
export function serve(link: FrameLink): void {
  let count = 0;
  link.onFrames((frames) => {
    const replies: Uint8Array[] = [];
    for (const frame of frames) {
      if (frame[0] === DATA) count++;
      else if (frame[0] === PING) replies.push(frame);
      else if (frame[0] === REPORT) {
        replies.push(new TextEncoder().encode(`R${count}`));
        count = 0;
      }
    }
    if (replies.length > 0) link.write(encodeFrames(replies));
  });
}

export class WorkloadClient {
  private readonly link: FrameLink;
  private readonly waiters: Array<{ resolve: (frame: Uint8Array) => void; reject: (err: Error) => void }> = [];
  private closed?: string;

  constructor(link: FrameLink) {
    this.link = link;
    link.onFrames((frames) => {
      for (const frame of frames) this.waiters.shift()?.resolve(frame);
    });
    link.onClose((reason) => {
      this.closed = reason;
      for (const w of this.waiters.splice(0)) w.reject(new Error(reason));
    });
  }

  private reply(): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error(this.closed));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Sends `count` data frames of `size` bytes, `perWrite` frames per write, waiting for `drain`
   * whenever a write says so, then asks for the count: seconds until the receiver confirmed all.
   */
  async throughput(count: number, size: number, perWrite: number): Promise<number> {
    const batch = encodeFrames(Array.from({ length: perWrite }, () => payload(DATA, size)));
    const writes = Math.ceil(count / perWrite);
    const start = performance.now();
    for (let i = 0; i < writes; i++) {
      if (this.closed) throw new Error(this.closed);
      if (!this.link.write(batch)) await this.link.drained();
    }
    const answer = this.reply();
    this.link.write(encodeFrames([payload(REPORT, 1)]));
    const received = Number(new TextDecoder().decode((await answer).subarray(1)));
    const seconds = (performance.now() - start) / 1000;
    if (received !== writes * perWrite) throw new Error(`receiver counted ${received} frames, expected ${writes * perWrite}`);
    return seconds;
  }

  /** Writes `count` data frames as fast as the link takes them, with no reply expected: seconds to write them all. */
  async flood(count: number, size: number, perWrite: number): Promise<number> {
    const batch = encodeFrames(Array.from({ length: perWrite }, () => payload(DATA, size)));
    const start = performance.now();
    for (let i = 0; i < Math.ceil(count / perWrite); i++) {
      if (this.closed) throw new Error(this.closed);
      if (!this.link.write(batch)) await this.link.drained();
    }
    return (performance.now() - start) / 1000;
  }

  /** Round trips of one `size`-byte frame at a time: milliseconds each. */
  async latency(count: number, size: number): Promise<number[]> {
    const ping = encodeFrames([payload(PING, size)]);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const answer = this.reply();
      const start = performance.now();
      this.link.write(ping);
      await answer;
      samples.push(performance.now() - start);
    }
    return samples;
  }
}
