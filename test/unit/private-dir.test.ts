// Which directories the daemon accepts for its private files, and which socket files the CLI talks to.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { judgeSocket } from '../../src/control/socket-owner.js';
import { ensurePrivateDir, judgePrivateDir, UnsafeDirectoryError } from '../../src/daemon/private-dir.js';
import { oneLine } from '../../src/daemon/startup-error.js';

const dir = (uid: number, mode: number, kind: 'dir' | 'link' | 'file' = 'dir') => ({
  uid,
  mode,
  isDirectory: () => kind === 'dir',
  isSymbolicLink: () => kind === 'link',
});

describe('judgePrivateDir', () => {
  it('accepts our own 0700 directory as it is', () => {
    assert.deepEqual(judgePrivateDir(dir(1000, 0o40700), 1000), { ok: true, tighten: false });
  });
  it('tightens a directory others can read but not write', () => {
    assert.deepEqual(judgePrivateDir(dir(1000, 0o40755), 1000), { ok: true, tighten: true });
    assert.deepEqual(judgePrivateDir(dir(0, 0o40750), 0), { ok: true, tighten: true });
  });
  it('refuses one that another user owns, even for root', () => {
    const verdict = judgePrivateDir(dir(1001, 0o40700), 1000);
    assert.equal(verdict.ok, false);
    assert.match(!verdict.ok ? verdict.reason : '', /uid 1001.*uid 1000/);
    assert.equal(judgePrivateDir(dir(1001, 0o40700), 0).ok, false);
  });
  it('refuses one that the group or others can write', () => {
    assert.equal(judgePrivateDir(dir(1000, 0o40770), 1000).ok, false);
    assert.equal(judgePrivateDir(dir(1000, 0o40702), 1000).ok, false);
    assert.equal(judgePrivateDir(dir(1000, 0o41777), 1000).ok, false);
  });
  it('refuses a symlink and anything that is not a directory', () => {
    assert.equal(judgePrivateDir(dir(1000, 0o120777, 'link'), 1000).ok, false);
    assert.equal(judgePrivateDir(dir(1000, 0o100600, 'file'), 1000).ok, false);
  });
});

describe('ensurePrivateDir', () => {
  const base = mkdtempSync(join(tmpdir(), 'p2pchat-dirs-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const uid = process.getuid?.() ?? 0;

  it('creates a missing directory (and its parents) with mode 0700', () => {
    const target = join(base, 'a', 'b', 'p2pchat');
    assert.deepEqual(ensurePrivateDir(target, 'data directory', uid), { created: true, tightened: false });
    assert.equal(statSync(target).mode & 0o777, 0o700);
    assert.deepEqual(ensurePrivateDir(target, 'data directory', uid), { created: false, tightened: false });
  });
  it('tightens a readable one and refuses a writable one, naming it', () => {
    const readable = join(base, 'readable');
    mkdirSync(readable, { mode: 0o755 });
    assert.equal(ensurePrivateDir(readable, 'data directory', uid).tightened, true);
    assert.equal(statSync(readable).mode & 0o777, 0o700);
    assert.throws(
      () => ensurePrivateDir(base.replace(/\/[^/]+$/, ''), 'socket directory', uid),
      (err: Error) => err instanceof UnsafeDirectoryError && /^refusing to use socket directory \/\S+: it /.test(err.message),
    );
  });
  it('never follows a symlink planted where the directory should be', () => {
    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(base, 'planted');
    symlinkSync(real, link);
    assert.throws(() => ensurePrivateDir(link, 'socket directory', uid), /is a symbolic link/);
    assert.ok(lstatSync(link).isSymbolicLink(), 'left as it was');
  });
  it('refuses a directory that belongs to someone else', () => {
    const mine = join(base, 'mine');
    mkdirSync(mine, { mode: 0o700 });
    assert.throws(() => ensurePrivateDir(mine, 'data directory', uid + 1), /belongs to uid/);
  });
});

describe('judgeSocket', () => {
  const sock = (uid: number, kind: 'socket' | 'link' | 'file' = 'socket') => ({
    uid,
    isSocket: () => kind === 'socket',
    isSymbolicLink: () => kind === 'link',
  });
  it('trusts a socket of our own or of root', () => {
    assert.equal(judgeSocket(sock(1000), 1000), undefined);
    assert.equal(judgeSocket(sock(0), 1000), undefined);
    assert.equal(judgeSocket(sock(0), 0), undefined);
  });
  it('refuses a socket another user owns, also when we are root', () => {
    assert.match(judgeSocket(sock(1001), 1000) ?? '', /uid 1001/);
    assert.match(judgeSocket(sock(1000), 0) ?? '', /uid 1000/);
  });
  it('refuses a plain file', () => {
    assert.equal(judgeSocket(sock(1000, 'file'), 1000), 'is not a socket');
  });
});

it('oneLine folds a multi-line message into one line', () => {
  assert.equal(oneLine('first\n  second\nthird\n'), 'first second third');
});
