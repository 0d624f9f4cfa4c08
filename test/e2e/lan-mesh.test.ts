// A LAN that starts together meshes with one connection per pair (one side of each pair dials, the
// other waits for it), and once meshed its queries name the peers they are connected to as known
// answers, so that those stay silent (RFC 6762 section 7.1) instead of answering every query.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_TIMEOUT_MS, waitFullMesh } from '../helpers/lan.js';
import type { ObservedPacket } from '../helpers/mdns-observer.js';
import { LAN_PORT, type LanHost, netnsUnavailable, TestLan } from '../helpers/netns.js';

const OBSERVER = join(REPO_ROOT, 'dist', 'test', 'helpers', 'mdns-observer.js');
const SERVICE = '_p2p._udp.local';

let lan: TestLan | undefined;
let observer: ChildProcess | undefined;
after(async () => {
  observer?.kill('SIGKILL');
  await stopAllThen(() => lan?.destroy());
});

/** Starts the observer in its own namespace; resolves once it listens, with the packets it saw so far (a live array). */
async function observe(host: LanHost): Promise<ObservedPacket[]> {
  const seen: ObservedPacket[] = [];
  const proc = spawn('ip', ['netns', 'exec', host.ns, process.execPath, OBSERVER]);
  observer = proc;
  let buffer = '';
  let listening = false;
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = JSON.parse(line) as ObservedPacket | { listening: true };
      if ('listening' in parsed) listening = true;
      else seen.push(parsed);
    }
  });
  await waitFor('the mDNS observer to listen', () => listening);
  return seen;
}

/** TCP connections between the daemons' ports, counted in each namespace where they arrived: remote address → count. */
function inboundConnections(host: LanHost): Map<string, number> {
  const out = host.exec('ss', '-Htn', 'state', 'established', `( sport = :${LAN_PORT} )`);
  const counts = new Map<string, number>();
  for (const line of out.split('\n').filter(Boolean)) {
    const peer = line.trim().split(/\s+/).at(-1)?.replace(/:\d+$/, '') ?? '';
    counts.set(peer, (counts.get(peer) ?? 0) + 1);
  }
  return counts;
}

describe('a LAN that starts together', { skip: netnsUnavailable() }, () => {
  it('meshes with one connection per pair, and queries then name the connected peers as known answers', async (t) => {
    lan = new TestLan();
    const names = ['ada', 'bo', 'cy', 'di', 'ed', 'fay'];
    const hosts = names.map((name) => (lan as TestLan).addHost(name));
    const seen = await observe((lan as TestLan).addHost('obs'));
    const daemons: TestDaemon[] = await Promise.all(hosts.map((h) => h.daemon().start()));
    await waitFullMesh(daemons);

    // One connection per pair: each arrived in exactly one of the two namespaces, once.
    const byAddress = new Map(hosts.map((h) => [h.address, h.name]));
    const pairs = new Map<string, number>();
    for (const host of hosts) {
      for (const [from, count] of inboundConnections(host)) {
        const key = [host.name, byAddress.get(from) ?? from].sort().join('-');
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    t.diagnostic(`connections: ${[...pairs.values()].reduce((a, b) => a + b, 0)} for ${pairs.size} pairs`);
    assert.equal(pairs.size, (names.length * (names.length - 1)) / 2, `pairs connected: ${[...pairs.keys()].join(' ')}`);
    for (const [pair, count] of pairs) assert.equal(count, 1, `${pair} has ${count} connections`);

    // Each daemon's queries (they go on at growing intervals) come to list all the others:
    // meshed, they do not answer them.
    const meshedAt = seen.length;
    for (const [i, host] of hosts.entries()) {
      const others = daemons.filter((_, j) => j !== i).map((d) => `${d.peerId}.${SERVICE}`);
      await waitFor(
        `a query from ${host.name} that lists the ${others.length} others as known answers`,
        () => seen.slice(meshedAt).some((p) => p.kind === 'query' && p.from === host.address && others.every((o) => p.ptrs.includes(o))),
        LAN_TIMEOUT_MS,
      );
    }
    const answers = seen.slice(meshedAt).filter((p) => p.kind === 'response' && p.ptrs.some((ptr) => ptr.endsWith(SERVICE)));
    t.diagnostic(`after the mesh: ${seen.length - meshedAt} packets, ${answers.length} of them answers with a service PTR`);
  });
});
