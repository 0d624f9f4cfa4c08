// The start-up database check: empty and damaged files are told apart from healthy and new ones.
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { checkDatabaseFile, moveDatabaseAside } from '../../src/store/integrity.js';

const base = mkdtempSync(join(tmpdir(), 'p2pchat-integrity-'));
after(() => rmSync(base, { recursive: true, force: true }));

function realDatabase(name: string, rows = 2000): string {
  const path = join(base, name);
  const db = new Database(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX t_body ON t (body);');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`row ${i} ${'x'.repeat(200)}`);
  })();
  db.close();
  return path;
}

it('passes a missing file and a healthy database', () => {
  assert.deepEqual(checkDatabaseFile(join(base, 'missing.db'), true), { ok: true });
  assert.deepEqual(checkDatabaseFile(realDatabase('healthy.db'), true), { ok: true });
});

it('refuses an empty file only when the daemon has run here before', () => {
  const path = join(base, 'empty.db');
  writeFileSync(path, '');
  assert.deepEqual(checkDatabaseFile(path, false), { ok: true });
  const verdict = checkDatabaseFile(path, true);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.problem : '', /empty \(0 bytes\)/);
});

it('refuses a database with a page overwritten in the middle, and one that is not a database', () => {
  const path = realDatabase('damaged.db');
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
  closeSync(fd);
  const verdict = checkDatabaseFile(path, true);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.problem : '', /damaged/);

  const garbage = join(base, 'garbage.db');
  writeFileSync(garbage, Buffer.alloc(8192, 0x41));
  assert.match(JSON.stringify(checkDatabaseFile(garbage, false)), /damaged/);
});

it('moves a database and its WAL files aside without deleting anything', () => {
  const path = join(base, 'aside.db');
  writeFileSync(path, 'main');
  writeFileSync(`${path}-wal`, 'wal');
  const moved = moveDatabaseAside(path, new Date('2026-11-30T20:01:02.345Z'));
  assert.equal(moved, `${path}.bad-20261130T200102Z`);
  assert.equal(existsSync(path), false);
  assert.deepEqual(
    readdirSync(base)
      .filter((f) => f.startsWith('aside.db'))
      .sort(),
    ['aside.db.bad-20261130T200102Z', 'aside.db.bad-20261130T200102Z-wal'],
  );
});
