// The log destination drops lines while writes fail, never throws, and says what it dropped.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LogDestination, type WriteFn } from '../../src/log-destination.js';

function fakeFd() {
  const state = { fail: undefined as string | undefined, written: '', attempts: 0, partial: false };
  const write: WriteFn = (_fd, buffer, callback) => {
    state.attempts++;
    setImmediate(() => {
      if (state.fail) {
        const err = Object.assign(new Error(state.fail), { code: state.fail });
        callback(err, 0);
        return;
      }
      const n = state.partial ? Math.ceil(buffer.length / 2) : buffer.length;
      state.written += buffer.subarray(0, n).toString();
      callback(null, n);
    });
  };
  return { state, write };
}

/** Waits for a condition, not for a fixed time: a busy machine may run the writes late. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('writes lines in order, finishing partial writes', async () => {
  const { state, write } = fakeFd();
  state.partial = true;
  const dest = new LogDestination({ write });
  for (let i = 0; i < 5; i++) dest.write(`line ${i}\n`);
  const expected = 'line 0\nline 1\nline 2\nline 3\nline 4\n';
  await until('every byte written', () => state.written.length >= expected.length);
  assert.equal(state.written, expected);
});

it('drops and counts lines while the destination fails, then reports them once', async () => {
  const { state, write } = fakeFd();
  const dest = new LogDestination({ write, retryMs: 10 });
  state.fail = 'ENOSPC';
  for (let i = 0; i < 3; i++) dest.write(`lost ${i}\n`);
  await until('three lines dropped', () => dest.droppedLines >= 3);
  assert.equal(dest.droppedLines, 3);
  assert.equal(state.written, '');
  state.fail = undefined;
  dest.write('back\n');
  await until('the line after the fault written', () => state.written.endsWith('back\n'));
  const lines = state.written.trim().split('\n');
  assert.equal(lines.length, 2);
  const notice = JSON.parse(lines[0] as string) as { msg: string; dropped: number; cause: string };
  assert.deepEqual([notice.dropped, notice.cause], [3, 'ENOSPC']);
  assert.match(notice.msg, /dropped 3 log lines/);
  assert.equal(lines[1], 'back');
  assert.equal(dest.droppedLines, 0);
});

it('keeps its memory bounded while a write never returns', async () => {
  const dest = new LogDestination({ write: () => {}, maxQueuedBytes: 100 });
  for (let i = 0; i < 1000; i++) dest.write('0123456789\n');
  assert.ok(dest.droppedLines >= 990, `dropped ${dest.droppedLines}`);
});

it('retries the same bytes after EAGAIN instead of dropping them', async () => {
  const { state, write } = fakeFd();
  const dest = new LogDestination({ write, busyRetryMs: 5 });
  state.fail = 'EAGAIN';
  dest.write('slow reader\n');
  await until('a few attempts while busy', () => state.attempts >= 3);
  state.fail = undefined;
  await until('the line written', () => state.written.length > 0);
  assert.equal(state.written, 'slow reader\n');
  assert.equal(dest.droppedLines, 0);
});
