// Room history retention on real daemons: a member with a count cap or a short maximum age keeps
// the newest messages, each author's newest message and latest join; its sync clock does not go
// back, so later syncs fetch only what is new (no loop fetching the pruned messages again); the
// event stream's replay leaves out what was pruned.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { RoomStats } from '../../src/rooms/rooms.js';
import type { ChatEvent, RoomInfo, RoomMessage, SentRoomMessage } from '../../src/types.js';
import { connectPair, startDaemon, stopAll, tempHome, type TestDaemon, waitFor } from '../helpers/daemon.js';

after(stopAll);

// Sync every second: a member that missed gossip catches up at once, and a clock gone back would show quickly.
const env = { P2PCHAT_ROOMS_SYNC_INTERVAL_SECONDS: '1' };

function startWith(name: string, config: object): Promise<TestDaemon> {
  const home = tempHome(`p2pchat-${name}-`);
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return startDaemon({ name, home, env });
}

const history = (d: TestDaemon) => d.json<RoomMessage[]>(['room', 'history', 'office', '-n', '100000']);
const stats = (d: TestDaemon) => d.client.request<RoomStats>('GET', '/v1/room-stats');
const send = (d: TestDaemon, text: string) => d.client.request<SentRoomMessage>('POST', '/v1/rooms/send', { room: 'office', text });

/** The messages a daemon holds as author/seq, with a and b for the two daemons' peer ids, sorted. */
async function held(d: TestDaemon, names: Record<string, string>): Promise<string[]> {
  return (await history(d)).map((m) => `${names[m.author] ?? '?'}${m.seq}`).sort();
}

let markers = 0;

/** The room-message events of #office a replay from the start brings, as author/seq. */
async function replayed(d: TestDaemon, names: Record<string, string>): Promise<string[]> {
  // Joining a room of its own makes a last event: the replay is whole once it arrives.
  const marker = `marker${++markers}`;
  await d.json<RoomInfo>(['room', 'join', marker]);
  const events: ChatEvent[] = [];
  const stream = d.client.events(0, (e) => events.push(e));
  try {
    await waitFor('the replay to reach the marker', () =>
      events.some((e) => e.type === 'room-message' && (e.data.message as RoomMessage).roomName === marker),
    );
  } finally {
    stream.close();
  }
  return events
    .filter((e) => e.type === 'room-message')
    .map((e) => e.data.message as RoomMessage)
    .filter((m) => m.roomName === 'office')
    .map((m) => `${names[m.author] ?? '?'}${m.seq}`)
    .sort();
}

const seqs = (who: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${who}${from + i}`);

it('a count cap keeps the newest messages, each author’s newest and join; syncs after pruning fetch only what is new', async () => {
  const keep = 5;
  const [a, b] = await Promise.all([
    startDaemon({ name: 'a', env }),
    startWith('b', { history: { maxMessagesPerRoom: keep, pruneIntervalSeconds: 1 } }),
  ]);
  const names = { [a.peerId]: 'a', [b.peerId]: 'b' };
  await connectPair(b, a);
  await a.json<RoomInfo>(['room', 'join', '#office']);
  await b.json<RoomInfo>(['room', 'join', '#office']);
  // a1 is a's join, b1 b's; b writes b2, then a writes a2..a21. b2 is old, but b's newest: b's
  // clock for itself, kept (were it pruned, sync would fetch it from a again, and b would number
  // its next message 2 again).
  await send(b, 'hello from b');
  await waitFor('a to have b2', async () => (await history(a)).length === 3);
  for (let i = 0; i < 20; i++) await send(a, `text ${i}`);
  const expected = ['a1', 'b1', 'b2', ...seqs('a', 17, 21)].sort();
  await waitFor('b to hold the newest five, and the two joins', async () => (await held(b, names)).join() === expected.join());
  assert.equal((await history(a)).length, 23, 'a has no retention: it keeps everything');
  assert.deepEqual(
    (await b.json<{ peerId: string }[]>(['room', 'members', 'office'])).map((m) => names[m.peerId]).sort(),
    ['a', 'b'],
    'the member list survives pruning',
  );
  await waitFor('the replay to leave out the pruned messages', async () => (await replayed(b, names)).join() === expected.join());

  // b goes away; a writes three more; b comes back and syncs. Its clock did not go back, so sync
  // fetches exactly the three new ones (a clock gone back would fetch a2..a16 first, in seq order).
  await b.stop();
  for (let i = 0; i < 3; i++) await send(a, `while b was away ${i}`);
  await b.start();
  await connectPair(b, a);
  await waitFor('b to fetch the new messages', async () => (await history(b)).some((m) => m.author === a.peerId && m.seq === 24));
  assert.equal((await stats(b)).fetchedBySync, 3);
  const after = ['a1', 'b1', 'b2', ...seqs('a', 20, 24)].sort();
  await waitFor('b to prune again to the newest five', async () => (await held(b, names)).join() === after.join());

  // Once more, after that pass: again only what is new.
  await b.stop();
  for (let i = 0; i < 2; i++) await send(a, `second absence ${i}`);
  await b.start();
  await connectPair(b, a);
  await waitFor('b to fetch the two new messages', async () => (await history(b)).some((m) => m.author === a.peerId && m.seq === 26));
  assert.equal((await stats(b)).fetchedBySync, 2);
  await waitFor(
    'b to hold the newest five and the joins',
    async () => (await held(b, names)).join() === ['a1', 'b1', 'b2', ...seqs('a', 22, 26)].sort().join(),
  );
  assert.equal((await stats(b)).fetchedBySync, 2, 'nothing pruned was fetched again');
  assert.match(b.log, /room retention deleted old room messages/);

  // b writes again: its next seq follows its kept newest, and chains to it, so a takes it.
  const sent = await send(b, 'after pruning');
  assert.equal(sent.seq, 3);
  await waitFor('a to store b3', async () => (await history(a)).some((m) => m.author === b.peerId && m.text === 'after pruning'));
  assert.equal((await stats(a)).intake.forked ?? 0, 0);
});

it('a maximum age deletes old room messages but each author’s newest and latest join', async () => {
  const [a, b] = await Promise.all([
    startDaemon({ name: 'a', env }),
    // About 2.6 s.
    startWith('b', { history: { roomMaxAgeDays: 0.00003, pruneIntervalSeconds: 1 } }),
  ]);
  const names = { [a.peerId]: 'a', [b.peerId]: 'b' };
  await connectPair(b, a);
  await a.json<RoomInfo>(['room', 'join', '#office']);
  await b.json<RoomInfo>(['room', 'join', '#office']);
  for (let i = 0; i < 5; i++) await send(a, `old ${i}`);
  await waitFor('b to receive them', async () => (await history(b)).length === 7);
  await waitFor('the old messages to age out', async () => (await held(b, names)).join() === ['a1', 'a6', 'b1'].join(), 30_000);
  const [list] = await b.json<RoomInfo[]>(['room', 'list']);
  assert.equal(list?.messages, 3);
  assert.equal(list?.members, 2);

  // A new message arrives and stays until it is old in turn; a's previous newest then goes.
  await send(a, 'new');
  await waitFor('b to receive it', async () => (await held(b, names)).includes('a7'));
  await waitFor('a6 to go, a7 to stay', async () => (await held(b, names)).join() === ['a1', 'a7', 'b1'].join(), 30_000);
});

/**
 * a writes, b keeps only the newest five messages of each room (pruning every second), c comes
 * late and never syncs on its own: every pull c makes is one the test caused.
 */
async function authorPrunerLatecomer() {
  const [a, b, c] = await Promise.all([
    startDaemon({ name: 'a', env }),
    startWith('b', { history: { maxMessagesPerRoom: 5, pruneIntervalSeconds: 1 } }),
    startDaemon({ name: 'c', env: { P2PCHAT_ROOMS_SYNC_INTERVAL_SECONDS: '3600' } }),
  ]);
  return { a, b, c, names: { [a.peerId]: 'a', [b.peerId]: 'b', [c.peerId]: 'c' } };
}

it('a member that joins late through a pruned member takes history from what it holds, and every message since', async () => {
  const { a, b, c, names } = await authorPrunerLatecomer();
  await connectPair(b, a);
  await a.json<RoomInfo>(['room', 'join', '#office']);
  await b.json<RoomInfo>(['room', 'join', '#office']);
  for (let i = 0; i < 20; i++) await send(a, `text ${i}`);
  const pruned = ['a1', 'b1', ...seqs('a', 17, 21)].sort();
  await waitFor('b to prune to the newest five and the joins', async () => (await held(b, names)).join() === pruned.join());
  await a.stop();

  // c joins through b, which holds a1 and a17..a21 of a's. Those were written before c joined: c
  // takes a's history from a17 on, as b holds it, instead of waiting for a2..a16, which no member
  // online holds.
  await connectPair(c, b);
  await c.json<RoomInfo>(['room', 'join', '#office']);
  await send(b, 'welcome');
  const expected = [...pruned, 'b2', 'c1'].sort();
  await waitFor('c to hold what b holds', async () => (await held(c, names)).join() === expected.join());

  // a comes back and writes: its new message follows a21 in its chain and reaches c at once.
  await a.start();
  await connectPair(c, a);
  await send(a, 'back again');
  await waitFor('c to show a’s new message', async () => (await history(c)).some((m) => m.text === 'back again'));
  const fromA = (await held(c, names)).filter((k) => k.startsWith('a'));
  assert.deepEqual(fromA, ['a1', ...seqs('a', 17, 22)].sort());
});

it('a member that was in the room while what it missed was pruned waits for a member that holds it, and skips nothing', async () => {
  const { a, b, c, names } = await authorPrunerLatecomer();
  await connectPair(b, a);
  await connectPair(c, b);
  for (const d of [a, b, c]) await d.json<RoomInfo>(['room', 'join', '#office']);
  await waitFor('c to hold a’s join', async () => (await held(c, names)).includes('a1'));
  await c.stop();
  for (let i = 0; i < 20; i++) await send(a, `text ${i}`);
  await waitFor(
    'b to prune to the newest five',
    async () => (await held(b, names)).includes('a17') && !(await held(b, names)).includes('a16'),
  );
  await a.stop();

  // Written after c joined: c must not skip a2..a16, so a17..a21 wait in memory.
  await c.start();
  await connectPair(c, b);
  await waitFor('c to hold a17..a21 back', async () => ((await stats(c)).intake.held ?? 0) >= 5);
  assert.deepEqual(
    (await held(c, names)).filter((k) => k.startsWith('a')),
    ['a1'],
  );

  await a.start();
  await connectPair(c, a);
  await waitFor('c to hold all of a’s messages', async () => (await held(c, names)).filter((k) => k.startsWith('a')).length === 21);
});
