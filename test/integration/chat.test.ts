// `p2pchat chat`: driven through pipes and through a pseudo-terminal, as a person would.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import type { Message } from '../../src/types.js';
import { CLI, stopAll, type TestDaemon, waitFor, startConnectedPair } from '../helpers/daemon.js';

let alice: TestDaemon;
let bob: TestDaemon;

before(async () => {
  [alice, bob] = await startConnectedPair();
});
after(stopAll);

function capture(child: ChildProcessWithoutNullStreams): { out: () => string; exit: Promise<number | null> } {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  return { out: () => out, exit: new Promise((resolve) => child.once('exit', resolve)) };
}

async function bobReceived(text: string): Promise<Message> {
  return waitFor(`bob to receive "${text}"`, async () => {
    const h = await bob.json<Message[]>(['history', 'alice']);
    return h.find((m) => m.direction === 'in' && m.text === text);
  });
}

it('chat through pipes: lines are sent in order, replies appear, end of input leaves cleanly', async () => {
  const child = spawn(process.execPath, [CLI, '--home', alice.home, 'chat', 'bob']);
  const { out, exit } = capture(child);
  await waitFor('the chat banner', () => out().includes('Chatting with bob'));
  child.stdin.write('first line\nsecond line\n');
  await bobReceived('second line');
  await bob.json<Message>(['send', 'alice', 'reply from bob', '--wait']);
  await waitFor('the reply in the chat', () => out().includes('bob: reply from bob'));
  child.stdin.end();
  assert.equal(await exit, 0);
  const h = await bob.json<Message[]>(['history', 'alice']);
  assert.deepEqual(
    h.filter((m) => m.direction === 'in').map((m) => m.text),
    ['first line', 'second line'],
  );
});

it('chat in a terminal: type, see replies, Ctrl-D leaves', async () => {
  // `script` gives the CLI a real pseudo-terminal, so it runs in interactive mode.
  const child = spawn('script', ['-qfec', `${process.execPath} ${CLI} --home ${alice.home} chat bob`, '/dev/null'], {
    env: { ...process.env, TERM: 'dumb' },
  });
  const { out, exit } = capture(child);
  await waitFor('the prompt', () => out().includes('> '));
  child.stdin.write('typed in a terminal\r');
  await bobReceived('typed in a terminal');
  await bob.json<Message>(['send', 'alice', 'terminal reply', '--wait']);
  await waitFor('the reply on screen', () => out().includes('bob: terminal reply'));
  child.stdin.write('\x04');
  assert.equal(await exit, 0);
});

it('chat with an unknown peer fails with exit code 4 and the candidates', async () => {
  const result = await alice.cli(['chat', 'nobody']);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /no known peer matches "nobody"/);
  assert.match(result.stderr, new RegExp(bob.peerId));
});
