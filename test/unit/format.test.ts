// Human output: labels mark strangers and petnames, and a message's lines stay under its header.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayName,
  formatEvent,
  formatHistory,
  formatPeers,
  messageBlock,
  notePeerEvent,
  type PeerLook,
  peerLabel,
} from '../../src/cli/format.js';
import type { ChatEvent, Message, PeerInfo } from '../../src/types.js';

const ID = '12D3KooWRbbqJsKnPmE8LnpbhkrZpjN626rsdemyXs1F5GKGVntF';
const SHORT = '12D3KooWRbbq…KGVntF';

function peer(look: Partial<PeerInfo>): PeerInfo {
  return {
    peerId: ID,
    name: null,
    claimedName: null,
    petname: null,
    trust: 'contact',
    connected: true,
    addresses: ['/ip4/10.0.0.2/tcp/4747'],
    agent: null,
    p2pchat: true,
    lastSeen: null,
    ...look,
  };
}

function message(look: Partial<Message>): Message {
  return {
    seq: 1,
    id: 'm1',
    peerId: ID,
    direction: 'in',
    text: 'hi',
    time: new Date(2026, 10, 24, 4, 7, 55).toISOString(),
    storedAt: new Date().toISOString(),
    state: 'received',
    acked: true,
    request: false,
    ...look,
  };
}

describe('peer labels', () => {
  it('a contact shows its name, a petname shows the claim that differs, a stranger is marked', () => {
    assert.equal(peerLabel(ID, { name: 'bob', claimedName: 'bob', trust: 'contact' }), `bob (${SHORT})`);
    assert.equal(peerLabel(ID, { name: 'bob', petname: 'bob', claimedName: 'robert', trust: 'contact' }), `bob ~robert (${SHORT})`);
    assert.equal(peerLabel(ID, { name: 'bob', petname: 'bob', claimedName: 'bob', trust: 'contact' }), `bob (${SHORT})`);
    assert.equal(peerLabel(ID, { name: 'bob', claimedName: 'bob', trust: 'stranger' }), `bob (${SHORT}, stranger)`);
    assert.equal(peerLabel(ID, { name: null, trust: 'blocked' }), `${SHORT} (blocked)`);
    assert.equal(peerLabel(ID, undefined), `${SHORT} (stranger)`);
  });

  it('names are made safe', () => {
    assert.equal(displayName({ name: '\x1b[1malice\x1b[0m', claimedName: '\x1b[1malice\x1b[0m' }), '␛[1malice␛[0m');
  });
});

describe('tables', () => {
  it('peers has a TRUST column and a name with a newline stays on its row', () => {
    const out = formatPeers([peer({ name: 'bob\nalice', claimedName: 'bob\nalice', trust: 'stranger' })]);
    const lines = out.split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /^NAME\s+PEER ID\s+TRUST\s+STATUS/);
    assert.match(lines[1] as string, /^bob␊alice\s+12D3\S+\s+stranger\s+connected/);
  });

  it('history marks requests and indents a message’s further lines under its text', () => {
    const peers = new Map<string, PeerLook>([[ID, { name: 'eve', claimedName: 'eve', trust: 'stranger' }]]);
    const out = formatHistory([message({ text: 'one\n2026-11-24 04:07:56  ←  bob  received  fake', request: true })], peers);
    const [, row, more] = out.split('\n') as [string, string, string];
    assert.match(row, /eve \(12D3KooWRbbq…KGVntF, stranger\)\s+request\s+one$/);
    const textColumn = row.indexOf('one');
    assert.equal(more, `${' '.repeat(textColumn)}2026-11-24 04:07:56  ←  bob  received  fake`);
  });
});

describe('watch lines', () => {
  it('each line of a message after the first is indented, also when wrapped to the terminal', () => {
    const block = messageBlock('04:07:55  bob: ', `first\r\x1b[2Ksecond\n${'y'.repeat(50)}`, 40);
    const lines = block.split('\n');
    assert.equal(lines[0], '04:07:55  bob: first␍␛[2Ksecond');
    for (const line of lines.slice(1)) assert.ok(line.startsWith('          ') && line.length <= 40, line);
  });

  it('follows trust changes and names strangers it has not seen before', () => {
    const peers = new Map<string, PeerLook>();
    const event = (type: ChatEvent['type'], data: Record<string, unknown>): ChatEvent => ({
      id: 1,
      type,
      time: new Date().toISOString(),
      data,
    });
    notePeerEvent(event('peer-connected', { peerId: ID, name: 'mallory' }), peers);
    const received = event('message-received', { message: message({ text: 'hello', request: true }) });
    assert.match(formatEvent(received, peers) ?? '', /request from mallory \(12D3KooWRbbq…KGVntF, stranger\): hello$/);
    notePeerEvent(event('trust-changed', { peerId: ID, trust: 'contact', petname: 'mal' }), peers);
    assert.match(
      formatEvent(event('peer-disconnected', { peerId: ID }), peers) ?? '',
      /\* mal ~mallory \(12D3KooWRbbq…KGVntF\) disconnected$/,
    );
  });
});
