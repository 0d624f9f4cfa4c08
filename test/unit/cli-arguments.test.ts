// The CLI's rules for what users type: the text rule, option values, the no-daemon hint, and
// the addresses `connect` takes. Pure functions, no daemon.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { blankTextError, eventId, type OptionShape, optionInText, positiveInt, seconds, startHint } from '../../src/cli/arguments.js';
import { ipMultiaddr, parseConnectTarget } from '../../src/cli/connect-address.js';

const SEND_OPTIONS: OptionShape[] = [
  { flags: ['-l', '--lines'], takesValue: false },
  { flags: ['-w', '--wait'], takesValue: false },
  { flags: ['-t', '--timeout'], takesValue: true },
  { flags: ['--home'], takesValue: true },
  { flags: ['--json'], takesValue: false },
];
const inText = (line: string) => optionInText(line.split(' '), SEND_OPTIONS, 1);

describe('the text rule', () => {
  it('refuses an option-looking word with text on both sides, naming it', () => {
    assert.equal(inText('bob remember to pass --wait next time'), '--wait');
    assert.equal(inText('bob a -x b'), '-x');
    assert.equal(inText('bob hi --wait -- more'), '--wait');
  });
  it('takes options before the text, after all of it, and words after -- as text', () => {
    assert.equal(inText('--wait bob hi there'), undefined);
    assert.equal(inText('bob --wait hi there'), undefined);
    assert.equal(inText('bob hi there --wait --json'), undefined);
    assert.equal(inText('bob hi there -t 5'), undefined);
    assert.equal(inText('bob -- remember to pass --wait next time'), undefined);
    assert.equal(inText('--home /tmp/x bob hi'), undefined);
  });
  it('takes negative numbers as text, as commander does', () => {
    assert.equal(inText('bob it is -5 outside'), undefined);
    assert.equal(inText('bob -1.5 degrees'), undefined);
  });
  it('refuses empty and whitespace-only text', () => {
    assert.match(blankTextError('') ?? '', /empty/);
    assert.match(blankTextError(' \t\n ') ?? '', /whitespace/);
    assert.equal(blankTextError(' hi '), undefined);
  });
});

describe('option values', () => {
  it('refuses bad values with an error commander turns into a usage error naming the option', () => {
    for (const [parse, bad] of [
      [positiveInt, ['abc', '0', '-1', '1.5', '']],
      [seconds, ['0', '-3', 'x', '', 'Infinity']],
      [eventId, ['x', '-1', '1.5', '']],
    ] as const) {
      for (const value of bad) assert.throws(() => parse(value), InvalidArgumentError, `${parse.name}(${JSON.stringify(value)})`);
    }
  });
  it('accepts good values', () => {
    assert.equal(positiveInt('20'), 20);
    assert.equal(seconds('0.5'), 0.5);
    assert.equal(eventId('0'), 0);
  });
});

describe('the no-daemon hint', () => {
  it('repeats --home and --config as given, quoted when needed', () => {
    assert.equal(startHint(['status']), 'p2pchat daemon');
    assert.equal(startHint(['--home', '/tmp/second', 'status']), 'p2pchat --home /tmp/second daemon');
    assert.equal(startHint(['--home=/tmp/a b', 'status']), "p2pchat --home '/tmp/a b' daemon");
    assert.equal(startHint(['-c', 'my.json', 'peers']), 'p2pchat --config my.json daemon');
    assert.equal(startHint(['send', 'bob', '--', '--home', 'x']), 'p2pchat daemon');
  });
});

describe('connect addresses', () => {
  it('passes a multiaddr through', () => {
    assert.deepEqual(parseConnectTarget('/ip4/10.0.0.2/tcp/4747'), { multiaddr: '/ip4/10.0.0.2/tcp/4747' });
  });
  it('reads host:port, [v6]:port, a bare host and a trailing /p2p/ id', () => {
    assert.deepEqual(parseConnectTarget('127.0.0.1:4747'), { host: '127.0.0.1', port: 4747, peer: undefined });
    assert.deepEqual(parseConnectTarget('[::1]:5000'), { host: '::1', port: 5000, peer: undefined });
    assert.deepEqual(parseConnectTarget('::1'), { host: '::1', port: 4747, peer: undefined });
    assert.deepEqual(parseConnectTarget('laptop.local'), { host: 'laptop.local', port: 4747, peer: undefined });
    assert.deepEqual(parseConnectTarget('laptop:1234/p2p/12D3KooWabc'), { host: 'laptop', port: 1234, peer: '12D3KooWabc' });
  });
  it('refuses what is not an address, saying what is', () => {
    assert.throws(() => parseConnectTarget('host:99999'), /not a port/);
    assert.throws(() => parseConnectTarget('host:abc'), /not a port/);
    assert.throws(() => parseConnectTarget('[nope]:1'), /not an IPv6 address/);
    assert.throws(() => parseConnectTarget('a b:1'), /host:port/);
    assert.throws(() => parseConnectTarget('-x'), /host:port/);
    assert.throws(() => parseConnectTarget('h:1/p2p/not_an_id!'), /not a peer id/);
  });
  it('builds the multiaddr of an address', () => {
    assert.equal(ipMultiaddr('127.0.0.1', 4747), '/ip4/127.0.0.1/tcp/4747');
    assert.equal(ipMultiaddr('::1', 1, '12D3KooWabc'), '/ip6/::1/tcp/1/p2p/12D3KooWabc');
    assert.deepEqual(parseConnectTarget('[fe80::1%eth0]:4747'), { host: 'fe80::1%eth0', port: 4747, peer: undefined });
    assert.equal(ipMultiaddr('fe80::1%eth0', 4747), '/ip6zone/eth0/ip6/fe80::1/tcp/4747');
  });
});
