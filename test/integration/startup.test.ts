// Start-up as a user meets it: a second daemon with nothing but `--home` takes a free port when the
// default one is taken; every bad setting is one line on stderr naming it, exit 78, no stack trace.
// The default port is only ever bound inside a network namespace of this test (only `lo` up).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_PORT } from '../../src/config/listen-address.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { runCli, startDaemon, stopAll, tempHome, waitFor } from '../helpers/daemon.js';
import { rmSync } from 'node:fs';

/** Runs `p2pchat --home H daemon ARGS` and expects a refusal: exit 78 and one line on stderr. */
async function refusal(args: string[], netns?: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const home = tempHome('p2pchat-dmn-');
  try {
    const result = await runCli(['--home', home, 'daemon', '--no-mdns', ...args], { netns, env: { P2PCHAT_LOG_LEVEL: 'silent', ...env } });
    assert.equal(result.code, 78, `exit code for ${args.join(' ')}: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\bat .*\.js:\d+|faultTolerance/);
    return lines[0] as string;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe('one-line start-up errors', () => {
  let taken: Server;
  let takenPort = 0;
  before(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await stopAll();
  });

  for (const [listen, says] of [
    ['/ip4/127.0.0.1/tcp/99999', /listen\.0: .*"99999" is not a TCP port/],
    ['/ip4/127.0.0.1/udp/5000', /listen\.0: .*TCP only/],
    ['/ip4/300.1.1.1/tcp/5000', /listen\.0: .*not an IPv4 address/],
    ['/ip4/127.0.0.1/tcp/5000/extra', /listen\.0: .*unexpected/],
  ] as const) {
    it(`refuses --listen ${listen}`, async () => {
      assert.match(await refusal(['--listen', listen]), says);
    });
  }

  it('refuses an explicit port that is in use, naming the setting', async () => {
    const line = await refusal(['--listen', `/ip4/127.0.0.1/tcp/${takenPort}`]);
    assert.match(line, new RegExp(`^p2pchat: listen: /ip4/127.0.0.1/tcp/${takenPort} is already in use`));
  });

  it('refuses an over-long explicit --socket', async () => {
    const socket = join(tempHome('p2pchat-dmn-'), 'x'.repeat(120));
    try {
      const line = await refusal(['--listen', '/ip4/127.0.0.1/tcp/0', '--socket', socket]);
      assert.match(line, /socket/);
    } finally {
      rmSync(join(socket, '..'), { recursive: true, force: true });
    }
  });

  it('refuses bad environment variables, naming them', async () => {
    const listen = ['--listen', '/ip4/127.0.0.1/tcp/0'];
    assert.match(await refusal(listen, undefined, { P2PCHAT_TRUST_INBOUND: 'everyone' }), /trust\.inbound/);
    assert.match(await refusal(listen, undefined, { P2PCHAT_MDNS_INTERVAL_MS: 'soon' }), /P2PCHAT_MDNS_INTERVAL_MS/);
    assert.match(await refusal([], undefined, { P2PCHAT_LISTEN: '/ip4/127.0.0.1/tcp/70000' }), /listen\.0/);
  });
});

describe('several daemons with nothing but --home', { skip: netnsUnavailable() }, () => {
  const ns = `p2pchat-dmn-${process.pid}`;
  before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  after(async () => {
    try {
      await stopAll();
    } finally {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  });

  it('the second daemon falls back to a free port and says so; an explicit taken port is refused', async () => {
    // Default listen address (0.0.0.0:4747), but inside the namespace, whose only link is lo.
    const first = await startDaemon({ name: 'first', netns: ns, args: ['--no-mdns'] });
    assert.ok(
      first.status.addresses.some((a) => a.includes(`/tcp/${DEFAULT_PORT}/`)),
      first.status.addresses.join(' '),
    );
    const second = await startDaemon({ name: 'second', netns: ns, args: ['--no-mdns'] });
    assert.ok(second.status.addresses.length > 0);
    assert.ok(!second.status.addresses.some((a) => a.includes(`/tcp/${DEFAULT_PORT}/`)), second.status.addresses.join(' '));
    assert.match(second.log, /the default port is taken/);
    // The two talk over the fallback port.
    const connected = await first.cli(['connect', second.address]);
    assert.equal(connected.code, 0, connected.stderr);
    await waitFor('second to see first connected', async () => {
      const peers = await second.json<{ peerId: string; connected: boolean }[]>(['peers']);
      return peers.some((p) => p.peerId === first.peerId && p.connected);
    });
    const line = await refusal(['--listen', `/ip4/0.0.0.0/tcp/${DEFAULT_PORT}`], ns);
    assert.match(line, /^p2pchat: listen: \/ip4\/0\.0\.0\.0\/tcp\/4747 is already in use/);
  });
});
