import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../src/store/group-commit.js';

describe('GroupCommit', () => {
  it('commits what arrives in one turn together, answering each caller in order', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, string>((items) => {
      commits.push(items);
      return items.map((i) => `stored ${i}`);
    });
    const first = await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
    const second = await group.submit(4);
    assert.deepEqual(first, ['stored 1', 'stored 2', 'stored 3']);
    assert.equal(second, 'stored 4');
    assert.deepEqual(commits, [[1, 2, 3], [4]]);
  });

  it('rejects every caller of a failed commit, and keeps working', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const results = await Promise.allSettled([group.submit(1), group.submit(2)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal(await group.submit(3), 3);
  });

  it('isolates an item that fails: the others of its batch are committed and answered', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, string>((items) => {
      // Like a transaction: a bad item rolls back the whole call, so nothing of it counts.
      if (items.includes(13)) throw new Error(`cannot store 13`);
      commits.push(items);
      return items.map((i) => `stored ${i}`);
    });
    const results = await Promise.allSettled([group.submit(1), group.submit(13), group.submit(2)]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['stored 1', 'cannot store 13', 'stored 2'],
    );
    assert.deepEqual(commits, [[1], [2]]);
    // The next batch is grouped again.
    await Promise.all([group.submit(3), group.submit(4)]);
    assert.deepEqual(commits.at(-1), [3, 4]);
  });

  it('answers an item nobody promises anything for at its commit, the others once the disk has it', async () => {
    let synced: () => void = () => {};
    const disk = new Promise<void>((resolve) => (synced = resolve));
    const group = new GroupCommit<string, string>(
      (items) => items.map((i) => `stored ${i}`),
      () => disk,
    );
    const answered: string[] = [];
    const acked = group.submit('with an ack').then((r) => answered.push(r));
    const plain = group.submit('plain', false).then((r) => answered.push(r));
    await plain;
    assert.deepEqual(answered, ['stored plain'], 'the plain one is answered while the disk still works');
    synced();
    await acked;
    assert.deepEqual(answered, ['stored plain', 'stored with an ack']);
  });
});
