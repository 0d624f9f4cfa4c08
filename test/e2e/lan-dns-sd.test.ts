// The daemon as other mDNS stacks see it (RFC 6762/6763): python3-zeroconf (as Debian ships it)
// lists the service type, resolves the daemon's instance with SRV, TXT and an address (a dual-homed
// daemon once per link, with that link's address), and drops it on the goodbye of a clean stop; a
// one-shot (legacy) query from a random port gets a unicast reply.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_TIMEOUT_MS } from '../helpers/lan.js';
import { type LanHost, netnsUnavailable, TestLan } from '../helpers/netns.js';

const LEGACY_QUERY = fileURLToPath(new URL('../helpers/legacy-mdns-query.js', import.meta.url));

/** Browses _p2p._udp, resolves every instance it sees and reports removals; also lists service types once. */
const ZEROCONF_BROWSER = `
import json, time
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf, ZeroconfServiceTypes
kind = '_p2p._udp.local.'
zc = Zeroconf()
def out(**kw):
    print(json.dumps(kw), flush=True)
def changed(zeroconf, service_type, name, state_change):
    if state_change is ServiceStateChange.Added:
        info = zeroconf.get_service_info(service_type, name, timeout=5000)
        if info is None:
            out(unresolved=name)
        else:
            txt = [k.decode() + '=' + (v or b'').decode() for k, v in info.properties.items()]
            out(added=name, port=info.port, server=info.server, addresses=info.parsed_addresses(), txt=txt)
    elif state_change is ServiceStateChange.Removed:
        out(removed=name, at=time.time())
browser = ServiceBrowser(zc, kind, handlers=[changed])
out(types=list(ZeroconfServiceTypes.find(zc=zc, timeout=3)))
while True:
    time.sleep(1)
`;

interface BrowserLine {
  types?: string[];
  added?: string;
  unresolved?: string;
  port?: number;
  server?: string;
  addresses?: string[];
  txt?: string[];
  removed?: string;
  /** Seconds since the epoch. */
  at?: number;
}

function findZeroconf(): { python?: string; reason?: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import zeroconf'], { stdio: 'ignore' });
      return { python };
    } catch {
      // try the next one
    }
  }
  return { reason: 'python3-zeroconf is not installed (apt-get install python3-zeroconf)' };
}

const zeroconf = findZeroconf();
const children: ChildProcess[] = [];
let lan: TestLan | undefined;
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllThen(() => lan?.destroy());
});

class Browser {
  private out = '';

  constructor(host: LanHost) {
    const proc = spawn('ip', ['netns', 'exec', host.ns, zeroconf.python as string, '-c', ZEROCONF_BROWSER]);
    children.push(proc);
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.out += d;
    });
  }

  lines(): BrowserLine[] {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as BrowserLine);
  }

  find(what: string, match: (l: BrowserLine) => boolean): Promise<BrowserLine> {
    return waitFor(what, () => this.lines().find(match), LAN_TIMEOUT_MS).catch((err: Error) => {
      throw new Error(`${err.message}; the browser printed:\n${this.out}`);
    });
  }
}

function instanceOf(daemon: TestDaemon): string {
  return `${daemon.peerId}._p2p._udp.local.`;
}

describe('the daemon seen by other mDNS stacks', { skip: netnsUnavailable() ?? zeroconf.reason }, () => {
  it('python-zeroconf resolves it once per link with that link address, and sees its goodbye', async (t) => {
    lan = new TestLan();
    const second = lan.addBridge();
    const first = lan.bridges[0] as NonNullable<(typeof lan.bridges)[0]>;
    const daemonHost = lan.addHost('dual', [first, second]);
    const [leftHost, rightHost] = [lan.addHost('left', [first]), lan.addHost('right', [second])];
    const daemon = await daemonHost.daemon().start();
    const [left, right] = [new Browser(leftHost), new Browser(rightHost)];

    for (const [browser, iface] of [
      [left, 0],
      [right, 1],
    ] as const) {
      const seen = await browser.find('zeroconf to resolve the daemon', (l) => l.added === instanceOf(daemon));
      assert.equal(seen.port, 4747);
      assert.deepEqual(seen.addresses, [daemonHost.interfaces[iface]?.address], 'the address on the browser\u2019s own link');
      assert.match(seen.server ?? '', /^p2pchat-[a-z0-9]+\.local\.$/);
      assert.deepEqual(seen.txt, [`dnsaddr=${daemonHost.multiaddr(daemon.peerId, iface)}`]);
      const types = await browser.find('zeroconf to list service types', (l) => l.types !== undefined);
      assert.ok(types.types?.includes('_p2p._udp.local.'), `types: ${JSON.stringify(types.types)}`);
    }

    // A clean stop says goodbye: without it, zeroconf would keep the instance for minutes (its TTL).
    const stoppedAt = Date.now();
    await daemon.stop();
    const removed = await Promise.all(
      [left, right].map((b) => b.find('zeroconf to see the goodbye', (l) => l.removed === instanceOf(daemon))),
    );
    t.diagnostic(
      `goodbye seen ${removed.map((r) => Math.round((r.at as number) * 1000 - stoppedAt)).join(' and ')} ms after the stop began`,
    );
  });

  it('a one-shot query from a random port gets a unicast reply with its id, its question and short TTLs', async () => {
    const host = (lan as TestLan).addHost('one');
    const asker = (lan as TestLan).addHost('ask');
    const daemon = await host.daemon().start();
    const reply = await waitFor(
      'a reply to the legacy query',
      () => {
        const line = JSON.parse(asker.exec(process.execPath, LEGACY_QUERY, instanceOf(daemon).slice(0, -1), 'SRV')) as {
          timeout?: boolean;
          from: string;
          port: number;
          id: number;
          questions: unknown[];
          records: Array<{ name: string; type: string; ttl: number; flush: boolean }>;
        };
        return line.timeout ? undefined : line;
      },
      LAN_TIMEOUT_MS,
    );
    assert.equal(reply.from, host.address, 'a unicast reply from the daemon host');
    assert.equal(reply.port, 5353);
    assert.equal(reply.id, 0x1234);
    assert.deepEqual(reply.questions, [{ name: instanceOf(daemon).slice(0, -1), type: 'SRV', class: 'IN' }]);
    assert.deepEqual(
      reply.records.map((r) => r.type),
      ['SRV', 'A'],
    );
    for (const r of reply.records) {
      assert.ok(r.ttl <= 10, `TTL ${r.ttl} capped at 10 s`);
      assert.equal(r.flush, false);
    }
  });
});
