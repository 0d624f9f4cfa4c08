// A frame link over a plain TCP socket or a libp2p stream: the only part of the baselines that
// differs between scenario 1 and 2. Writes report backpressure; reads arrive as whole frames.
import type { Socket } from 'node:net';
import type { Stream } from '@libp2p/interface';
import { streamDrained } from '../../src/protocol/stream-drained.js';
import { FrameReader } from './framing.js';

export interface FrameLink {
  /** Writes encoded frames; false means the write buffer is full: wait for drained(). */
  write(bytes: Uint8Array): boolean;
  drained(): Promise<void>;
  /** Called with the frames each incoming chunk completed. */
  onFrames(handler: (frames: Uint8Array[]) => void): void;
  /** Called once when the link closes or is reset. */
  onClose(handler: (reason: string) => void): void;
  close(): void;
}

export function socketLink(socket: Socket): FrameLink {
  socket.setNoDelay(true); // as @libp2p/tcp does
  const reader = new FrameReader();
  let handler: (frames: Uint8Array[]) => void = () => {};
  socket.on('data', (chunk: Buffer) => {
    const frames = reader.push(chunk);
    if (frames.length > 0) handler(frames);
  });
  return {
    write: (bytes) => socket.write(bytes),
    drained: () =>
      new Promise((resolve) => {
        if (!socket.writableNeedDrain) resolve();
        else socket.once('drain', resolve);
      }),
    onFrames: (h) => {
      handler = h;
    },
    onClose: (h) => socket.once('close', () => h('socket closed')),
    close: () => socket.destroy(),
  };
}

export function streamLink(stream: Stream): FrameLink {
  const reader = new FrameReader();
  let handler: (frames: Uint8Array[]) => void = () => {};
  stream.addEventListener('message', (event) => {
    const frames = reader.push(event.data);
    if (frames.length > 0) handler(frames);
  });
  return {
    write: (bytes) => stream.send(bytes),
    drained: () => streamDrained(stream),
    onFrames: (h) => {
      handler = h;
    },
    onClose: (h) => stream.addEventListener('close', (event) => h(`stream closed: ${event.error?.message ?? 'cleanly'}`), { once: true }),
    close: () => stream.abort(new Error('bench done')),
  };
}
