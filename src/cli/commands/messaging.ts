// send, watch, chat: the commands that move messages.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type ControlClient, DaemonNotRunningError } from '../../control/client.js';
import type { Message, PeerInfo, SentMessage } from '../../types.js';
import { CliError, type Context, context, EXIT } from '../context.js';
import { displayName, formatEvent, localTime, messageBlock, notePeerEvent, type PeerLook, peerLabel, shortId } from '../format.js';
import { sendLines } from '../send-lines.js';
import { safeInline } from '../terminal-text.js';
import { peerLooks } from './info.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number of seconds, got "${value}"`);
  return n;
}

/** `sent`: all reached the peer, and some went to a plain chat peer, which never confirms delivery. */
type Outcome = 'delivered' | 'sent' | 'expired' | 'failed' | 'timeout';

/** Said when a message went to a peer that sends no acks: `sent` is all we will ever know. */
const UNCONFIRMED = 'this peer does not confirm delivery (a plain chat peer sends no acks)';

/**
 * Waits for sent messages' final states: `delivered` once all are (`sent` when some went to a
 * plain peer, whose `sent` is final), else the first expired or failed one, else `timeout`. The event stream starts after the first send's own `queued` event,
 * so no state change can be missed between the send and the subscription.
 */
async function waitForDelivery(client: ControlClient, sent: SentMessage[], timeoutMs: number): Promise<Outcome> {
  const waiting = new Set(sent.map((m) => m.id));
  let unconfirmed = false;
  let settle: (outcome: Outcome) => void = () => {};
  const result = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  if (waiting.size === 0) return 'delivered';
  const since = sent.reduce((min, m) => Math.min(min, m.eventId), Infinity);
  const stream = client.events(since, (event) => {
    if (event.type !== 'message-state-changed' || !waiting.has(String(event.data.id))) return;
    const state = event.data.state;
    if (state === 'expired' || state === 'failed') settle(state);
    const final = state === 'delivered' || (state === 'sent' && event.data.acked === false);
    if (state === 'sent' && event.data.acked === false) unconfirmed = true;
    if (final) {
      waiting.delete(String(event.data.id));
      if (waiting.size === 0) settle(unconfirmed ? 'sent' : 'delivered');
    }
  });
  // The stream ending means the daemon stopped; failing to open it (503: too many clients) is an
  // error of its own, reported as such rather than as a failed message.
  let streamError: unknown;
  stream.done.then(
    () => settle('failed'),
    (err: unknown) => {
      streamError = err;
      settle('failed');
    },
  );
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  try {
    const outcome = await result;
    if (streamError !== undefined) {
      const what = sent.length === 1 ? `message ${(sent[0] as SentMessage).id} is` : `${sent.length} messages are`;
      throw new CliError(`${what} queued, but its delivery cannot be followed: ${(streamError as Error).message}`, EXIT.error);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}

interface SendOptions {
  lines?: boolean;
  wait?: boolean;
  timeout: number;
}

/** `send --lines`: each stdin line is a message; --json prints one stored message per line. */
async function sendEachLine(ctx: Context, peer: string, opts: SendOptions): Promise<void> {
  // Resolve once: a bad target fails before any input is read, and batches name the full id.
  const target = await ctx.client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peer)}`);
  const label = peerLabel(target.peerId, target);
  const sent: SentMessage[] = [];
  const count = await sendLines(ctx.client, target.peerId, process.stdin, (batch) => {
    if (opts.wait) sent.push(...batch);
    if (ctx.json) for (const m of batch) process.stdout.write(`${JSON.stringify(m)}\n`);
  });
  if (!opts.wait) {
    if (!ctx.json) ctx.print(`${count} messages queued for ${label}`);
    return;
  }
  const outcome = await waitForDelivery(ctx.client, sent, opts.timeout * 1000);
  if (outcome === 'delivered' || outcome === 'sent') {
    if (!ctx.json) ctx.print(`${count} messages ${outcome} to ${label}${outcome === 'sent' ? `; ${UNCONFIRMED}` : ''}`);
    return;
  }
  if (outcome === 'timeout') {
    throw new CliError(
      `not all ${count} messages were delivered within ${opts.timeout}s; the rest stay queued and are delivered when the peer is reachable`,
      EXIT.timeout,
    );
  }
  throw new CliError(`a message to ${label} was ${outcome}; see 'p2pchat history'`, EXIT.error);
}

/** The label of a send's target as the daemon knows it (trust included); the short id if it cannot say. */
async function sentToLabel(client: ControlClient, peerId: string): Promise<string> {
  try {
    return peerLabel(peerId, await client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peerId)}`));
  } catch {
    return shortId(peerId);
  }
}

/** How `chat` names the other side before each message: its name, and "(stranger)" unless it is a contact. */
function chatName(peer: PeerInfo): string {
  const name = displayName(peer) ?? shortId(peer.peerId);
  return peer.trust === 'contact' ? name : `${name} (${peer.trust})`;
}

export function registerMessagingCommands(program: Command): void {
  program
    .command('send')
    .description('send a message (text from the arguments, or from stdin when there are none)')
    .argument('<peer>', 'peer id, unique peer id prefix, or unique display name')
    .argument('[text...]', 'the message')
    .option('-l, --lines', 'send each line of stdin as its own message (sent in batches)')
    .option('-w, --wait', 'wait until the peer has stored the message (delivered), or until it is sent to a peer that confirms nothing')
    .option('-t, --timeout <seconds>', 'with --wait: how long to wait', seconds, 30)
    .action(async (peer: string, words: string[], opts: SendOptions, cmd: Command) => {
      const ctx = context(cmd);
      if (opts.lines) {
        if (words.length > 0) throw new CliError('--lines reads the messages from stdin; give no text arguments', EXIT.usage);
        return sendEachLine(ctx, peer, opts);
      }
      const text = words.length > 0 ? words.join(' ') : process.stdin.isTTY ? '' : await readStdin();
      if (text === '') throw new CliError('nothing to send: give the text as arguments or on stdin', EXIT.usage);
      const sent = await ctx.client.request<SentMessage>('POST', '/v1/send', { to: peer, text });
      const label = ctx.json ? '' : await sentToLabel(ctx.client, sent.peerId);
      if (!opts.wait) {
        if (ctx.json) return ctx.printJson(sent);
        return ctx.print(`Message ${sent.id} ${sent.state} for ${label}`);
      }
      const outcome = await waitForDelivery(ctx.client, [sent], opts.timeout * 1000);
      if (ctx.json)
        ctx.printJson({ ...sent, state: outcome === 'timeout' ? 'queued' : outcome, ...(outcome === 'sent' ? { acked: false } : {}) });
      if (outcome === 'delivered' || outcome === 'sent') {
        if (!ctx.json) ctx.print(`Message ${sent.id} ${outcome} to ${label}${outcome === 'sent' ? `; ${UNCONFIRMED}` : ''}`);
        return;
      }
      if (outcome === 'timeout') {
        throw new CliError(
          `message ${sent.id} not delivered within ${opts.timeout}s; it stays queued and is delivered when the peer is reachable`,
          EXIT.timeout,
        );
      }
      throw new CliError(`message ${sent.id} ${outcome}`, EXIT.error);
    });

  program
    .command('watch')
    .description('print incoming messages and events as they happen')
    .option('--since <event-id>', 'first replay stored events after this event id', (v) => {
      if (!/^\d+$/.test(v)) throw new Error(`expected an event id, got "${v}"`);
      return Number(v);
    })
    .action(async (opts: { since?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const peers = ctx.json ? new Map<string, PeerLook>() : await peerLooks(ctx.client);
      let lastId = opts.since;
      let stopped = false;
      let current: ReturnType<typeof ctx.client.events> | undefined;
      const stop = () => {
        stopped = true;
        current?.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // When the daemon restarts, follow it: reconnect from the last event seen, so nothing is missed
      // or shown twice.
      for (let attempt = 0; !stopped; attempt++) {
        current = ctx.client.events(lastId, (event) => {
          lastId = event.id;
          if (ctx.json) return process.stdout.write(`${JSON.stringify(event)}\n`);
          notePeerEvent(event, peers);
          const line = formatEvent(event, peers, ctx.columns());
          if (line !== undefined) ctx.print(line);
        });
        try {
          await current.done;
          attempt = 0;
        } catch (err) {
          if (!(err instanceof DaemonNotRunningError) || lastId === undefined) throw err;
        }
        if (stopped) break;
        if (attempt === 0) process.stderr.write('p2pchat: lost the daemon; waiting for it to come back (Ctrl-C stops)\n');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });

  program
    .command('chat')
    .description('chat interactively with one peer: type lines to send; Ctrl-D or Ctrl-C leaves')
    .argument('<peer>', 'peer id, unique peer id prefix, or unique display name')
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const peer = await ctx.client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(target)}`);
      const label = peerLabel(peer.peerId, peer);
      const interactive = process.stdin.isTTY === true;
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
      const show = (line: string) => {
        if (ctx.json) return process.stdout.write(`${line}\n`);
        if (interactive) {
          process.stdout.write(`\r\x1b[K${line}\n`);
          rl.prompt(true);
        } else {
          process.stdout.write(`${line}\n`);
        }
      };
      const events = ctx.client.events(undefined, (event) => {
        if (event.type === 'message-received') {
          const m = event.data.message as Message;
          if (m.peerId !== peer.peerId) return;
          const header = `${localTime(m.time)}  ${m.request ? 'request from ' : ''}${chatName(peer)}: `;
          show(ctx.json ? JSON.stringify(event) : messageBlock(header, m.text, ctx.columns()));
        } else if ((event.type === 'peer-connected' || event.type === 'peer-disconnected') && event.data.peerId === peer.peerId) {
          show(ctx.json ? JSON.stringify(event) : `* ${label} ${event.type === 'peer-connected' ? 'connected' : 'disconnected'}`);
        }
      });
      if (!ctx.json) ctx.print(`Chatting with ${label}${peer.connected ? '' : ' (offline: messages wait in the outbox)'}. Ctrl-D leaves.`);
      rl.setPrompt('> ');
      if (interactive) rl.prompt();

      let sends = Promise.resolve();
      let failed = false;
      rl.on('line', (line) => {
        const text = line.trimEnd();
        if (text === '') return interactive ? rl.prompt() : undefined;
        // Sends are chained so that they reach the daemon in the order they were typed.
        sends = sends.then(async () => {
          try {
            const sent = await ctx.client.request<Message>('POST', '/v1/send', { to: peer.peerId, text });
            if (ctx.json) show(JSON.stringify(sent));
          } catch (err) {
            failed = true;
            show(`! not sent: ${safeInline((err as Error).message)}`);
          }
          if (interactive) rl.prompt();
        });
      });
      let eventsError: unknown;
      await new Promise<void>((resolve) => {
        rl.on('close', resolve);
        rl.on('SIGINT', () => rl.close());
        events.done.then(resolve, (err: unknown) => {
          eventsError = err;
          resolve();
        });
      });
      await sends;
      events.close();
      if (eventsError !== undefined) throw eventsError;
      if (interactive) process.stdout.write('\n');
      if (failed) throw new CliError('some messages were not sent', EXIT.error);
    });
}
