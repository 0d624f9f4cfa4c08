// Another mDNS responder on the same host (python3-zeroconf, as Debian ships it) shares UDP 5353
// with the daemon: discovery keeps working for both, whichever started first.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import type { Message } from '../../src/types.js';
import { waitFor, stopAllThen } from '../helpers/daemon.js';
import { discoveryLatency, formatLatency, startTimed, waitFullMesh } from '../helpers/lan.js';
import { type LanHost, netnsUnavailable, TestLan } from '../helpers/netns.js';

/** Registers a service of its own and prints every service of that type it sees, including its own. */
const ZEROCONF_PEER = `
import socket, sys, time
from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf
name, address = sys.argv[1], sys.argv[2]
kind = '_p2pchattest._tcp.local.'
zc = Zeroconf()
def changed(zeroconf, service_type, name, state_change):
    if state_change is ServiceStateChange.Added:
        print('seen ' + name.split('.')[0], flush=True)
browser = ServiceBrowser(zc, kind, handlers=[changed])
zc.register_service(ServiceInfo(kind, name + '.' + kind, addresses=[socket.inet_aton(address)], port=9))
print('registered', flush=True)
while True:
    time.sleep(1)
`;

/** A Python with zeroconf importable, or why there is none. */
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
const responders: Array<{ proc: ChildProcess; output: () => string }> = [];
let lan: TestLan | undefined;
after(async () => {
  for (const r of responders) r.proc.kill('SIGKILL');
  await stopAllThen(() => lan?.destroy());
});

function startResponder(host: LanHost): { proc: ChildProcess; output: () => string } {
  const proc = spawn('ip', ['netns', 'exec', host.ns, zeroconf.python as string, '-c', ZEROCONF_PEER, `zc-${host.name}`, host.address]);
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const responder = { proc, output: () => out };
  responders.push(responder);
  return responder;
}

describe('another mDNS responder on the same host', { skip: netnsUnavailable() ?? zeroconf.reason }, () => {
  it('does not break discovery, and keeps working itself', async (t) => {
    lan = new TestLan();
    const [xHost, yHost, zHost] = ['xen', 'yul', 'zed'].map((name) => (lan as TestLan).addHost(name)) as [LanHost, LanHost, LanHost];
    // On xen the responder is there first; on yul the daemon is.
    const xResponder = startResponder(xHost);
    await waitFor('the responder on xen to register', () => xResponder.output().includes('registered'));
    const [xen, yul] = await Promise.all([xHost.daemon().start(), yHost.daemon().start()]);
    await waitFullMesh([xen, yul]);
    const yResponder = startResponder(yHost);
    await waitFor('the responder on yul to register', () => yResponder.output().includes('registered'));

    // A newcomer is found by both daemons, each sharing UDP 5353 with a responder.
    const zed = await startTimed(zHost.daemon());
    await waitFullMesh([xen, yul, zed]);
    t.diagnostic(`discovery next to other responders: ${formatLatency(await discoveryLatency(zed, [xen, yul]))}`);
    for (const d of [xen, yul]) {
      const m = await zed.json<Message>(['send', d.peerId, `hello ${d.name}`, '--wait']);
      assert.equal(m.state, 'delivered');
    }

    // And the responders still work next to the daemons: they see each other's services.
    await waitFor(
      'the responders to see each other',
      () => xResponder.output().includes('seen zc-yul') && yResponder.output().includes('seen zc-xen'),
    );
    for (const r of [xResponder, yResponder]) assert.equal(r.proc.exitCode, null, `a responder exited:\n${r.output()}`);
  });

  it('a program that holds UDP 5353 alone leaves the daemon running, reachable by address', async () => {
    const host = (lan as TestLan).addHost('own');
    const other = (lan as TestLan).addHost('oth');
    // Bound without SO_REUSEADDR: nobody else can bind the port on this host.
    const holder = spawn('ip', [
      'netns',
      'exec',
      host.ns,
      process.execPath,
      '-e',
      "require('node:dgram').createSocket('udp4').bind(5353, () => console.log('bound'))",
    ]);
    responders.push({ proc: holder, output: () => '' });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const [lonely, reachable] = await Promise.all([host.daemon().start(), other.daemon().start()]);
    const peer = await reachable.json<{ peerId: string }>(['connect', host.multiaddr(lonely.peerId)]);
    assert.equal(peer.peerId, lonely.peerId);
    const m = await lonely.json<Message>(['send', reachable.peerId, 'still here', '--wait']);
    assert.equal(m.state, 'delivered');
  });
});
