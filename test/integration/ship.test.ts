// Shipping guards. There is no Docker engine here, so the Dockerfile is replayed without one: a clean
// copy of the repository's tracked files (less .dockerignore) is the build context, the build stage's
// COPY and RUN steps run in a temporary directory, the runtime stage's COPY steps assemble the image's
// files, and the daemon starts from them through the image's ENTRYPOINT and answers its HEALTHCHECK.
// Also: the systemd units pass systemd-analyze, and the daemon's logs are what an operator needs.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { EXIT } from '../../src/cli/context.js';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/daemon/daemon.js';
import { DAEMON_EXIT } from '../../src/daemon/run.js';
import { loggerOptions, REDACTED } from '../../src/logger.js';
import type { Message, StatusInfo } from '../../src/types.js';
import { CLI, connectPair, REPO_ROOT, startDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';

const temps: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllThen(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

const repoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

// ---- A Dockerfile, read and replayed ------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions with their line numbers; comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const match = /^(\S+)\s*(.*)$/.exec(pending + line) as RegExpExecArray;
    pending = '';
    out.push({ op: (match[1] as string).toUpperCase(), args: match[2] as string, line: start });
  });
  return out;
}

/** A .dockerignore as a predicate on context-relative paths (globs with *, ?, ** and ! exceptions). */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = glob
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('');
      return { negate, re: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => rules.reduce((ignored, rule) => (rule.re.test(path) ? !rule.negate : ignored), false);
}

interface Image {
  /** The runtime stage's file system: the image's `/app` is `${root}/app`. */
  root: string;
  stages: string[];
  env: Record<string, string>;
  user?: string | undefined;
  volumes: string[];
  exposed: string[];
  healthcheck: string[];
  entrypoint: string[];
  /** RUN steps not replayed: OS packages (the host provides them) and the runtime stage's system setup. */
  skipped: string[];
}

function jsonArray(args: string, where: string): string[] {
  const value: unknown = JSON.parse(args);
  assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'string'), `${where}: expected the JSON array form`);
  return value as string[];
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`\`${command}\` exited ${code}:\n${output}`))));
  });
}

/** This process's environment without what an outer `npm test` adds (npm_config_local_prefix and others). */
function buildEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|INIT_CWD$)/i.test(name)));
}

/**
 * Replays a Dockerfile into `work`: one directory per stage stands in for its file system. Only
 * the instructions p2pchat's Dockerfile uses are known; anything else fails, so that a change to
 * the Dockerfile is a change to this replay too. With `build: false`, reads it without running.
 */
async function replayDockerfile(text: string, context: string, work: string, build = true): Promise<Image> {
  const instructions = parseDockerfile(text);
  const args: Record<string, string> = {};
  const stageRoots = new Map<string, string>();
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  let root = '';
  let workdir = '/';
  let final = false;
  const image: Image = { root, stages: [], env: {}, volumes: [], exposed: [], healthcheck: [], entrypoint: [], skipped: [] };

  for (const [index, { op, args: rest, line }] of instructions.entries()) {
    const where = `Dockerfile line ${line}`;
    switch (op) {
      case 'ARG': {
        const [name, value = ''] = rest.split('=', 2) as [string, string?];
        args[name] = value;
        break;
      }
      case 'FROM': {
        const [from = '', as, name] = rest.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '').split(/\s+/);
        assert.ok(as === undefined || /^as$/i.test(as), `${where}: FROM <image> [AS <name>]`);
        root = join(work, `stage${image.stages.length}`);
        mkdirSync(root, { recursive: true });
        image.stages.push(from);
        if (name) stageRoots.set(name, root);
        workdir = '/';
        final = index === lastFrom;
        image.env = {};
        image.root = root;
        break;
      }
      case 'WORKDIR':
        workdir = posix.resolve(workdir, rest);
        mkdirSync(join(root, workdir), { recursive: true });
        break;
      case 'ENV':
        for (const pair of rest.split(/\s+/)) {
          const [name, value] = pair.split('=', 2);
          assert.ok(name && value !== undefined && !/["'$]/.test(value), `${where}: ENV name=value pairs without quotes or variables`);
          image.env[name] = value;
        }
        break;
      case 'COPY': {
        const words = rest.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        const dest = posix.resolve(workdir, paths.pop() ?? '');
        const intoDir = rest.endsWith('/') || paths.length > 1;
        const base = from === undefined ? context : stageRoots.get(from);
        assert.ok(base, `${where}: unknown stage ${from}`);
        for (const src of paths) {
          const hostSrc = join(base, src);
          if (!build && from !== undefined) continue; // nothing was built to copy from
          assert.ok(existsSync(hostSrc), `${where}: ${src} is not in the ${from === undefined ? 'build context' : `stage ${from}`}`);
          if (!build) continue;
          // A directory's contents go to dest; a file goes into dest when dest is a directory.
          const target = join(root, intoDir && !statSync(hostSrc).isDirectory() ? posix.join(dest, basename(src)) : dest);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(hostSrc, target, { recursive: true, verbatimSymlinks: true });
        }
        break;
      }
      case 'RUN':
        if (final || /^apt-get\s/.test(rest)) {
          image.skipped.push(rest);
          break;
        }
        // Replayed on this machine: an absolute path would reach outside the stage's directory.
        assert.doesNotMatch(rest, /(^|\s)\//, `${where}: the build stage's RUN steps must not use absolute paths`);
        if (build) await sh(rest, join(root, workdir), { ...buildEnv(), ...image.env });
        break;
      case 'USER':
        image.user = rest;
        break;
      case 'VOLUME':
        image.volumes.push(...(rest.startsWith('[') ? jsonArray(rest, where) : rest.split(/\s+/)));
        break;
      case 'EXPOSE':
        image.exposed.push(...rest.split(/\s+/));
        break;
      case 'HEALTHCHECK': {
        const match = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(rest);
        assert.ok(match, `${where}: HEALTHCHECK [options] CMD [...]`);
        image.healthcheck = jsonArray(match[1] as string, where);
        break;
      }
      case 'ENTRYPOINT':
        image.entrypoint = jsonArray(rest, where);
        break;
      default:
        assert.fail(`${where}: the replay does not know ${op}; teach test/integration/ship.test.ts`);
    }
  }
  return image;
}

/** The image's command line on this machine: `node` is this Node, image paths are under the stage root. */
function hostCommand(image: Image, argv: string[]): [string, string[]] {
  const mapped = argv.map((a) =>
    a === 'node' ? process.execPath : a.startsWith('/') && existsSync(join(image.root, a)) ? join(image.root, a) : a,
  );
  return [mapped[0] as string, mapped.slice(1)];
}

function hostEnv(image: Image): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, P2PCHAT_LOG_LEVEL: 'info' };
  for (const [name, value] of Object.entries(image.env)) env[name] = value.startsWith('/') ? join(image.root, value) : value;
  return env;
}

function runImageCommand(image: Image, argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const [cmd, args] = hostCommand(image, argv);
  const result = spawnSync(cmd, args, { env: hostEnv(image), encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The build context: tracked files as they are in the working tree, less what .dockerignore excludes. */
function cleanContext(dir: string): void {
  const ignored = dockerignore(repoFile('.dockerignore'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (ignored(file) || !existsSync(join(REPO_ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(dir, file), { verbatimSymlinks: true });
  }
}

describe('the Dockerfile', () => {
  it('keeps the build context free of local state', () => {
    const ignored = dockerignore(repoFile('.dockerignore'));
    for (const path of [
      'node_modules',
      'node_modules/x/index.js',
      'bench/node_modules',
      'dist/src/cli/main.js',
      'data/p2pchat.db',
      '.git/HEAD',
    ]) {
      assert.ok(ignored(path), `${path} should be kept out of the build context`);
    }
    for (const path of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'bin/p2pchat.js', 'config/default.json']) {
      assert.ok(!ignored(path), `${path} is needed by the build`);
    }
  });

  it('builds in one stage and runs unprivileged in another, with a volume, a health check and the daemon as entry point', async () => {
    const image = await replayDockerfile(repoFile('Dockerfile'), REPO_ROOT, tempDir('p2pchat-dockerfile-'), false);
    assert.equal(image.stages.length, 2, 'a build stage and a runtime stage');
    assert.equal(image.stages[0], image.stages[1], 'the native addon runs on the base it was built on');
    assert.match(image.stages[1] ?? '', /^node:\d+-(\w+-)?slim$/, 'a Node.js slim base');
    assert.ok(image.user && !/^(root|0)(:|$)/.test(image.user), 'runs as a non-root user');
    assert.deepEqual(image.volumes, [image.env.P2PCHAT_HOME], 'the daemon home is the volume');
    assert.equal(image.env.NODE_ENV, 'production');
    const port = /\/tcp\/(\d+)$/.exec((JSON.parse(repoFile('config/default.json')) as { listen: string[] }).listen[0] ?? '')?.[1];
    assert.ok(image.exposed.includes(`${port}/tcp`), `exposes the default port ${port}`);
    assert.ok(image.exposed.includes('5353/udp'), 'exposes mDNS');
    assert.deepEqual(image.entrypoint.slice(-1), ['daemon']);
    assert.deepEqual(
      image.healthcheck.slice(0, -1),
      image.entrypoint.slice(0, -1),
      'the health check asks the daemon through the same CLI',
    );
    assert.equal(image.healthcheck.at(-1), 'status');
    assert.ok(
      image.skipped.some((s) => /ln -s \/app\/bin\/p2pchat\.js \/usr\/local\/bin\/p2pchat/.test(s)),
      'p2pchat is on the PATH for `docker exec`',
    );
  });

  describe('replayed without Docker on a clean copy of the repository', { timeout: 30 * 60_000 }, () => {
    let image: Image;
    let daemon: ChildProcess;
    let log = '';

    before(async () => {
      const context = tempDir('p2pchat-context-');
      cleanContext(context);
      // One npm ci (with a native build of better-sqlite3, minutes on a busy machine), build, prune.
      image = await replayDockerfile(repoFile('Dockerfile'), context, tempDir('p2pchat-image-'));
      for (const volume of image.volumes) {
        mkdirSync(join(image.root, volume), { recursive: true });
        chmodSync(join(image.root, volume), 0o700);
      }
    });

    it('holds production dependencies and compiled JavaScript only', () => {
      const app = join(image.root, 'app');
      assert.ok(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'the native addon was built');
      // The lock file marks packages that only dev dependencies need.
      const lock = JSON.parse(repoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
      const devOnly = Object.entries(lock.packages).filter(([path, entry]) => entry.dev && path.startsWith('node_modules/'));
      assert.ok(devOnly.some(([path]) => path === 'node_modules/typescript'));
      for (const [path] of devOnly) assert.ok(!existsSync(join(app, path)), `${path} is only for development, yet in the image`);
      assert.ok(existsSync(join(app, 'dist/src/cli/main.js')));
      assert.ok(!existsSync(join(app, 'src')) && !existsSync(join(app, 'test')), 'no sources or tests in the image');
      for (const step of image.skipped) {
        for (const path of step.match(/\/app\/\S+/g) ?? []) assert.ok(existsSync(join(image.root, path)), `${path} (in \`RUN ${step}\`)`);
      }
    });

    it('starts the daemon through ENTRYPOINT, passes HEALTHCHECK, and stops on SIGTERM with status 0', async () => {
      const [cmd, args] = hostCommand(image, [...image.entrypoint, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--name', 'shipped']);
      daemon = spawn(cmd, args, { env: hostEnv(image), stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(daemon);
      const collect = (d: Buffer) => {
        log += d.toString();
      };
      daemon.stdout?.on('data', collect);
      daemon.stderr?.on('data', collect);
      const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));

      const health = await waitFor(
        'the health check to pass',
        () => {
          if (daemon.exitCode !== null) throw new Error(`daemon exited ${daemon.exitCode}: ${log}`);
          const result = runImageCommand(image, image.healthcheck);
          return result.code === 0 && result;
        },
        120_000,
        250,
      );
      assert.match(health.stdout, /Peer ID:\s+12D3KooW/);

      const status = JSON.parse(runImageCommand(image, [...image.healthcheck, '--json']).stdout) as StatusInfo;
      const home = join(image.root, image.env.P2PCHAT_HOME ?? '');
      assert.equal(status.version, (JSON.parse(repoFile('package.json')) as { version: string }).version);
      assert.equal(status.name, 'shipped');
      assert.equal(status.dataDir, home);
      assert.equal(status.socket, join(home, 'p2pchat.sock'));
      assert.ok(status.addresses.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/')));
      assert.deepEqual([status.peers, status.messages.outbox], [{ connected: 0, known: 0 }, 0]);
      assert.ok(existsSync(join(home, 'identity.key')) && existsSync(join(home, 'p2pchat.db')), 'state lives in the volume');

      daemon.kill('SIGTERM');
      assert.equal(await exited, DAEMON_EXIT.ok, log);
      const down = runImageCommand(image, image.healthcheck);
      assert.equal(down.code, EXIT.noDaemon, 'the health check fails once the daemon is gone');
    });
  });
});

// ---- systemd -------------------------------------------------------------------------------------

const UNITS = { system: 'config/p2pchat.service', user: 'config/p2pchat-user.service' };
const INSTALLED_AT = '/usr/local/bin/p2pchat';

function unitValues(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] as string);
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('the systemd units', () => {
  it('agree with the daemon: exit status 78 is final, shutdown fits the stop timeout, one home', () => {
    for (const file of Object.values(UNITS)) {
      const unit = repoFile(file);
      assert.deepEqual(unitValues(unit, 'ExecStart'), [`${INSTALLED_AT} daemon`], file);
      assert.deepEqual(unitValues(unit, 'Restart'), ['on-failure'], file);
      assert.deepEqual(unitValues(unit, 'RestartPreventExitStatus'), [String(DAEMON_EXIT.config)], file);
      const stopSeconds = Number(unitValues(unit, 'TimeoutStopSec')[0]);
      assert.ok(stopSeconds * 1000 > SHUTDOWN_TIMEOUT_MS, `${file}: TimeoutStopSec must leave the daemon its ${SHUTDOWN_TIMEOUT_MS} ms`);
    }
    const system = repoFile(UNITS.system);
    assert.deepEqual(unitValues(system, 'User'), ['p2pchat']);
    const [state] = unitValues(system, 'StateDirectory');
    assert.ok(unitValues(system, 'Environment').includes(`P2PCHAT_HOME=/var/lib/${state}`), 'the home is the state directory');
    assert.deepEqual(unitValues(repoFile(UNITS.user), 'User'), [], 'a user unit runs as its user');
  });

  it(
    'pass systemd-analyze verify, and the system unit is well hardened',
    {
      skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed (apt-get install systemd)',
    },
    () => {
      const dir = tempDir('p2pchat-units-');
      const runtime = tempDir('p2pchat-xdg-');
      // verify checks that ExecStart exists: point it at this checkout's CLI instead of the install path.
      const copies = Object.fromEntries(
        Object.entries(UNITS).map(([kind, file]) => {
          const path = join(dir, basename(file));
          writeFileSync(path, repoFile(file).replaceAll(INSTALLED_AT, CLI));
          return [kind, path];
        }),
      ) as typeof UNITS;
      const analyze = (args: string[]) => {
        const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
        return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
      };
      // verify exits 0 on unknown keys and bad values, but prints them: any output is a failure.
      assert.deepEqual(analyze(['verify', copies.system]), { code: 0, output: '' });
      assert.deepEqual(analyze(['--user', 'verify', copies.user]), { code: 0, output: '' });
      // Exposure 0.0 (locked down) to 10.0 (unprotected); --threshold counts in tenths.
      const security = analyze(['security', '--offline=true', '--threshold=20', copies.system]);
      assert.equal(security.code, 0, `exposure above 2.0:\n${security.output}`);
      assert.match(security.output, /Overall exposure level for p2pchat\.service: [01]\.\d/);
    },
  );
});

// ---- Logs ----------------------------------------------------------------------------------------

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [key: string]: unknown;
}

function logLines(log: string): LogLine[] {
  return log
    .trim()
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

describe('daemon logs', () => {
  it('redact message texts whatever a log call passes', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = pino(loggerOptions('debug'), sink);
    log.debug({ text: 'one', message: { text: 'two' }, messages: [{ text: 'three' }], data: { message: { text: 'four' } } }, 'x');
    for (const secret of ['one', 'two', 'three', 'four']) assert.ok(!out.includes(`"${secret}"`), `${secret} leaked: ${out}`);
    assert.equal(out.split(REDACTED).length - 1, 4);
  });

  it('are JSON lines off a terminal, tell an operator what happens, and never contain message texts', async () => {
    const [alice, bob] = await Promise.all([
      startDaemon({ name: 'alice' }),
      startDaemon({ name: 'bob', env: { P2PCHAT_LOG_LEVEL: 'debug' } }),
    ]);
    await connectPair(alice, bob);
    const secret = `private-${randomUUID()}`;
    assert.equal((await alice.json<Message>(['send', 'bob', secret, '--wait'])).state, 'delivered');
    assert.equal((await bob.json<Message>(['send', 'alice', secret, '--wait'])).state, 'delivered');
    assert.equal(await bob.stop(), DAEMON_EXIT.ok);
    await waitFor('alice to log that bob left', () => alice.log.includes('peer disconnected'));
    assert.equal(await alice.stop(), DAEMON_EXIT.ok);

    for (const daemon of [alice, bob]) assert.ok(!daemon.log.includes(secret), `${daemon.name}'s log holds a message text`);
    const aliceLines = logLines(alice.log);
    const bobLines = logLines(bob.log);
    for (const line of [...aliceLines, ...bobLines]) {
      assert.match(line.level, /^(fatal|error|warn|info|debug|trace)$/);
      assert.ok(!Number.isNaN(Date.parse(line.time)), `ISO time: ${line.time}`);
    }
    assert.ok(
      aliceLines.every((l) => l.level !== 'debug'),
      'info level hides debug lines',
    );
    assert.ok(
      bobLines.some((l) => l.level === 'debug'),
      'debug level shows them (and still no text)',
    );

    const ready = aliceLines.find((l) => l.msg === 'p2pchat daemon ready');
    assert.ok(ready, 'a start-up summary');
    assert.equal(ready.peerId, alice.peerId);
    assert.deepEqual(ready.addresses, alice.status.addresses);
    assert.equal(ready.socket, join(alice.home, 'p2pchat.sock'));
    assert.equal(ready.dataDir, alice.home);
    assert.equal(ready.version, alice.status.version);
    assert.ok(aliceLines.some((l) => l.msg === 'peer connected' && l.peer === bob.peerId));
    assert.ok(aliceLines.some((l) => l.msg === 'peer disconnected' && l.peer === bob.peerId));
    assert.ok(aliceLines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'));
    assert.equal(aliceLines.at(-1)?.msg, 'stopped');
  });
});
