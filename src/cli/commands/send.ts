// `p2pchat send`: one message from the arguments or stdin, or each line of stdin (--lines);
// optionally waits for delivery, with feedback on a terminal.
import type { Command } from 'commander';
import type { ControlClient } from '../../control/client.js';
import type { PeerInfo, SentMessage, StatusInfo } from '../../types.js';
import { blankTextError, optionInText, optionInTextError, seconds } from '../arguments.js';
import { optionShapes, wordsAfterCommand } from '../command-words.js';
import { CliError, type Context, context, EXIT } from '../context.js';
import { peerLabel, shortId } from '../format.js';
import { ID_KEY_PATTERN, LinesSendError, planLines, sendPlanned } from '../send-lines.js';
import { safeInline } from '../terminal-text.js';
import { type Outcome, UNCONFIRMED, waitForDelivery } from '../wait-delivery.js';

/** What a message id may be (docs/control-api.md): printable ASCII without spaces. */
const MESSAGE_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** The protocol's frame limit, for a daemon that does not say its own. */
const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
/** What the daemon's id for a message looks like when none is chosen (a UUID). */
const SAMPLE_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A message's size on the wire, as the daemon checks it (src/protocol/envelope.ts, encodeMessage).
 * Written out here because the CLI bundle must not load the protocol's modules.
 */
function messageFrameBytes(text: string, id: string | undefined): number {
  return Buffer.byteLength(JSON.stringify({ v: 1, type: 'message', id: id ?? SAMPLE_ID, time: Date.now(), text }));
}

const SEND_HELP = `
The text: options go before the text or after all of it. An option-looking word with more text
after it is refused, never dropped; put -- before text that starts with a dash or contains one.
Empty or whitespace-only text is refused.

--lines reads all of stdin and checks every line before sending any (empty lines are skipped; a
line too large for one message is named by its number). With --id KEY, line N gets the message
id KEY-N: if a run fails halfway, run the same command again and only the lines not yet stored
are sent. Without --id a rerun sends every line again.

Examples:
  p2pchat send bob see you at noon
  p2pchat send --wait bob "did you get this?"
  p2pchat send bob -- -5 degrees outside
  p2pchat send --lines --id notes-2026-11-30 bob < notes.txt`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface SendOptions {
  lines?: boolean;
  wait?: boolean;
  timeout: number;
  id?: string;
}

/** Feedback for people: on a terminal's stderr, never on a pipe or with --json. */
function feedback(ctx: Context): ((text: string) => void) | undefined {
  return process.stderr.isTTY && !ctx.json ? (text) => process.stderr.write(text) : undefined;
}

/**
 * Ctrl-C while waiting: the message is not lost, say so and how to cancel it. Returns the
 * function that removes the handler.
 */
function onInterrupt(ctx: Context, sent: SentMessage[], label: string): () => void {
  const handler = () => {
    const one = sent.length === 1 ? (sent[0] as SentMessage) : undefined;
    const what = one ? `Message ${one.id} stays queued` : `${sent.length} messages stay queued`;
    const cancel = one ? `p2pchat cancel ${one.id}` : 'p2pchat outbox, then p2pchat cancel <id>';
    if (ctx.json) {
      process.stderr.write(`${JSON.stringify({ error: 'interrupted', message: 'stopped waiting', ids: sent.map((m) => m.id) })}\n`);
    } else {
      process.stderr.write(`\nStopped waiting. ${what} for ${label} and is delivered when it is reachable. To cancel: ${cancel}\n`);
    }
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

async function resolveTarget(client: ControlClient, peer: string): Promise<PeerInfo> {
  return client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peer)}`);
}

/** Waits with feedback; returns the outcome (the caller reports it). */
async function waitWithFeedback(
  ctx: Context,
  target: { label: string; connected: boolean },
  sent: SentMessage[],
  timeout: number,
): Promise<Outcome> {
  const say = feedback(ctx);
  const label = target.label;
  const pending = sent.filter((m) => m.state !== 'delivered');
  if (pending.length === 0) return 'delivered';
  const what = pending.length === 1 ? `message ${(pending[0] as SentMessage).id}` : `${pending.length} messages`;
  say?.(
    `Waiting up to ${timeout}s for ${label} to store ${what}${target.connected ? '' : ' (offline now: delivered once it connects)'}; Ctrl-C stops waiting, the message stays queued\n`,
  );
  const removeHandler = onInterrupt(ctx, pending, label);
  try {
    return await waitForDelivery(ctx.client, pending, timeout * 1000, (id, state) => {
      if (state === 'sent' && pending.length === 1) say?.(`Sent ${id}; waiting for ${label} to confirm it stored it\n`);
    });
  } finally {
    removeHandler();
  }
}

async function sendOne(ctx: Context, peer: string, text: string, opts: SendOptions): Promise<void> {
  const blank = blankTextError(text);
  if (blank) throw new CliError(`${blank}: give the text as arguments or on stdin`, EXIT.usage);
  const body = opts.id === undefined ? { to: peer, text } : { to: peer, text, id: opts.id };
  const sent = await ctx.client.request<SentMessage & { existing?: boolean }>('POST', '/v1/send', body);
  // The resolved peer, not what was typed: a prefix or a name reads better as who it is.
  const target = await resolveTarget(ctx.client, sent.peerId).catch(() => undefined);
  const label = target ? peerLabel(target.peerId, target) : shortId(sent.peerId);
  const again = sent.existing ? ' (already stored earlier: not sent twice)' : '';
  if (!opts.wait) {
    if (ctx.json) return ctx.printJson(sent);
    return ctx.print(`Message ${sent.id} ${sent.state} for ${label}${again}`);
  }
  // A peer the daemon cannot describe now (it was just forgotten) is still waited for.
  const outcome = await waitWithFeedback(ctx, { label, connected: target?.connected ?? true }, [sent], opts.timeout);
  if (ctx.json)
    ctx.printJson({ ...sent, state: outcome === 'timeout' ? 'queued' : outcome, ...(outcome === 'sent' ? { acked: false } : {}) });
  if (outcome === 'delivered' || outcome === 'sent') {
    if (!ctx.json) ctx.print(`Message ${sent.id} ${outcome} to ${label}${again}${outcome === 'sent' ? `; ${UNCONFIRMED}` : ''}`);
    return;
  }
  if (outcome === 'timeout') {
    throw new CliError(
      `message ${sent.id} not delivered within ${opts.timeout}s; it stays queued and is delivered when the peer is reachable (to cancel: p2pchat cancel ${sent.id})`,
      EXIT.timeout,
    );
  }
  throw new CliError(`message ${sent.id} ${outcome}; see p2pchat history`, EXIT.error);
}

/** `send --lines`: every line checked, then sent in batches; --json prints one stored message per line. */
async function sendEachLine(ctx: Context, peer: string, opts: SendOptions): Promise<void> {
  if (opts.id !== undefined && !ID_KEY_PATTERN.test(opts.id)) {
    throw new CliError(`option '--id <id>': with --lines, a key of 1-100 letters, digits, '.', '_', ':' or '-'`, EXIT.usage);
  }
  // Resolve once: a bad target fails before any input is read, and batches name the full id.
  const target = await resolveTarget(ctx.client, peer);
  const label = peerLabel(target.peerId, target);
  const status = await ctx.client.request<Partial<StatusInfo>>('GET', '/v1/status');
  const plan = planLines(await readStdin(), {
    key: opts.id,
    maxFrameBytes: status.limits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    frameBytes: messageFrameBytes,
  });
  if (plan.bad.length > 0) {
    const shown = plan.bad.slice(0, 10).map((b) => `  line ${b.line}: ${b.reason}`);
    const more = plan.bad.length > 10 ? [`  … and ${plan.bad.length - 10} more`] : [];
    throw new CliError(`nothing sent: ${plan.bad.length} line(s) cannot be sent\n${[...shown, ...more].join('\n')}`, EXIT.usage);
  }
  if (plan.messages.length === 0) throw new CliError('nothing to send: the input has no non-empty lines', EXIT.usage);
  const say = feedback(ctx);
  const progress = say && plan.messages.length > 1000 ? say : undefined;
  let stored: (SentMessage & { existing?: boolean })[];
  try {
    stored = await sendPlanned(ctx.client, target.peerId, plan.messages, (batch, done) => {
      if (ctx.json) for (const m of batch) process.stdout.write(`${JSON.stringify(m)}\n`);
      progress?.(`\rstored ${done} of ${plan.messages.length} lines`);
    });
  } catch (err) {
    if (!(err instanceof LinesSendError)) throw err;
    progress?.('\n');
    const rerun = opts.id === undefined ? '' : '; run the same command again to send the rest';
    const stop = err.stored === 0 ? 'nothing was sent' : `lines before it were stored (${err.stored} messages)${rerun}`;
    throw new CliError(`${safeInline(err.message)}: ${stop}`, EXIT.error);
  }
  progress?.('\n');
  const earlier = stored.filter((m) => m.existing).length;
  const fresh = stored.length - earlier;
  const summary = `${fresh} messages queued for ${label}${earlier > 0 ? ` (${earlier} already stored by an earlier run: not sent twice)` : ''}${plan.skipped > 0 ? `; ${plan.skipped} empty lines skipped` : ''}`;
  if (!opts.wait) {
    if (!ctx.json) ctx.print(summary);
    return;
  }
  const outcome = await waitWithFeedback(ctx, { label, connected: target.connected }, stored, opts.timeout);
  if (outcome === 'delivered' || outcome === 'sent') {
    if (!ctx.json) ctx.print(`${stored.length} messages ${outcome} to ${label}${outcome === 'sent' ? `; ${UNCONFIRMED}` : ''}`);
    return;
  }
  if (outcome === 'timeout') {
    throw new CliError(
      `not all ${stored.length} messages were delivered within ${opts.timeout}s; the rest stay queued and are delivered when the peer is reachable`,
      EXIT.timeout,
    );
  }
  throw new CliError(`a message to ${label} was ${outcome}; see p2pchat history`, EXIT.error);
}

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send a message (text from the arguments, or from stdin when there are none)')
    .argument('<peer>', 'peer id, unique peer id prefix, or unique display name')
    .argument('[text...]', 'the message')
    .option('-l, --lines', 'send each line of stdin as its own message (all checked first, then sent in batches)')
    .option('-w, --wait', 'wait until the peer has stored the message (delivered), or until it is sent to a peer that confirms nothing')
    .option('-t, --timeout <seconds>', 'with --wait: how long to wait', seconds, 30)
    .option(
      '--id <id>',
      'your own message id (printable, no spaces); sending an id again never makes a second message. With --lines: a key, line N gets id KEY-N',
    )
    .addHelpText('after', SEND_HELP)
    .action(async (peer: string, words: string[], opts: SendOptions, cmd: Command) => {
      const ctx = context(cmd);
      const misplaced = optionInText(wordsAfterCommand(cmd), optionShapes(cmd), 1);
      if (misplaced !== undefined) throw new CliError(optionInTextError(misplaced, 'send'), EXIT.usage);
      if (opts.lines) {
        if (words.length > 0) throw new CliError('--lines reads the messages from stdin; give no text arguments', EXIT.usage);
        return sendEachLine(ctx, peer, opts);
      }
      if (opts.id !== undefined && !MESSAGE_ID_PATTERN.test(opts.id)) {
        throw new CliError(`option '--id <id>': 1-128 printable characters without spaces`, EXIT.usage);
      }
      const text = words.length > 0 ? words.join(' ') : process.stdin.isTTY ? '' : (await readStdin()).replace(/\r?\n$/, '');
      return sendOne(ctx, peer, text, opts);
    });
}
