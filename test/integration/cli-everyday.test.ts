// The CLI as people use it every day, against real daemons: the text rule, usage errors, ids,
// wording, connect by host:port, send --lines checks, feedback on a terminal, watch and chat
// across daemon restarts, delivery marks, completion.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message } from '../../src/types.js';
import {
  CLI,
  connectPair,
  runCli,
  startDaemon,
  type TestDaemon,
  tempHome,
  waitFor,
  capture,
  startConnectedPair,
  stopAllThen,
} from '../helpers/daemon.js';

let alice: TestDaemon;
let bob: TestDaemon;
const scratch = tempHome('p2pchat-cli-everyday-');

before(async () => {
  [alice, bob] = await startConnectedPair();
});
after(() => stopAllThen(() => rmSync(scratch, { recursive: true, force: true })));

/** `p2pchat ARGS` in a pseudo-terminal (the `script` command): for what the CLI does on a terminal only. */
function inTerminal(home: string, args: string): ChildProcessWithoutNullStreams {
  return spawn('script', ['-qfec', `${process.execPath} ${CLI} --home ${home} ${args}`, '/dev/null'], {
    env: { ...process.env, TERM: 'dumb' },
  });
}

/** `--json` first: after `--` it would be text. */
async function jsonBefore<T>(daemon: TestDaemon, args: string[]): Promise<T> {
  const result = await daemon.cli(['--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

async function received(by: TestDaemon, from: string): Promise<Message[]> {
  return (await by.json<Message[]>(['history', from, '-n', '1000'])).filter((m) => m.direction === 'in');
}

describe('the text a user typed is sent as typed, or refused', () => {
  it('an option word inside the text is refused, naming it; nothing is sent', async () => {
    const before = (await received(bob, 'alice')).length;
    const result = await alice.cli(['send', 'bob', 'remember', 'to', 'pass', '--wait', 'next', 'time']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"--wait" is in the middle of the text/);
    assert.match(result.stderr, /put -- before the text/);
    const sent = await jsonBefore<Message>(alice, ['send', 'bob', '--', 'remember', 'to', 'pass', '--wait', 'next', 'time']);
    await waitFor('bob to receive it', async () => (await received(bob, 'alice')).some((m) => m.id === sent.id));
    const texts = (await received(bob, 'alice')).slice(before).map((m) => m.text);
    assert.deepEqual(texts, ['remember to pass --wait next time']);
  });

  it('text starting with a dash goes after --; options after all of the text still count', async () => {
    const dash = await jsonBefore<Message>(alice, ['send', 'bob', '--', '-v', 'is', 'verbose']);
    assert.equal(dash.text, '-v is verbose');
    const unknown = await alice.cli(['send', 'bob', '-v', 'is', 'verbose']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '-v'/);
    assert.match(unknown.stderr, /goes after --/);
    const trailing = await alice.cli(['send', 'bob', 'trailing', 'options', '--wait', '--json']);
    assert.equal(trailing.code, 0, trailing.stderr);
    assert.equal((JSON.parse(trailing.stdout) as Message).state, 'delivered');
  });

  it('empty or whitespace-only text is refused', async () => {
    for (const args of [
      ['send', 'bob', '   '],
      ['send', 'bob'],
    ]) {
      const result = await alice.cli(args, { input: ' \n\t\n' });
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /empty or only whitespace/);
    }
  });
});

describe('usage errors', () => {
  it('bad option values exit 2 naming the option; with --json as one JSON object on stderr', async () => {
    for (const [args, option] of [
      [['history', '-n', 'abc'], '--limit'],
      [['send', '--timeout', '0', 'bob', 'x'], '--timeout'],
      [['watch', '--since', 'x'], '--since'],
    ] as const) {
      const text = await alice.cli([...args]);
      assert.equal(text.code, 2, args.join(' '));
      assert.ok(text.stderr.includes(option), `${args.join(' ')}: ${text.stderr}`);
      const json = await alice.cli(['--json', ...args]);
      assert.equal(json.code, 2);
      const lines = json.stderr.trim().split('\n');
      assert.equal(lines.length, 1, json.stderr);
      const error = JSON.parse(lines[0] as string) as { error: string; message: string };
      assert.equal(error.error, 'usage');
      assert.ok(error.message.includes(option));
    }
  });

  it('the no-daemon hint repeats --home', async () => {
    const home = join(scratch, 'nobody-home');
    const result = await runCli(['--home', home, 'status']);
    assert.equal(result.code, 3);
    assert.ok(result.stderr.includes(`Start one with: p2pchat --home ${home} daemon`), result.stderr);
  });
});

describe('ids and wording', () => {
  it('history shows the seq --before/--after take and ids that are unique prefixes', async () => {
    const batch = await alice.cli(['send', '--lines', 'bob'], { input: 'same millisecond 1\nsame millisecond 2\n' });
    assert.equal(batch.code, 0, batch.stderr);
    const messages = await alice.json<Message[]>(['history', 'bob', '-n', '2']);
    const table = (await alice.cli(['history', 'bob', '-n', '2'])).stdout;
    assert.match(table, /^SEQ +ID +TIME/);
    const shown = table
      .split('\n')
      .slice(1, 3)
      .map((line) => line.split(/\s+/));
    for (const [i, m] of messages.entries()) {
      const [seq, id] = shown[i] as string[];
      assert.equal(Number(seq), m.seq);
      assert.ok(m.id.startsWith(id as string) && (id as string).length >= 13, `${id} is a prefix of ${m.id}`);
    }
    assert.notEqual(shown[0]?.[1], shown[1]?.[1], 'two messages of one batch show different ids');
    const after = await alice.json<Message[]>(['history', 'bob', '--after', String(messages[0]?.seq)]);
    assert.deepEqual(
      after.map((m) => m.id),
      [messages[1]?.id],
    );
  });

  it('a filter matching nothing says so, naming the peer as resolved', async () => {
    const result = await alice.cli(['history', bob.peerId.slice(0, 14), '--after', '999999']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^No messages with bob \(12D3KooW.*\) in that range \(after seq 999999\)/);
  });

  it('sending by prefix names the peer, not the prefix', async () => {
    const result = await alice.cli(['send', bob.peerId.slice(0, 14), 'by prefix']);
    assert.match(result.stdout, /^Message \S+ queued for bob \(12D3KooW/);
  });

  it('an empty outbox does not claim every message was delivered; peers without mDNS promise no discovery', async () => {
    const lonely = await startDaemon({ name: 'lonely' });
    const outbox = await lonely.cli(['outbox']);
    assert.match(outbox.stdout, /nothing waits to be sent/);
    assert.doesNotMatch(outbox.stdout, /every message was delivered/);
    const peers = await lonely.cli(['peers']);
    assert.match(peers.stdout, /discovery \(mDNS\) is off: connect to one with p2pchat connect <host:port>/);
    assert.doesNotMatch(peers.stdout, /on the LAN appear/);
    await lonely.stop();
  });
});

describe('connect', () => {
  it('takes host:port, not only a multiaddr', async () => {
    const carol = await startDaemon({ name: 'carol' });
    const port = /\/tcp\/(\d+)\//.exec(carol.address)?.[1] as string;
    const result = await alice.cli(['connect', `127.0.0.1:${port}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Connected to .*12D3KooW/);
    const peers = await alice.json<{ peerId: string; connected: boolean }[]>(['peers']);
    assert.ok(peers.some((p) => p.peerId === carol.peerId && p.connected));
    const bad = await alice.cli(['connect', '127.0.0.1:99999']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"99999" is not a port/);
    await carol.stop();
    // Nothing listens there any more: the answer says what that usually means.
    const gone = await alice.cli(['connect', `127.0.0.1:${port}`]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /could not connect to .*ECONNREFUSED.*\(nothing listens at that address: is the daemon running there/);
  });
});

describe('send --lines', () => {
  it('checks every line before sending any and names a bad line by its number', async () => {
    const before = (await alice.json<Message[]>(['history', 'bob', '-n', '10000'])).length;
    const input = `fine\n${'x'.repeat(70_000)}\nalso fine\n`;
    const result = await alice.cli(['send', '--lines', 'bob'], { input });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /nothing sent: 1 line\(s\) cannot be sent\n {2}line 2: \d+ bytes on the wire/);
    assert.equal((await alice.json<Message[]>(['history', 'bob', '-n', '10000'])).length, before);
  });

  it('shows progress on a terminal, none on a pipe', async () => {
    const file = join(scratch, 'lines.txt');
    writeFileSync(file, Array.from({ length: 2500 }, (_, i) => `line ${i + 1}`).join('\n'));
    const child = inTerminal(alice.home, `send --lines bob < ${file}`);
    const { out, exit } = capture(child);
    assert.equal(await exit, 0, out());
    assert.match(out(), /stored 1000 of 2500 lines/);
    assert.match(out(), /2500 messages queued for bob/);
    const piped = await alice.cli(['send', '--lines', 'bob'], { input: 'quiet\n' });
    assert.doesNotMatch(piped.stderr + piped.stdout, /stored \d+ of/);
  });
});

describe('send --wait on a terminal', () => {
  it('says what it waits for; Ctrl-C says the message stays queued and how to cancel it', async () => {
    const dave = await startDaemon({ name: 'dave' });
    await connectPair(alice, dave);
    await dave.stop();
    const child = inTerminal(alice.home, 'send --wait --timeout 120 dave are you there');
    const { out, exit } = capture(child);
    await waitFor('the waiting line', () => /Waiting up to 120s for dave .* \(offline now: delivered once it connects\)/.test(out()));
    child.stdin.write('\x03');
    assert.equal(await exit, 130);
    const id = /Stopped waiting\. Message (\S+) stays queued for dave/.exec(out())?.[1];
    assert.ok(id, out());
    assert.ok(out().includes(`To cancel: p2pchat cancel ${id}`));
    const outbox = await alice.json<Message[]>(['outbox']);
    assert.ok(outbox.some((m) => m.id === id && m.state === 'queued'));
    const piped = await alice.cli(['send', '--wait', '--timeout', '1', 'dave', 'quietly']);
    assert.equal(piped.code, 5);
    assert.doesNotMatch(piped.stderr, /Waiting up to/);
    assert.match(piped.stderr, /stays queued .*to cancel: p2pchat cancel/);
  });
});

describe('watch and chat across restarts', () => {
  it('watch follows a daemon that was killed before it saw any event, and says it was not a clean stop', async () => {
    const erin = await startDaemon({ name: 'erin' });
    await connectPair(erin, bob);
    const child = spawn(process.execPath, [CLI, '--home', erin.home, 'watch']);
    const { out, exit } = capture(child);
    try {
      await waitFor('watch to be connected', async () => (await erin.client.request<unknown[]>('GET', '/v1/peers')).length > 0);
      await new Promise((r) => setTimeout(r, 300));
      await erin.kill();
      await waitFor('watch to say the daemon went away', () => out().includes('lost the daemon without a clean stop'));
      await erin.start();
      await waitFor('watch to say the daemon is back', () => out().includes('the daemon is back'));
      await connectPair(erin, bob);
      await bob.json<Message>(['send', '--wait', 'erin', 'after the crash']);
      await waitFor('the message in watch', () => /bob \(12D3KooW\S+\): after the crash/.test(out()));
    } finally {
      child.kill('SIGINT');
      await exit;
      await erin.stop();
    }
  });

  it('chat notices the daemon went away, refuses lines until it is back, then goes on', async () => {
    const frank = await startDaemon({ name: 'frank' });
    await connectPair(frank, bob);
    const child = spawn(process.execPath, [CLI, '--home', frank.home, 'chat', 'bob']);
    const { out, exit } = capture(child);
    try {
      await waitFor('the chat banner', () => out().includes('Chatting with bob'));
      await frank.kill();
      await waitFor('chat to notice', () => out().includes('* lost the daemon without a clean stop'));
      child.stdin.write('while it is away\n');
      await waitFor('the line refused', () =>
        out().includes('! not sent: the daemon is not running; type it again once it is back: while it is away'),
      );
      await frank.start();
      await waitFor('chat to follow it back', () => out().includes('* the daemon is back'));
      child.stdin.write('after it came back\n');
      await waitFor('bob to receive the line', async () =>
        (await received(bob, frank.peerId)).some((m) => m.text === 'after it came back'),
      );
      child.stdin.end();
      assert.equal(await exit, 1, 'a refused line makes the exit code 1');
    } finally {
      child.kill();
      await frank.stop();
    }
  });

  it('chat marks your lines delivered', async () => {
    const child = spawn(process.execPath, [CLI, '--home', alice.home, 'chat', 'bob']);
    const { out, exit } = capture(child);
    await waitFor('the chat banner', () => out().includes('Chatting with bob'));
    child.stdin.write('marked line\n');
    await waitFor('the delivered mark', () => /✓✓ delivered: marked line/.test(out()));
    child.stdin.end();
    assert.equal(await exit, 0);
  });
});

describe('help', () => {
  it('every command ends its --help with an example; p2pchat --help has the exit codes and global options', async () => {
    const top = await runCli(['--help']);
    assert.match(top.stdout, /Exit codes:\n {2}0 {3}success/);
    assert.match(top.stdout, /--home <dir>/);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    assert.ok(commands.includes('completion') && commands.includes('stop'), commands.join(' '));
    for (const command of commands) {
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, /^Examples?:\n {2}(p2pchat|source) /m, command);
      assert.match(help.stdout, /Global Options:/, command);
    }
  });
});

describe('completion', () => {
  it('bash completes commands and subcommands from the command tree', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const file = join(scratch, 'p2pchat.bash');
    writeFileSync(file, script);
    const complete = async (...words: string[]) => {
      const result = await new Promise<string>((resolve) => {
        const sh = spawn('bash', [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _p2pchat; echo "\${COMPREPLY[*]}"`,
        ]);
        let text = '';
        sh.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
        sh.on('close', () => resolve(text.trim()));
      });
      return result.split(' ');
    };
    assert.deepEqual(await complete('p2pchat', 'se'), ['send']);
    assert.deepEqual(await complete('p2pchat', '--home', 'x', 'contacts', 'a'), ['add']);
    assert.ok((await complete('p2pchat', 'send', '--w')).includes('--wait'));
    assert.ok((await complete('p2pchat', '')).includes('completion'));
    const bad = await runCli(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
  });
});
