// The web app's pure room helpers (web/src/room-lines.ts): the room's order, each line once, and
// whose name a line shows. The app's sources are bundled for the browser, not compiled with the
// daemon, so the module is bundled here with the project's esbuild and imported from memory.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { build } from 'esbuild';
import type { PeerInfo, RoomMember, RoomMessage } from '../../src/types.js';

/** What web/src/room-lines.ts exports (declared here: importing its types would compile the app's sources into dist). */
interface RoomLines {
  lineKey(m: RoomMessage): string;
  mergeLines(shown: RoomMessage[], more: RoomMessage[]): RoomMessage[];
  authorNames(
    self: { peerId: string; name: string },
    members: RoomMember[],
    peers: PeerInfo[],
    lines: RoomMessage[],
  ): (peerId: string) => string;
  roomLabel(name: string): string;
}

const SOURCE = fileURLToPath(new URL('../../../web/src/room-lines.ts', import.meta.url));

async function loadRoomLines(): Promise<RoomLines> {
  const out = await build({ entryPoints: [SOURCE], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  const code = (out.outputFiles[0] as { text: string }).text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as RoomLines;
}

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice';
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobB';
const CAROL = '12D3KooWCarolCarolCarolCarolCarolCarolCarolCaro';

function msg(author: string, seq: number, lamport: number, extra: Partial<RoomMessage> = {}): RoomMessage {
  const time = new Date(0).toISOString();
  return {
    room: 'r',
    roomName: 'lab',
    author,
    seq,
    lamport,
    kind: 'text',
    text: `${author.slice(8, 11)} ${seq}`,
    time,
    storedAt: time,
    ...extra,
  };
}

describe('web app room lines', () => {
  let lines: RoomLines;
  before(async () => {
    lines = await loadRoomLines();
  });

  it('orders by Lamport number, then author, as every member does', () => {
    const merged = lines.mergeLines([msg(BOB, 1, 2), msg(ALICE, 2, 3)], [msg(CAROL, 1, 2), msg(ALICE, 1, 1)]);
    assert.deepEqual(
      merged.map((m) => [m.author, m.seq]),
      [
        [ALICE, 1],
        [BOB, 1],
        [CAROL, 1],
        [ALICE, 2],
      ],
    );
  });

  it('keeps each (author, seq) once, however often it arrives (page, live event, the send’s answer)', () => {
    const page = [msg(ALICE, 1, 1), msg(BOB, 1, 2)];
    const merged = lines.mergeLines(lines.mergeLines(page, [msg(BOB, 1, 2)]), [...page, msg(BOB, 2, 3)]);
    assert.deepEqual(merged.map(lines.lineKey), [`${ALICE}/1`, `${BOB}/1`, `${BOB}/2`]);
  });

  it('names authors: yourself marked, then the members list, then peers, then a join claim, then a short id', () => {
    const members: RoomMember[] = [{ peerId: BOB, name: 'Bobby (petname)', self: false, online: true, joinedAt: '' }];
    const peers = [
      { peerId: BOB, name: 'bob' },
      { peerId: CAROL, name: 'carol' },
    ] as PeerInfo[];
    const claims = [
      msg(CAROL, 1, 1, { kind: 'join', text: '', name: 'carol claims' }),
      msg(ALICE, 1, 1, { kind: 'join', text: '', name: 'me' }),
    ];
    const dave = '12D3KooWDaveDaveDaveDaveDaveDaveDaveDaveDaveDave';
    const nameOf = lines.authorNames({ peerId: ALICE, name: 'alice' }, members, peers, [
      ...claims,
      msg(dave, 1, 2, { kind: 'join', text: '', name: '<b>dave</b>' }),
    ]);
    assert.equal(nameOf(ALICE), 'alice (you)');
    assert.equal(nameOf(BOB), 'Bobby (petname)');
    assert.equal(nameOf(CAROL), 'carol');
    assert.equal(nameOf(dave), '<b>dave</b>', 'a claimed name is kept as text, as claimed');
    assert.equal(nameOf('12D3KooWNobodyNobodyNobodyNobodyNobodyNobody1234'), '12D3KooWNobo…dy1234');
  });

  it('labels rooms with #', () => {
    assert.equal(lines.roomLabel('office'), '#office');
  });
});
