// FrameStream when the connection under a stream goes before libp2p has told the stream: every
// write then throws (resume() writes too, as it grants the peer window). These run in event
// listeners and promise callbacks, where a throw used to end the daemon (seen in CI: a peer killed
// while the daemon was storing its frames). The stream here is a stand-in with libp2p's states.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { FrameStream } from '../../src/protocol/frame-stream.js';

/** The parts of a libp2p stream FrameStream uses; `connectionGone()` makes every write throw. */
class StandInStream extends EventTarget {
  status = 'open';
  readStatus = 'readable';
  writeStatus = 'writable';
  writableNeedsDrain = false;
  abortedWith: Error | undefined;
  private gone = false;

  connectionGone(): void {
    this.gone = true;
  }

  private written(): void {
    if (this.gone) throw new Error('Cannot write to a stream that is closed');
  }

  send(): boolean {
    this.written();
    return true;
  }

  pause(): void {
    this.readStatus = 'paused';
  }

  resume(): void {
    this.readStatus = 'readable';
    this.written();
  }

  abort(err: Error): void {
    this.abortedWith = err;
    this.status = 'aborted';
    this.readStatus = this.writeStatus = 'closed';
    this.dispatchEvent(Object.assign(new Event('close'), { error: err }));
  }

  close(): Promise<void> {
    this.status = 'closed';
    return Promise.resolve();
  }

  receive(payload: string): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: lp.encode.single(new TextEncoder().encode(payload)) }));
  }
}

/** Resolves after pending promise callbacks have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function frameStream(stream: StandInStream, onFrames: (frames: Uint8Array[], fs: FrameStream) => Promise<void> | void) {
  const closes: (Error | undefined)[] = [];
  const frames = new FrameStream(stream as unknown as Stream, 1024, { onFrames, onClose: (_fs, error) => closes.push(error) });
  return { frames, closes };
}

describe('FrameStream when its connection has gone', () => {
  it('aborts the stream, instead of throwing, when reading resumes after a commit', async () => {
    const stream = new StandInStream();
    let commitDone!: () => void;
    const { closes } = frameStream(stream, () => new Promise<void>((resolve) => (commitDone = resolve)));
    stream.receive('a message');
    assert.equal(stream.readStatus, 'paused', 'not read while its frames are stored');
    stream.connectionGone();
    commitDone();
    await settle();
    assert.match(String(stream.abortedWith?.message), /Cannot write/);
    assert.equal(closes.length, 1, 'the owner hears that the stream closed');
  });

  it('aborts the stream when its handler throws in the listener (a reply written to the dead connection)', async () => {
    const stream = new StandInStream();
    const { frames } = frameStream(stream, (_batch, fs) => {
      fs.write([new Uint8Array([1])]);
    });
    stream.connectionGone();
    assert.doesNotThrow(() => stream.receive('a message'));
    await settle();
    assert.match(String(stream.abortedWith?.message), /Cannot write/);
    assert.equal(frames.isOpen, false);
  });

  it('aborts the stream when the handler’s commit rejects after a failed reply', async () => {
    const stream = new StandInStream();
    frameStream(stream, async (_batch, fs) => {
      await settle();
      fs.write([new Uint8Array([1])]); // the ack, written once the commit is done
    });
    stream.receive('a message');
    stream.connectionGone();
    await settle();
    await settle();
    assert.match(String(stream.abortedWith?.message), /Cannot write/);
  });
});
