// Member presence as the rooms part decides it: who is online in a room is a member (its latest
// membership message a join) subscribed to the room's topic, never this daemon itself; changes are
// published once, whatever number of signals announced them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PresenceEvent, presenceChanges, RoomPresence } from '../../src/rooms/room-presence.js';

function world() {
  const state = {
    rooms: [{ id: 'r1', name: 'office' }],
    members: new Map<string, string[]>([['r1', ['self', 'ann', 'bob', 'cat']]]),
    subscribers: new Map<string, string[]>([['r1', []]]),
    published: [] as PresenceEvent[][],
  };
  const presence = new RoomPresence({
    self: 'self',
    joinedRooms: () => state.rooms,
    members: (room) => state.members.get(room) ?? [],
    subscribers: (room) => state.subscribers.get(room) ?? [],
    peerName: (id) => (id === 'ann' ? 'Ann' : null),
    publish: (events) => state.published.push(events),
    watch: () => () => {},
    failed: (err: Error) => {
      throw err;
    },
  });
  presence.start();
  return { state, presence };
}

const summary = (events: PresenceEvent[] | undefined) => (events ?? []).map((e) => `${e.roomName}:${e.peerId}:${e.online ? 'on' : 'off'}`);

describe('room presence', () => {
  it('says who came and who went between two sets', () => {
    assert.deepEqual(presenceChanges(new Set(['a', 'b']), new Set(['b', 'c'])), { online: ['c'], offline: ['a'] });
    assert.deepEqual(presenceChanges(new Set(['a']), new Set(['a'])), { online: [], offline: [] });
  });

  it('publishes members that subscribe or go, only members, never itself, each change once', () => {
    const { state, presence } = world();
    state.subscribers.set('r1', ['self', 'ann', 'stranger']);
    presence.update();
    presence.update();
    assert.deepEqual(state.published.map(summary), [['office:ann:on']], 'a subscriber that is no member is not online');
    assert.equal(state.published[0]?.[0]?.name, 'Ann');
    state.subscribers.set('r1', ['bob', 'stranger']);
    presence.update();
    assert.deepEqual(summary(state.published[1]), ['office:ann:off', 'office:bob:on']);
  });

  it('a subscriber whose join arrives later comes online then; one that leaves the room goes', () => {
    const { state, presence } = world();
    state.subscribers.set('r1', ['dan']);
    presence.update();
    assert.equal(state.published.length, 0);
    state.members.set('r1', ['self', 'dan']);
    presence.update();
    assert.deepEqual(summary(state.published[0]), ['office:dan:on']);
    state.members.set('r1', ['self']);
    presence.update();
    assert.deepEqual(summary(state.published[1]), ['office:dan:off']);
  });

  it('starts from where things stand, and forgets a room this daemon left', () => {
    const { state, presence } = world();
    state.subscribers.set('r1', ['ann']);
    // Joined at start with ann already there: nothing to announce about the past.
    const fresh = new RoomPresence({
      self: 'self',
      joinedRooms: () => state.rooms,
      members: (room) => state.members.get(room) ?? [],
      subscribers: (room) => state.subscribers.get(room) ?? [],
      peerName: () => null,
      publish: (events) => state.published.push(events),
      watch: () => () => {},
      failed: () => {},
    });
    fresh.start();
    fresh.update();
    assert.equal(state.published.length, 0);
    state.rooms = [];
    presence.update();
    assert.equal(state.published.length, 0, 'a room left says nothing about its members');
    state.rooms = [{ id: 'r1', name: 'office' }];
    presence.update();
    assert.deepEqual(summary(state.published[0]), ['office:ann:on'], 'joined again: who is there is news');
  });

  it('reports a comparison it could not record (a full disk) instead of throwing from its timer', async () => {
    const failures: string[] = [];
    let subscribers: string[] = [];
    const presence = new RoomPresence({
      self: 'self',
      joinedRooms: () => [{ id: 'r1', name: 'office' }],
      members: () => ['ann'],
      subscribers: () => subscribers,
      peerName: () => null,
      publish: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      watch: () => () => {},
      failed: (err) => failures.push(err.message),
    });
    presence.start();
    subscribers = ['ann'];
    presence.changed();
    presence.changed();
    while (failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    presence.stop();
    assert.deepEqual(failures, ['SQLITE_FULL: database or disk is full'], 'one comparison for both signals');
  });
});
