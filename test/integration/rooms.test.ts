// Rooms between real daemons on 127.0.0.1: every member gets every message exactly once and in
// the same order, live through gossip and later through sync; a private room by invitation;
// events with since= replay; watch shows the room; a SIGKILLed member loses nothing it accepted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import { positionOf } from '../../src/rooms/room-order.js';
import type { ChatEvent, RoomInfo, RoomInvitation, RoomMember, RoomMessage, SentRoomMessage } from '../../src/types.js';
import { capture, CLI, connectPair, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';

let a: TestDaemon;
let b: TestDaemon;
let c: TestDaemon;
// A short sync interval: a member that missed gossip catches up within seconds.
const env = { P2PCHAT_ROOMS_SYNC_INTERVAL_SECONDS: '2' };

before(async () => {
  [a, b, c] = (await Promise.all(['a', 'b', 'c'].map((name) => startDaemon({ name, env })))) as [TestDaemon, TestDaemon, TestDaemon];
  // A line: a and c meet only through b, which must pass messages on.
  await connectPair(a, b);
  await connectPair(b, c);
});
after(stopAll);

async function history(d: TestDaemon, room: string): Promise<RoomMessage[]> {
  return d.json<RoomMessage[]>(['room', 'history', room, '-n', '100000']);
}

/** Each message as author/seq: what must be identical, in the same order, at every member. */
const keys = (messages: RoomMessage[]) => messages.map((m) => `${m.author}/${m.seq}`);

async function converged(room: string, members: TestDaemon[], count: number): Promise<RoomMessage[]> {
  return waitFor(
    `${members.map((m) => m.name).join(', ')} to hold the same ${count} messages of ${room}`,
    async () => {
      const all = await Promise.all(members.map((m) => history(m, room)));
      const first = keys(all[0] as RoomMessage[]);
      if (first.length !== count) return undefined;
      return all.every((h) => keys(h).join() === first.join()) ? (all[0] as RoomMessage[]) : undefined;
    },
    30_000,
    250,
  );
}

it('an open room: every member gets every message once, in the same order, through a member in between', async () => {
  for (const d of [a, b, c]) assert.equal((await d.json<RoomInfo>(['room', 'join', '#office'])).name, 'office');
  // The three write at once; each writes its own lines one after the other.
  const sendFive = async (d: TestDaemon) => {
    const sent: SentRoomMessage[] = [];
    for (let i = 0; i < 5; i++) sent.push(await d.json<SentRoomMessage>(['room', 'send', 'office', `${d.name} ${i}`]));
    return sent;
  };
  const sent = (await Promise.all([a, b, c].map(sendFive))).flat();
  assert.equal(new Set(sent.map((m) => `${m.author}/${m.seq}`)).size, 15);
  const h = await converged('office', [a, b, c], 3 + 15);
  assert.equal(new Set(keys(h)).size, h.length, 'no message twice');
  // Each author's messages in its own order, and the room order is (lamport, author) everywhere.
  for (const d of [a, b, c]) {
    const own = h.filter((m) => m.author === d.peerId && m.kind === 'text').map((m) => m.text);
    assert.deepEqual(
      own,
      [0, 1, 2, 3, 4].map((i) => `${d.name} ${i}`),
    );
  }
  for (let i = 1; i < h.length; i++) {
    const [p, q] = [h[i - 1] as RoomMessage, h[i] as RoomMessage];
    assert.ok(p.lamport < q.lamport || (p.lamport === q.lamport && p.author < q.author), 'ordered by (lamport, author)');
  }
  const members = await a.json<RoomMember[]>(['room', 'members', 'office']);
  assert.deepEqual(members.map((m) => m.peerId).sort(), [a.peerId, b.peerId, c.peerId].sort());
  const list = await c.json<RoomInfo[]>(['room', 'list']);
  assert.equal(list.find((r) => r.name === 'office')?.members, 3);
});

it('room messages are events: replayed with since=, and watch shows them with the room name', async () => {
  const sent = await a.json<SentRoomMessage>(['room', 'send', 'office', 'for the event stream']);
  const arrived = await waitFor('the message at c', async () =>
    (await history(c, 'office')).find((m) => m.text === 'for the event stream'),
  );
  assert.equal(arrived.author, a.peerId);
  const events: ChatEvent[] = [];
  const stream = c.client.events(0, (e) => events.push(e));
  await waitFor('the replay to reach the message', () =>
    events.some((e) => e.type === 'room-message' && (e.data.message as RoomMessage).text === 'for the event stream'),
  );
  stream.close();
  const texts = events
    .filter((e) => e.type === 'room-message')
    .map((e) => `${(e.data.message as RoomMessage).author}/${(e.data.message as RoomMessage).seq}`);
  assert.equal(new Set(texts).size, texts.length, 'each room message is one event');
  assert.ok(sent.eventId > 0);
  const watch = spawn(process.execPath, [CLI, '--home', c.home, 'watch', '--since', '0']);
  const out = capture(watch);
  try {
    await waitFor('watch to show the room message', () => /#office a \(.*\): for the event stream/.test(out.out()));
  } finally {
    watch.kill();
  }
});

it('room chat through pipes: lines go to the room, other members’ lines appear, end of input leaves', async () => {
  const child = spawn(process.execPath, [CLI, '--home', a.home, 'room', 'chat', 'office']);
  const out = capture(child);
  try {
    await waitFor('the chat banner', () => out.out().includes('Chatting in #office'));
    child.stdin.write('typed in room chat\n');
    await waitFor('b to get the line', async () => (await history(b, 'office')).some((m) => m.text === 'typed in room chat'));
    await b.json<SentRoomMessage>(['room', 'send', 'office', 'answer from b']);
    await waitFor('the answer in the chat', () => /#office b \(.*\): answer from b/.test(out.out()));
    child.stdin.end();
    assert.equal(await out.exit, 0);
  } finally {
    child.kill();
  }
});

it('a private room: joined by invitation, texts encrypted, a non-member neither holds nor reads them', async () => {
  const lab = await a.json<RoomInfo>(['room', 'create', 'lab', '--private']);
  assert.equal(lab.private, true);
  const inv = await a.json<RoomInvitation>(['room', 'invite', 'lab']);
  assert.match(inv.invitation, /^p2pchat-room:/);
  await c.json<RoomInfo>(['room', 'join', inv.invitation]);
  await c.json<SentRoomMessage>(['room', 'send', 'lab', 'secret from c']);
  await a.json<SentRoomMessage>(['room', 'send', 'lab', 'secret from a']);
  const h = await converged('lab', [a, c], 4);
  assert.deepEqual(
    h
      .filter((m) => m.kind === 'text')
      .map((m) => m.text)
      .sort(),
    ['secret from a', 'secret from c'],
  );
  // b relays gossip between a and c but is not in the room: it holds nothing of it.
  assert.equal(
    (await b.json<RoomInfo[]>(['room', 'list'])).some((r) => r.id === lab.id),
    false,
  );
  // Joining by name gives an open room of that name, never the private one.
  const openLab = await b.json<RoomInfo>(['room', 'join', 'lab']);
  assert.notEqual(openLab.id, lab.id);
  assert.equal(openLab.private, false);
});

it('refuses what a room cannot hold: unknown rooms, bad names, empty and oversized texts, bad invitations', async () => {
  const fails = async (args: string[], pattern: RegExp) => {
    const r = await a.cli([...args, '--json']);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, pattern);
  };
  await fails(['room', 'send', 'nowhere', 'hi'], /no room nowhere/);
  await fails(['room', 'create', 'bad name!'], /room name/);
  await fails(['room', 'send', 'office', 'x'.repeat(16_385)], /at most 16384/);
  await fails(['room', 'join', 'p2pchat-room:garbage'], /not a valid room invitation/);
  const status = await a.client.request<{ peerId: string }>('GET', '/v1/status');
  assert.equal(status.peerId, a.peerId, 'still healthy');
});

it('pages back through a room with before=: every message once, in order, and older pages leave the unread count alone', async () => {
  const all = await history(a, 'office');
  assert.ok(all.length >= 10, `enough history to page (${all.length})`);
  const unread = async () => (await a.json<RoomInfo[]>(['room', 'list'])).find((r) => r.name === 'office')?.unread;
  for (let i = 0; i < 3; i++) await b.json<SentRoomMessage>(['room', 'send', 'office', `unread ${i}`]);
  await waitFor('a to get them', async () => (await unread()) === 3);
  // Pages of 4, from the end of what a showed back to the room's first message, through the CLI.
  const paged: RoomMessage[] = [];
  let page = all.slice(-4);
  while (page.length > 0) {
    assert.ok(paged.length < all.length, 'paging ends at the first message');
    paged.unshift(...page);
    const first = page[0] as RoomMessage;
    page = await a.json<RoomMessage[]>(['room', 'history', 'office', '-n', '4', '--before', positionOf(first)]);
  }
  assert.deepEqual(keys(paged), keys(all), 'the pages together are the whole history, in order, nothing twice');
  assert.equal(await unread(), 3, 'reading older pages marks nothing read');
  const read = await a.client.request<RoomInfo>('POST', '/v1/rooms/read', { room: 'office' });
  assert.deepEqual([read.name, read.unread], ['office', 0]);
  assert.equal(await unread(), 0);
  const bad = await a.client.request('GET', `/v1/rooms/office/messages?before=${encodeURIComponent('12:not base58!')}`).then(
    () => 'answered',
    (err: Error) => err.message,
  );
  assert.match(bad, /before: expected <lamport>:<author>/);
});

it('SIGKILL right after sends were accepted: they are all there after restart, seqs go on without reuse', async () => {
  const accepted = await Promise.all(
    Array.from({ length: 20 }, (_, i) => b.json<SentRoomMessage>(['room', 'send', 'office', `burst ${i}`])),
  );
  await b.kill();
  await b.start();
  const h = await history(b, 'office');
  for (const m of accepted)
    assert.ok(
      h.some((x) => x.author === m.author && x.seq === m.seq && x.text === m.text),
      `#${m.seq} kept`,
    );
  const next = await b.json<SentRoomMessage>(['room', 'send', 'office', 'after the restart']);
  assert.equal(next.seq, Math.max(...accepted.map((m) => m.seq)) + 1);
  await connectPair(a, b);
  await connectPair(b, c);
  const total = (await history(b, 'office')).length;
  await converged('office', [a, b, c], total);
});

it('leaving: members are told, the room stays listed as left, and writing to it is refused', async () => {
  const left = await c.json<RoomInfo>(['room', 'leave', 'office']);
  assert.equal(left.member, false);
  await waitFor(
    'a to see c leave',
    async () => !(await a.json<RoomMember[]>(['room', 'members', 'office'])).some((m) => m.peerId === c.peerId),
  );
  const r = await c.cli(['room', 'send', 'office', 'still here?']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /you left #office/);
});

it('joining a known room again by its id joins that room, not a new one named after the id', async () => {
  const office = (await c.json<RoomInfo[]>(['room', 'list'])).find((r) => r.name === 'office') as RoomInfo;
  assert.equal(office.member, false, 'c left it in the test before');
  const again = await c.json<RoomInfo>(['room', 'join', office.id]);
  assert.deepEqual([again.id, again.name, again.member], [office.id, 'office', true]);
  assert.equal((await c.json<RoomInfo[]>(['room', 'list'])).filter((r) => r.name === office.id).length, 0);
});

it('presence: a member that goes and comes back is one event each way, and watch shows it', async () => {
  const bInOffice = async () => (await a.json<RoomMember[]>(['room', 'members', 'office'])).find((m) => m.peerId === b.peerId)?.online;
  await waitFor('b online in #office at a', bInOffice);
  const events: ChatEvent[] = [];
  const stream = a.client.events(undefined, (e) => events.push(e));
  await a.client.request('GET', '/v1/status');
  const ofB = () => events.filter((e) => e.type === 'room-presence' && e.data.peerId === b.peerId && e.data.roomName === 'office');
  try {
    await b.stop();
    await waitFor('a to be told b went', () => ofB().length === 1);
    await b.start();
    await connectPair(a, b);
    await waitFor('a to be told b is back', () => ofB().length === 2);
    assert.equal(await bInOffice(), true);
  } finally {
    stream.close();
  }
  assert.deepEqual(
    ofB().map((e) => e.data.online),
    [false, true],
  );
  const watch = spawn(process.execPath, [CLI, '--home', a.home, 'watch', '--since', String((ofB()[0] as ChatEvent).id - 1)]);
  const out = capture(watch);
  try {
    await waitFor('watch to show both', () => /#office \* b \(.*\) went offline[\s\S]*#office \* b \(.*\) is online/.test(out.out()));
  } finally {
    watch.kill();
  }
});
