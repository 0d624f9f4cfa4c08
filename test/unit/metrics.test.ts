// The metrics part's decisions: which counter an event moves, the bounded latency clock, and
// connections counted by kind, rooms' refusals read from the intake's counts. No daemon, no registry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countConnections } from '../../src/metrics/connection-kinds.js';
import { DeliveryLatency } from '../../src/metrics/delivery-latency.js';
import { MESSAGE_SERIES, messageTransition } from '../../src/metrics/message-events.js';
import { ROOM_REFUSALS, roomRefusals } from '../../src/metrics/room-metrics.js';
import type { ChatEvent, ChatEventType } from '../../src/types.js';

const event = (type: ChatEventType, data: Record<string, unknown>): ChatEvent => ({ id: 1, type, time: '2026-01-01T00:00:00.000Z', data });

describe('messageTransition', () => {
  it('reads outgoing state changes, with a final sent for plain peers', () => {
    assert.deepEqual(messageTransition(event('message-state-changed', { id: 'a', peerId: 'p', seq: 4, state: 'queued' })), {
      direction: 'out',
      state: 'queued',
      seq: 4,
      final: false,
    });
    assert.equal(messageTransition(event('message-state-changed', { seq: 4, state: 'sent' }))?.final, false);
    assert.equal(messageTransition(event('message-state-changed', { seq: 4, state: 'sent', acked: false }))?.final, true);
  });

  it('reads a received message as incoming', () => {
    assert.deepEqual(messageTransition(event('message-received', { message: { seq: 9, text: 'hi' } })), {
      direction: 'in',
      state: 'received',
      seq: 9,
      final: true,
    });
  });

  it('ignores other events and malformed data', () => {
    assert.equal(messageTransition(event('peer-connected', { peerId: 'p' })), undefined);
    assert.equal(messageTransition(event('message-refused', { peerId: 'p', count: 3, reason: 'quota' })), undefined);
    assert.equal(messageTransition(event('message-state-changed', { seq: 1, state: 'exploded' })), undefined);
    assert.equal(messageTransition(event('message-state-changed', { seq: '1', state: 'queued' })), undefined);
    assert.equal(messageTransition(event('message-state-changed', { seq: 1, state: 'received' })), undefined);
  });

  it('every series it can produce is pre-declared', () => {
    const states = ['queued', 'sent', 'delivered', 'expired', 'failed', 'cancelled'];
    for (const state of states)
      assert.ok(
        MESSAGE_SERIES.some((s) => s.direction === 'out' && s.state === state),
        state,
      );
    assert.ok(MESSAGE_SERIES.some((s) => s.direction === 'in' && s.state === 'received'));
  });
});

describe('DeliveryLatency', () => {
  const clock = () => {
    let now = 1000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('measures from queued to delivered, ignoring sent in between', () => {
    const c = clock();
    const latency = new DeliveryLatency(c.now);
    assert.equal(latency.changed(1, 'queued'), undefined);
    c.advance(3);
    assert.equal(latency.changed(1, 'sent'), undefined);
    c.advance(2);
    assert.equal(latency.changed(1, 'delivered'), 0.005);
    assert.equal(latency.size, 0);
    assert.equal(latency.changed(1, 'delivered'), undefined, 'a second delivered event measures nothing');
  });

  it('measures nothing for messages queued before it ran, or that end otherwise', () => {
    const latency = new DeliveryLatency(clock().now);
    assert.equal(latency.changed(7, 'delivered'), undefined);
    for (const [seq, end] of [
      [1, 'failed'],
      [2, 'expired'],
      [3, 'cancelled'],
    ] as const) {
      latency.changed(seq, 'queued');
      assert.equal(latency.changed(seq, end), undefined);
    }
    latency.changed(4, 'queued');
    assert.equal(latency.changed(4, 'sent', true), undefined, 'a final sent (plain peer) ends the clock');
    assert.equal(latency.size, 0);
  });

  it('a retry restarts the clock', () => {
    const c = clock();
    const latency = new DeliveryLatency(c.now);
    latency.changed(1, 'queued');
    c.advance(1000);
    latency.changed(1, 'failed');
    latency.changed(1, 'queued');
    c.advance(10);
    assert.equal(latency.changed(1, 'delivered'), 0.01);
  });

  it('holds at most maxInFlight clocks, dropping the oldest', () => {
    const latency = new DeliveryLatency(clock().now, 3);
    for (let seq = 1; seq <= 5; seq++) latency.changed(seq, 'queued');
    assert.equal(latency.size, 3);
    assert.equal(latency.changed(1, 'delivered'), undefined, 'the oldest was dropped');
    assert.equal(latency.changed(5, 'delivered'), 0);
  });
});

describe('countConnections', () => {
  it('groups by direction, trust, kind and transport', () => {
    const trust = (p: string) => (p.startsWith('c') ? 'contact' : 'stranger');
    const kind = (p: string) => (p.endsWith('x') ? 'plain' : 'p2pchat');
    const counted = countConnections(
      [
        { direction: 'inbound', peerId: 'c1', relayed: false },
        { direction: 'inbound', peerId: 'c2', relayed: false },
        { direction: 'outbound', peerId: 'c3', relayed: false },
        { direction: 'inbound', peerId: 's1x', relayed: true },
      ],
      trust,
      kind,
    );
    const find = (d: string, t: string, k: string, tr: string) =>
      counted.find((c) => c.labels.direction === d && c.labels.trust === t && c.labels.kind === k && c.labels.transport === tr)?.count;
    assert.equal(counted.length, 3);
    assert.equal(find('inbound', 'contact', 'p2pchat', 'direct'), 2);
    assert.equal(find('outbound', 'contact', 'p2pchat', 'direct'), 1);
    assert.equal(find('inbound', 'stranger', 'plain', 'relayed'), 1);
  });

  it('no connections, no series', () => {
    assert.deepEqual(
      countConnections(
        [],
        () => 'contact',
        () => 'p2pchat',
      ),
      [],
    );
  });
});

describe('roomRefusals', () => {
  it('reads every refusal reason from the intake counts, 0 when absent, and nothing else', () => {
    const read = roomRefusals({ stored: 5, duplicate: 2, bad_signature: 3, rate_limited: 1 });
    assert.deepEqual(
      read.map((r) => r.reason),
      [...ROOM_REFUSALS],
    );
    assert.equal(read.find((r) => r.reason === 'bad_signature')?.count, 3);
    assert.equal(read.find((r) => r.reason === 'rate_limited')?.count, 1);
    assert.equal(read.find((r) => r.reason === 'malformed')?.count, 0);
    assert.equal(
      read.reduce((sum, r) => sum + r.count, 0),
      4,
    );
  });
});
