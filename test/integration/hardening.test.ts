// Local hardening against another user of the same machine, and start-up checks of the database.
// The other user is created for the test (root only; skipped otherwise) and removed afterwards.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message } from '../../src/types.js';
import { CLI, REPO_ROOT, runCli, startDaemon, TestDaemon, tempHome, waitFor, startConnectedPair, stopAllThen } from '../helpers/daemon.js';
import { hasCommand, IS_ROOT, tmpfsUnavailable } from '../helpers/tmpfs.js';

const missing = ['useradd', 'userdel', 'setpriv', 'unshare'].filter((c) => !hasCommand(c));
const skip = !IS_ROOT ? 'needs root to create a second user' : missing.length > 0 ? `needs ${missing.join(', ')}` : false;
const OTHER = `p2pchat-t${process.pid % 100_000}`;
let other = { uid: -1, gid: -1 };
const children: ChildProcess[] = [];
const dirs: string[] = [];

/** A temporary directory that after() removes. */
function temp(): string {
  const dir = tempHome();
  dirs.push(dir);
  return dir;
}
const DAEMON_ARGS = ['daemon', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'];

before(() => {
  if (skip) return;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER]);
  other = {
    uid: Number(execFileSync('id', ['-u', OTHER], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', OTHER], { encoding: 'utf8' })),
  };
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stopAllThen(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    if (!skip) execFileSync('userdel', [OTHER], { stdio: 'ignore' });
  });
});

/** A refusal to start: exit 78, one line on stderr that matches. */
function assertRefused(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 78, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.match(lines[0] as string, pattern);
}

describe('directories another user could control', { skip }, () => {
  it('refuses a data dir that another user owns, and creates nothing in it', async () => {
    const home = temp();
    chownSync(home, other.uid, other.gid);
    assertRefused(await runCli(['--home', home, ...DAEMON_ARGS]), new RegExp(`data directory ${home}: it belongs to uid ${other.uid}`));
    assert.deepEqual(readdirSync(home), []);
  });

  it('refuses a socket directory that another user owns', async () => {
    const sockDir = temp();
    chownSync(sockDir, other.uid, other.gid);
    const result = await runCli(['--home', temp(), '--socket', join(sockDir, 'p.sock'), ...DAEMON_ARGS]);
    assertRefused(result, /socket directory .*belongs to uid/);
  });

  it('refuses a group-writable data dir, and tightens one that others can only read', async () => {
    const home = temp();
    chmodSync(home, 0o770);
    assertRefused(await runCli(['--home', home, ...DAEMON_ARGS]), /writable by other users \(mode 0770\); make it private with chmod 700/);
    chmodSync(home, 0o755);
    const daemon = await new TestDaemon({ name: 'tightened', home }).start();
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.match(daemon.log, /was readable by other users; made it private/);
    await daemon.stop();
  });

  // The fallback directory is /tmp/p2pchat-<uid>: each case runs in a private mount namespace with
  // its own /tmp, so the machine's /tmp is never touched.
  function inPrivateTmp(plant: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const home = `/tmp/h/${'x'.repeat(110)}`;
    const daemon = `${process.execPath} ${CLI} --home ${home} ${DAEMON_ARGS.join(' ')}`;
    // The private /tmp hides everything under the real one: a checkout that lives there (CI may
    // clone anywhere) is bound back at its own path, through /mnt of this private mount namespace.
    const repo = REPO_ROOT.replace(/\/$/, '');
    const keepRepo = repo.startsWith('/tmp/') ? [`mount --bind ${repo} /mnt`] : [];
    const restoreRepo = repo.startsWith('/tmp/') ? [`mkdir -p ${repo}`, `mount --bind /mnt ${repo}`] : [];
    const script = [
      'set -e',
      ...keepRepo,
      'mount -t tmpfs -o mode=1777 tmpfs /tmp',
      ...restoreRepo,
      `mkdir -p -m 0700 ${home}`,
      plant,
      'set +e',
      `${daemon} >/dev/null & pid=$!`,
      `for i in $(seq 200); do kill -0 $pid 2>/dev/null || break; ${process.execPath} ${CLI} --home ${home} status >/dev/null 2>&1 && break; sleep 0.1; done`,
      'if kill -0 $pid 2>/dev/null; then stat -c "started %u %a" /tmp/p2pchat-0; kill $pid; fi',
      'wait $pid; echo "exit $?"',
    ].join('\n');
    return new Promise((resolve) => {
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
        env: { ...process.env, XDG_RUNTIME_DIR: '', P2PCHAT_HOME: '' },
      });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const asOther = () => `setpriv --reuid=${other.uid} --regid=${other.gid} --clear-groups`;

  // A private /tmp needs a mount namespace, which needs the same privilege as mounting a tmpfs.
  it('creates the runtime fallback directory 0700 when nobody planted one', { skip: tmpfsUnavailable() }, async () => {
    const result = await inPrivateTmp('true');
    assert.match(result.stdout, /^started 0 700\nexit 0\n$/, result.stderr);
  });

  it('refuses a fallback directory planted by another user, as a directory or a symlink', { skip: tmpfsUnavailable() }, async () => {
    const planted = await inPrivateTmp(`${asOther()} mkdir -m 0755 /tmp/p2pchat-0`);
    assert.match(planted.stdout, /^exit 78\n$/);
    assert.match(
      planted.stderr.trim(),
      new RegExp(`^p2pchat: refusing to use socket directory /tmp/p2pchat-0: it belongs to uid ${other.uid}`),
    );
    const linked = await inPrivateTmp(`${asOther()} mkdir -m 0777 /tmp/trap && ${asOther()} ln -s /tmp/trap /tmp/p2pchat-0`);
    assert.match(linked.stdout, /^exit 78\n$/);
    assert.match(linked.stderr.trim(), /^p2pchat: refusing to use socket directory \/tmp\/p2pchat-0: it is a symbolic link/);
  });
});

/**
 * A stand-in for a daemon: answers every request with 404 unknown_peer and records what it was
 * sent, running as `uid`. Resolves with the socket path once it listens.
 */
async function fakeDaemon(dir: string, uid: number, gid: number): Promise<{ socket: string; received: () => string }> {
  const socket = join(dir, 'p2pchat.sock');
  const record = join(dir, 'received');
  const script = `
    const fs = require('node:fs');
    const body = '{"error":"unknown_peer","message":"no such peer"}';
    require('node:net').createServer((c) => c.on('data', (d) => {
      fs.appendFileSync(${JSON.stringify(record)}, d);
      c.end('HTTP/1.1 404 Not Found\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + body.length + '\\r\\nconnection: close\\r\\n\\r\\n' + body);
    })).listen(${JSON.stringify(socket)});`;
  const child = spawn(process.execPath, ['-e', script], { uid, gid, stdio: 'ignore' });
  children.push(child);
  await waitFor('the fake daemon to listen', () => existsSync(socket));
  return { socket, received: () => (existsSync(record) ? readFileSync(record, 'utf8') : '') };
}

describe('the CLI and a socket it did not expect', { skip }, () => {
  it('sends nothing to a socket another user owns, and says so with exit 6', async () => {
    const dir = temp();
    chownSync(dir, other.uid, other.gid);
    const trap = await fakeDaemon(dir, other.uid, other.gid);
    assert.equal(statSync(trap.socket).uid, other.uid);
    const result = await runCli(['--socket', trap.socket, 'send', 'bob', 'the secret plan']);
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, new RegExp(`refusing to talk to ${trap.socket}: it belongs to uid ${other.uid}.*nothing was sent`));
    const asJson = await runCli(['--socket', trap.socket, 'status', '--json']);
    assert.equal(JSON.parse(asJson.stderr).error, 'untrusted_socket');
    assert.equal(trap.received(), '', 'the other user received nothing');
  });

  it('does talk to the same stand-in when it runs as this user (the check is what stops it)', async () => {
    const dir = temp();
    const mine = await fakeDaemon(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    const result = await runCli(['--socket', mine.socket, 'send', 'bob', 'hello']);
    assert.equal(result.code, 4, result.stderr);
    assert.match(mine.received(), /"text":"hello"/, 'the message text went out');
  });
});

describe('the database at start-up', () => {
  it('refuses an empty database next to an identity key; --reset-database moves it aside and starts', async () => {
    const daemon = await startDaemon({ name: 'emptied' });
    await daemon.stop();
    const db = join(daemon.home, 'p2pchat.db');
    truncateSync(db, 0);
    assertRefused(
      await runCli(['--home', daemon.home, ...DAEMON_ARGS]),
      new RegExp(`database ${db} is empty \\(0 bytes\\).*Restore it from a backup.*--reset-database`),
    );
    assert.equal(statSync(db).size, 0, 'left as it was');
    const reset = new TestDaemon({ name: 'emptied', home: daemon.home, args: [...DAEMON_ARGS.slice(1), '--reset-database'] });
    await reset.start();
    assert.equal((await reset.cli(['status'])).code, 0);
    assert.ok(
      readdirSync(daemon.home).some((f) => /^p2pchat\.db\.bad-\d{8}T\d{6}Z$/.test(f)),
      'the old file was kept',
    );
    await reset.stop();
  });

  it('refuses a database with a damaged page, naming the file, where it used to start and fail every query', async () => {
    const [alice] = await startConnectedPair();
    const lines = Array.from({ length: 1500 }, (_, i) => `history line ${i} ${'z'.repeat(300)}`).join('\n');
    const sent = await alice.cli(['send', 'bob', '--lines'], { input: `${lines}\n` });
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor('all queued', async () => (await alice.json<Message[]>(['history', '-n', '2000'])).length === 1500);
    await alice.stop();
    const db = join(alice.home, 'p2pchat.db');
    assert.equal(existsSync(`${db}-wal`), false, 'a clean stop checkpoints the WAL');
    const size = statSync(db).size;
    assert.ok(size > 64 * 4096, `a database of many pages (${size} bytes)`);
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    closeSync(fd);
    assertRefused(
      await runCli(['--home', alice.home, ...DAEMON_ARGS]),
      new RegExp(`database ${db} is damaged \\(.*Restore it from a backup`),
    );
  });
});

it('a start-up failure that is not a refusal still says why in one line, with exit 1', async () => {
  // SQLite cannot open the database (a directory stands where the file should be): an unexpected
  // fault, not a setting to fix (78), so it exits 1, in one line all the same.
  const home = temp();
  mkdirSync(join(home, 'p2pchat.db'));
  const result = await runCli(['--home', home, 'daemon', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /^p2pchat: daemon failed to start: unable to open database file/);
});
