// Rooms on a LAN of five daemons in network namespaces, found by mDNS: every message reaches every
// member exactly once and in the same order; a member that was stopped catches up from the others
// after the author is gone; a partition where both halves keep talking heals into one history; a
// member SIGKILLed in the middle of a burst loses nothing and doubles nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { RoomMessage, SentRoomMessage } from '../../src/types.js';
import { type TestDaemon, waitFor, stopAllThen } from '../helpers/daemon.js';
import { LAN_TIMEOUT_MS, waitFullMesh } from '../helpers/lan.js';
import { type LanHost, netnsUnavailable, TestLan } from '../helpers/netns.js';

let lan: TestLan | undefined;
let hosts: LanHost[] = [];
let daemons: TestDaemon[] = [];
const env = { P2PCHAT_ROOMS_SYNC_INTERVAL_SECONDS: '3' };

after(() => stopAllThen(() => lan?.destroy()));

async function history(d: TestDaemon): Promise<RoomMessage[]> {
  return d.json<RoomMessage[]>(['room', 'history', 'office', '-n', '100000']);
}

const keys = (messages: RoomMessage[]) => messages.map((m) => `${m.author}/${m.seq}`);

/** Waits until every daemon holds the same `count` messages in the same order; returns that history. */
async function converged(members: TestDaemon[], count: number): Promise<RoomMessage[]> {
  let last = '';
  return waitFor(
    `${members.map((m) => m.name).join(', ')} to hold the same ${count} messages`,
    async () => {
      const all = await Promise.all(members.map(history));
      last = all.map((h, i) => `${members[i]?.name}: ${h.length}`).join(', ');
      const first = keys(all[0] as RoomMessage[]);
      if (first.length !== count) return undefined;
      return all.every((h) => keys(h).join() === first.join()) ? (all[0] as RoomMessage[]) : undefined;
    },
    LAN_TIMEOUT_MS * 2,
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last seen: ${last})`);
  });
}

function assertExactlyOnce(h: RoomMessage[]): void {
  assert.equal(new Set(keys(h)).size, h.length, 'no message twice');
  const byAuthor = new Map<string, number[]>();
  for (const m of h) byAuthor.set(m.author, [...(byAuthor.get(m.author) ?? []), m.seq]);
  for (const [author, seqs] of byAuthor) {
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      `${author}: every seq, in order, no gap`,
    );
  }
}

async function send(d: TestDaemon, text: string): Promise<SentRoomMessage> {
  return d.json<SentRoomMessage>(['room', 'send', 'office', text]);
}

/**
 * Connects `d` to every other daemon with `connect` (mDNS finds them too; this does not wait for it,
 * and a busy machine can make discovery slow).
 */
async function connectToAll(d: TestDaemon): Promise<void> {
  for (const other of daemons) {
    if (other === d || other.proc?.exitCode !== null || other.proc.signalCode !== null) continue;
    const r = await d.cli(['connect', (hosts[daemons.indexOf(other)] as LanHost).multiaddr(other.peerId)]);
    if (r.code !== 0) throw new Error(`${d.name} could not connect to ${other.name}: ${r.stderr}`);
  }
}

/** Moves a host's switch port to another bridge: the same subnet, but cut off from the first bridge. */
function movePort(host: LanHost, bridge: string): void {
  execFileSync('ip', ['-n', (lan as TestLan).switchNs, 'link', 'set', `h${(lan as TestLan).hostIndex(host)}i0`, 'master', bridge]);
}

describe('rooms on a LAN', { skip: netnsUnavailable() }, () => {
  before(async () => {
    lan = new TestLan();
    lan.addBridge();
    hosts = ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => (lan as TestLan).addHost(name));
    daemons = await Promise.all(hosts.map((h) => h.daemon({ env }).start()));
    for (const d of daemons) await connectToAll(d);
    await waitFullMesh(daemons);
    for (const d of daemons) await d.json(['room', 'join', 'office']);
  });

  it('five daemons, one open room: every message reaches every member exactly once, in the same order', async () => {
    const writeTen = async (d: TestDaemon) => {
      for (let i = 0; i < 10; i++) await send(d, `${d.name} ${i}`);
    };
    await Promise.all(daemons.map(writeTen));
    const h = await converged(daemons, 5 + 50);
    assertExactlyOnce(h);
  });

  it('the author sends 100 while eve is stopped, then stops; eve gets all 100 from the others', async () => {
    const [ann, , , , eve] = daemons as [TestDaemon, TestDaemon, TestDaemon, TestDaemon, TestDaemon];
    const others = daemons.slice(1, 4);
    const before = (await history(ann)).length;
    await eve.stop();
    for (let i = 0; i < 100; i++) await send(ann, `while eve is away ${i}`);
    await converged([ann, ...others], before + 100);
    await ann.stop();
    await eve.start();
    await connectToAll(eve);
    const h = await converged([eve, ...others], before + 100);
    assertExactlyOnce(h);
    assert.equal(h.filter((m) => m.text.startsWith('while eve is away')).length, 100);
    await ann.start();
    await connectToAll(ann);
    await waitFullMesh(daemons);
  });

  it('a partition where both halves keep talking heals into one history, nothing lost or doubled', async () => {
    const [ann, ben, cat, dan, eve] = daemons as [TestDaemon, TestDaemon, TestDaemon, TestDaemon, TestDaemon];
    const before = (await converged(daemons, (await history(ben)).length)).length;
    // cat, dan and eve go to the second bridge: two halves that cannot reach each other.
    for (const host of hosts.slice(2)) movePort(host, 'br2');
    try {
      await Promise.all([
        (async () => {
          for (let i = 0; i < 10; i++) await send(i % 2 ? ann : ben, `left half ${i}`);
        })(),
        (async () => {
          for (let i = 0; i < 10; i++) await send([cat, dan, eve][i % 3] as TestDaemon, `right half ${i}`);
        })(),
      ]);
    } finally {
      for (const host of hosts.slice(2)) movePort(host, 'br1');
    }
    // Reconnect across the former partition at once, instead of waiting for dead connections to time out.
    await connectToAll(ann);
    await connectToAll(ben);
    const h = await converged(daemons, before + 20);
    assertExactlyOnce(h);
  });

  it('a member SIGKILLed in the middle of a burst: after its restart, no loss and no duplicate', async () => {
    const [ann, ben, cat] = daemons as [TestDaemon, TestDaemon, TestDaemon];
    const before = (await history(ann)).length;
    const burst = (async () => {
      for (let i = 0; i < 60; i++) await send(ann, `burst ${i}`);
    })();
    await waitFor('ben to be in the middle of the burst', async () => (await history(ben)).some((m) => m.text === 'burst 20'));
    await ben.kill();
    // The author too, right after an accepted send: what it accepted must be there after restart.
    await burst;
    const accepted = await send(cat, 'accepted just before the kill');
    await cat.kill();
    await Promise.all([ben.start(), cat.start()]);
    await connectToAll(ben);
    await connectToAll(cat);
    await waitFullMesh(daemons);
    const h = await converged(daemons, before + 61);
    assertExactlyOnce(h);
    assert.ok(h.some((m) => m.author === accepted.author && m.seq === accepted.seq));
  });
});
