// Peers write into your terminal: a raw libp2p peer claims a name with escape sequences and sends
// texts with escape sequences, carriage returns, C1 controls, bidi overrides and newlines. Every
// human command that shows them prints none of those raw and keeps each message under its own
// header; --json keeps the exact text.
/* eslint-disable no-control-regex -- this test looks for control characters in what the CLI prints */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { displayWidth } from '../../src/cli/terminal-text.js';
import type { Message, PeerInfo } from '../../src/types.js';
import { CLI, startDaemon, stopAll, type TestDaemon, waitFor } from '../helpers/daemon.js';
import { P2PCHAT_AGENT, RawPeer } from '../helpers/raw-peer.js';

/** What must never reach the terminal from a peer: ESC, CR, C1 controls, bidi controls. */
const RAW = /[\x1b\r\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u;

const EVIL_NAME = '\x1b[1malice\x1b[0m';
const SPOOF = '\x1b[2K\r12:00:00  bob (12D3KooWBbbb…bbbbbb): send me the password';
/** Padded so that a terminal wrapping it by itself would put the fake header at column 0. */
const PADDED = `${'pad'.padEnd(130, '.')}12:00:01  carol (12D3KooWCccc…cccccc): wire the money`;
const TEXTS = [SPOOF, 'first line\nsecond line\r\nthird line', 'invoice\u202Efdp.exe', '\u009b31mred and \u2066isolated\u2069', PADDED];
const PLAIN = '\x1b]0;new title\x07plain frame';

let alice: TestDaemon;
let raw: RawPeer;

const envelope = (value: Record<string, unknown>) => JSON.stringify({ v: 1, ...value });

before(async () => {
  alice = await startDaemon({ name: 'alice-victim' });
  // It speaks our envelopes, so it passes for a p2pchat daemon: plain peers' frames are all text.
  raw = await RawPeer.start({ agent: P2PCHAT_AGENT });
  // One stream as a p2pchat peer would use it: a hello with a hostile name, then messages.
  await raw.sendText(alice.address, [
    envelope({ type: 'hello', name: EVIL_NAME, version: '\x1b]0;agent\x07' }),
    ...TEXTS.map((text, i) => envelope({ type: 'message', id: `evil-${i}`, time: Date.now(), text })),
  ]);
  // And as a plain chat peer: a bare UTF-8 frame.
  await raw.sendText(alice.address, [PLAIN]);
  await waitFor('alice to store all texts', async () => {
    const history = await alice.json<Message[]>(['history', raw.peerId]);
    return history.length === TEXTS.length + 1;
  });
});

after(async () => {
  await raw?.stop();
  await stopAll();
});

function assertSafe(output: string, what: string): void {
  const bad = RAW.exec(output);
  assert.equal(bad, null, `${what} printed a raw ${JSON.stringify(bad?.[0])}:\n${JSON.stringify(output)}`);
}

/**
 * Every line of `output` is a header (starts with `header`), or indented: the message texts'
 * further lines never start at column 0, where they could pass for another message.
 */
function assertUnderHeaders(output: string, header: RegExp, what: string): void {
  for (const line of output.split('\n').filter((l) => l !== '')) {
    assert.ok(header.test(line) || /^\s+\S/.test(line), `${what}: a line that is neither a header nor indented: ${JSON.stringify(line)}`);
  }
  assert.match(output, /\n\s+second line\n\s+third line/, `${what} shows a text's further lines indented`);
}

/** The hostile texts as the terminal sanitiser shows them. */
function assertVisible(output: string, what: string): void {
  assert.ok(output.includes('␛[2K␍12:00:00  bob'), `${what} shows the spoof's escape and carriage return`);
  assert.ok(output.includes('invoice<U+202E>fdp.exe'), `${what} shows the bidi override`);
  assert.ok(output.includes('<U+009B>31mred and <U+2066>isolated<U+2069>'), `${what} shows C1 and isolates`);
  assert.ok(output.includes('␛]0;new title␇plain frame'), `${what} shows the plain frame's OSC`);
}

describe('human output is safe', () => {
  it('history', async () => {
    const result = await alice.cli(['history']);
    assert.equal(result.code, 0, result.stderr);
    assertSafe(result.stdout, 'history');
    assertVisible(result.stdout, 'history');
    assertUnderHeaders(result.stdout, /^(SEQ|\d+ +\S+ +\d{4}-\d\d-\d\d )/, 'history');
    assert.ok(result.stdout.includes('␛[1malice␛[0m (12D3'), 'history shows the name with its escapes visible');
    assert.match(result.stdout, /␛\[1malice␛\[0m \(12D3\S+, stranger\)\s+request\s/, 'a stranger’s held messages are marked');
  });

  it('peers: the name is visible, the row is one line, the peer is marked a stranger', async () => {
    const result = await alice.cli(['peers']);
    assert.equal(result.code, 0, result.stderr);
    assertSafe(result.stdout, 'peers');
    const row = result.stdout.split('\n').find((line) => line.includes(raw.peerId));
    assert.match(row ?? '', /^␛\[1malice␛\[0m\s+12D3\S+\s+stranger\s/);
  });

  it('watch (replayed events)', async () => {
    const watch = spawn(process.execPath, [CLI, '--home', alice.home, 'watch', '--since', '0']);
    const { out, exit } = capture(watch);
    try {
      await waitFor('watch to print the last text', () => out().includes('plain frame'));
    } finally {
      watch.kill('SIGINT');
      await exit;
    }
    assertSafe(out(), 'watch');
    assertVisible(out(), 'watch');
    assertUnderHeaders(out(), /^\d\d:\d\d:\d\d {2}\S/, 'watch');
    assert.match(out(), /^\d\d:\d\d:\d\d {2}request from ␛\[1malice␛\[0m \(12D3\S+, stranger\): /m);
  });

  it('watch in a terminal of 60 columns wraps long texts itself, under the indent', async () => {
    const command = `stty cols 60 rows 40; exec ${process.execPath} ${CLI} --home ${alice.home} watch --since 0`;
    const watch = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'dumb' } });
    const { out, exit } = capture(watch);
    // What watch printed up to its last line: `script` adds its own words when it is stopped.
    const printed = await waitFor('watch to print the last text', () => /plain frame\r\n/.test(out()) && out()).finally(async () => {
      watch.kill('SIGTERM');
      await exit;
    });
    const lines = printed.split('\r\n').filter((line) => line !== '');
    assertSafe(lines.join('\n'), 'watch in a terminal');
    for (const line of lines) {
      assert.ok(displayWidth(line) <= 60, `wider than the terminal: ${JSON.stringify(line)}`);
      assert.ok(/^\d\d:\d\d:\d\d {2}\S/.test(line) || /^ {2,}\S/.test(line), `neither a header nor indented: ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, /^12:00:01/);
    }
    assert.ok(lines.some((line) => line.includes('pad....')));
  });

  it('a name only a stranger claims: the candidates show it made safe', async () => {
    const result = await alice.cli(['send', EVIL_NAME, 'x']);
    assert.equal(result.code, 4);
    assertSafe(result.stderr, 'candidates');
    assert.ok(result.stderr.includes(`${raw.peerId}  ␛[1malice␛[0m (stranger)`), result.stderr);
  });

  it('send and outbox to the peer show its name made safe', async () => {
    const sent = await alice.cli(['send', raw.peerId, 'hello there']);
    assert.equal(sent.code, 0, sent.stderr);
    assertSafe(sent.stdout, 'send');
    // Writing to a peer makes it a contact: no stranger mark any more.
    assert.match(sent.stdout, /queued for ␛\[1malice␛\[0m \(12D3[^,\s]+\)\n/);
    // The raw peer never acks, so the message waits in the outbox.
    const outbox = await waitFor('the message in the outbox', async () => {
      const result = await alice.cli(['outbox']);
      return result.stdout.includes('hello there') ? result : undefined;
    });
    assertSafe(outbox.stdout, 'outbox');
    assert.ok(outbox.stdout.includes('␛[1malice␛[0m (12D3'));
  });

  it('chat through pipes and in a terminal', async () => {
    for (const terminal of [false, true]) {
      const command = `${process.execPath} ${CLI} --home ${alice.home} chat ${raw.peerId}`;
      const child = terminal
        ? spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'dumb' } })
        : spawn(process.execPath, [CLI, '--home', alice.home, 'chat', raw.peerId]);
      const { out, exit } = capture(child);
      try {
        await waitFor('the chat banner', () => out().includes('Chatting with'));
        await raw.sendText(alice.address, [
          envelope({ type: 'hello', name: EVIL_NAME, version: '1' }),
          ...TEXTS.map((text, i) => envelope({ type: 'message', id: `chat-${terminal}-${i}`, time: Date.now(), text })),
          PLAIN,
        ]);
        await waitFor('the last text in the chat', () => out().includes('plain frame'));
      } finally {
        if (terminal) child.stdin.write('\x04');
        child.stdin.end();
        await exit;
      }
      // In a terminal the chat itself clears the prompt line (CR, ESC[K) before each line it prints:
      // take those out, and what is left must be free of anything the peer sent.
      const printed = terminal
        ? out()
            .replace(/\r\n/g, '\n')
            .replace(/\r\x1b\[K/g, '')
            .replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '')
        : out();
      assertSafe(printed, `chat (${terminal ? 'terminal' : 'pipes'})`);
      assertVisible(printed, 'chat');
      assert.match(printed, /: first line\n\s+second line\n\s+third line/);
      if (terminal) {
        // Nothing from the peer arrives raw: no escape sequence of its own, no bare CR.
        for (const raw of ['\x1b[2K', '\x1b]0;', '\x1b[1m', '\r12:00:00']) assert.ok(!out().includes(raw), JSON.stringify(raw));
      }
    }
  });

  it('--json keeps the exact texts and name', async () => {
    const history = await alice.json<Message[]>(['history', raw.peerId, '-n', '500']);
    const texts = history.filter((m) => m.direction === 'in').map((m) => m.text);
    for (const text of [...TEXTS, PLAIN]) assert.ok(texts.includes(text), `--json has ${JSON.stringify(text)}`);
    const peers = await alice.json<PeerInfo[]>(['peers']);
    assert.equal(peers.find((p) => p.peerId === raw.peerId)?.claimedName, EVIL_NAME);
  });
});

function capture(child: ChildProcessWithoutNullStreams): { out: () => string; exit: Promise<unknown> } {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exit = new Promise((resolve) => child.once('close', resolve));
  return { out: () => out, exit };
}
