import assert from 'node:assert/strict';
import { it } from 'node:test';
import { holdAfterStoreFailure } from '../../src/protocol/store-failures.js';
import { isStorageFull } from '../../src/store/storage-full.js';

it('recognises a full disk by SQLite’s and the system’s codes, and nothing else', () => {
  for (const code of ['SQLITE_FULL', 'ENOSPC', 'EDQUOT']) assert.equal(isStorageFull(Object.assign(new Error('x'), { code })), true, code);
  for (const err of [
    new Error('database or disk is full'),
    Object.assign(new Error('x'), { code: 'SQLITE_CORRUPT' }),
    undefined,
    null,
    'ENOSPC',
  ]) {
    assert.equal(isStorageFull(err), false);
  }
});

it('holds a failing stream longer after each failure in a row, up to 10 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 50].map(holdAfterStoreFailure), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});
