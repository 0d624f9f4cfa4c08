// Pure parts of the CLI's output: unique id prefixes, names in watch, delivery marks, the line
// checks of send --lines, and completion scripts generated from the command tree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { deliveryMark } from '../../src/cli/commands/chat.js';
import { bashCompletion, commandShape, fishCompletion, zshCompletion } from '../../src/cli/completion.js';
import { formatEvent, notePeerEvent, type PeerLook } from '../../src/cli/format.js';
import { MIN_ID_PREFIX, uniquePrefixes } from '../../src/cli/message-ids.js';
import { planLines } from '../../src/cli/send-lines.js';
import type { ChatEvent } from '../../src/types.js';

describe('message id prefixes', () => {
  it('show at least the timestamp, and more where ids of the same millisecond differ later', () => {
    const a = '01a22e42-fc6f-768c-89d7-b400e999e40c';
    const b = '01a22e42-fc6f-7cc9-8d4f-d078f5b18543';
    const c = '01a22e43-0000-7000-8000-000000000000';
    const p = uniquePrefixes([a, b, c]);
    assert.equal(p.get(c), c.slice(0, MIN_ID_PREFIX));
    assert.equal(p.get(a), '01a22e42-fc6f-76');
    assert.equal(p.get(b), '01a22e42-fc6f-7c');
    for (const id of [a, b, c]) assert.ok(id.startsWith(p.get(id) as string));
  });
  it('never ends a prefix with a dash, and keeps short ids whole', () => {
    const p = uniquePrefixes(['0123456789ab-x', '0123456789ab-y', 'short']);
    assert.equal(p.get('0123456789ab-x'), '0123456789ab-x');
    assert.equal(p.get('short'), 'short');
    assert.ok(![...p.values()].some((v) => v.endsWith('-')));
  });
});

function event(type: string, data: Record<string, unknown>, id = 7): ChatEvent {
  return { id, type: type as ChatEvent['type'], time: '2026-11-30T12:00:00.000Z', data };
}

describe('names in watch', () => {
  const ID = '12D3KooWRbbqJsKnPmE8LnpbhkrZpjN626rsdemyXs1F5GKGVntF';
  it('an event without a name never erases a known one', () => {
    const peers = new Map<string, PeerLook>([[ID, { name: 'bob', claimedName: 'bob', trust: 'contact' }]]);
    notePeerEvent(event('peer-connected', { peerId: ID, name: null }), peers);
    notePeerEvent(event('peer-disconnected', { peerId: ID }), peers);
    assert.match(formatEvent(event('peer-connected', { peerId: ID, name: null }), peers) ?? '', /\* bob \(12D3KooWRbbq…KGVntF\) connected/);
  });
  it('a peer first met during watch shows with the name its event carries', () => {
    const peers = new Map<string, PeerLook>();
    notePeerEvent(event('peer-connected', { peerId: ID, name: 'carol' }), peers);
    assert.match(
      formatEvent(event('peer-disconnected', { peerId: ID }), peers) ?? '',
      /carol \(12D3KooWRbbq…KGVntF, stranger\) disconnected/,
    );
  });
  it('a petname stays what is shown', () => {
    const peers = new Map<string, PeerLook>([[ID, { name: 'boss', petname: 'boss', claimedName: 'bob', trust: 'contact' }]]);
    notePeerEvent(event('peer-connected', { peerId: ID, name: 'robert' }), peers);
    assert.equal(peers.get(ID)?.name, 'boss');
  });
  it('shows event ids on request, and a clean stop', () => {
    const peers = new Map<string, PeerLook>();
    assert.match(formatEvent(event('daemon-stopping', {}, 42), peers, undefined, true) ?? '', /the daemon is stopping {2}#42$/);
    assert.doesNotMatch(formatEvent(event('daemon-stopping', {}, 42), peers) ?? '', /#42/);
  });
});

describe('delivery marks in chat', () => {
  it('one tick sent, two delivered, a cross with the reason', () => {
    assert.equal(deliveryMark('queued', undefined, true), undefined);
    assert.match(deliveryMark('sent', undefined, true) ?? '', /^✓ +sent$/);
    assert.match(deliveryMark('sent', undefined, false) ?? '', /no delivery receipts/);
    assert.match(deliveryMark('delivered', undefined, true) ?? '', /^✓✓ delivered$/);
    assert.match(deliveryMark('failed', 'the peer accepts messages from its contacts only', true) ?? '', /^✗ +failed \(the peer accepts/);
  });
});

describe('send --lines checks every line first', () => {
  const frameBytes = (text: string) => Buffer.byteLength(text) + 60;
  it('names bad lines by number, skips blank ones, and keeps line numbers', () => {
    const plan = planLines(`one\n\n${'x'.repeat(200)}\n  \nfour\r\nbad \uFFFD\n`, { maxFrameBytes: 100, frameBytes });
    assert.deepEqual(
      plan.messages.map((m) => [m.line, m.text]),
      [
        [1, 'one'],
        [3, 'x'.repeat(200)],
        [5, 'four'],
        [6, 'bad \uFFFD'],
      ],
    );
    assert.equal(plan.skipped, 2);
    assert.deepEqual(
      plan.bad.map((b) => b.line),
      [3, 6],
    );
    assert.match(plan.bad[0]?.reason ?? '', /260 bytes on the wire; at most 100/);
  });
  it('gives line N the id KEY-N, so a rerun names the same messages', () => {
    const plan = planLines('a\n\nb\n', { key: 'run1', maxFrameBytes: 100, frameBytes });
    assert.deepEqual(
      plan.messages.map((m) => m.id),
      ['run1-1', 'run1-3'],
    );
  });
});

describe('completion scripts', () => {
  const program = new Command('p2pchat').option('--home <dir>', 'home').option('--json', 'json');
  program.command('send').option('-w, --wait', 'wait').option('-t, --timeout <s>', 'timeout');
  const contacts = program.command('contacts').description('contacts');
  contacts.command('add').option('--as <name>', 'petname');
  contacts.command('list');
  const shape = commandShape(program);

  it('come from the command tree: every command, subcommand and option', () => {
    for (const script of [bashCompletion(shape), zshCompletion(shape), fishCompletion(shape)]) {
      for (const word of ['send', 'contacts', 'add', 'list', 'wait', 'timeout', 'as']) assert.ok(script.includes(word), word);
    }
  });
  it('bash: option values are not taken for commands, per command', () => {
    const bash = bashCompletion(shape);
    assert.match(bash, /"send"\) kids='' values='-t --timeout --home'/);
    assert.match(bash, /"contacts add"\) kids='' values='--as --home'/);
    assert.match(bash, /complete -o default -F _p2pchat p2pchat/);
  });
  it('fish: subcommands only where their command was typed', () => {
    assert.match(fishCompletion(shape), /-n '__fish_seen_subcommand_from contacts; and not __fish_seen_subcommand_from add list' -a add/);
  });
});
