// `p2pchat chat <peer>`: type lines to send, see replies, and see each of your lines marked when
// it is sent (✓) and when the peer stored it (✓✓), or why it failed (✗). Follows the daemon
// across restarts.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ChatEvent, Message, PeerInfo } from '../../types.js';
import { CliError, context, EXIT } from '../context.js';
import { BACK_TEXT, followEvents, lostText } from '../follow-events.js';
import { displayName, localTime, messageBlock, peerLabel, shortId } from '../format.js';
import { safeInline, truncate } from '../terminal-text.js';

/** How `chat` names the other side before each message: its name, and "(stranger)" unless it is a contact. */
function chatName(peer: PeerInfo): string {
  const name = displayName(peer) ?? shortId(peer.peerId);
  return peer.trust === 'contact' ? name : `${name} (${peer.trust})`;
}

/** The mark of one of your lines in a state, or undefined for states not worth a line (queued). */
export function deliveryMark(state: string, reason: string | undefined, acked: boolean): string | undefined {
  switch (state) {
    case 'sent':
      return acked ? '✓  sent' : '✓  sent (this peer sends no delivery receipts)';
    case 'delivered':
      return '✓✓ delivered';
    case 'failed':
    case 'expired':
    case 'cancelled':
      return `✗  ${state}${reason ? ` (${safeInline(reason)})` : ''}`;
    default:
      return undefined;
  }
}

/** Most state changes kept for messages whose send has not answered yet. */
const MAX_EARLY_STATES = 256;

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('chat interactively with one peer: type lines to send; Ctrl-D or Ctrl-C leaves')
    .argument('<peer>', 'peer id, unique peer id prefix, or unique display name')
    .addHelpText(
      'after',
      '\nEach line you send is marked ✓ when it is sent to the peer, ✓✓ when the peer stored it, ✗ with the reason when it failed; … while it waits for an offline peer.\n\nExample:\n  p2pchat chat bob',
    )
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

      // Your lines by message id, and the states seen of ids whose send has not answered yet (the
      // event can come before the answer).
      const mine = new Map<string, { text: string; acked: boolean; state?: string }>();
      const early = new Map<string, ChatEvent>();
      // Whether the peer is connected now: a line to an offline peer is marked as waiting.
      let connected = peer.connected;
      const markLine = (event: ChatEvent) => {
        const id = String(event.data.id);
        const line = mine.get(id);
        if (!line) {
          if (early.size >= MAX_EARLY_STATES) early.delete(early.keys().next().value as string);
          early.set(id, event);
          return;
        }
        const state = String(event.data.state);
        // Delivered before "sent" was shown: show only the later mark, never one going back.
        if (line.state === 'delivered' || line.state === state) return;
        line.state = state;
        if (ctx.json) return show(JSON.stringify(event));
        const mark = deliveryMark(state, event.data.reason === undefined ? undefined : String(event.data.reason), line.acked);
        if (mark) show(`${localTime(event.time)}  ${mark}: ${truncate(safeInline(line.text), 40)}`);
      };

      const follower = followEvents(ctx.client, undefined, {
        onEvent: (event) => {
          if (event.type === 'message-received') {
            const m = event.data.message as Message;
            if (m.peerId !== peer.peerId) return;
            const header = `${localTime(m.time)}  ${m.request ? 'request from ' : ''}${chatName(peer)}: `;
            show(ctx.json ? JSON.stringify(event) : messageBlock(header, m.text, ctx.columns()));
          } else if (event.type === 'message-state-changed' && event.data.peerId === peer.peerId) {
            markLine(event);
          } else if ((event.type === 'peer-connected' || event.type === 'peer-disconnected') && event.data.peerId === peer.peerId) {
            connected = event.type === 'peer-connected';
            show(ctx.json ? JSON.stringify(event) : `* ${label} ${event.type === 'peer-connected' ? 'connected' : 'disconnected'}`);
          }
        },
        onLost: (clean) => show(ctx.json ? JSON.stringify({ daemon: clean ? 'stopped' : 'lost' }) : `* ${lostText(clean)}`),
        onBack: () => show(ctx.json ? JSON.stringify({ daemon: 'back' }) : `* ${BACK_TEXT}`),
      });
      if (!ctx.json) ctx.print(`Chatting with ${label}${peer.connected ? '' : ' (offline: messages wait in the outbox)'}. Ctrl-D leaves.`);
      rl.setPrompt('> ');
      if (interactive) rl.prompt();

      let sends = Promise.resolve();
      let failed = false;
      rl.on('line', (line) => {
        const text = line.trimEnd();
        if (text.trim() === '') return interactive ? rl.prompt() : undefined;
        // Sends are chained so that they reach the daemon in the order they were typed.
        sends = sends.then(async () => {
          try {
            if (follower.away) throw new Error('the daemon is not running; type it again once it is back');
            const sent = await ctx.client.request<Message>('POST', '/v1/send', { to: peer.peerId, text });
            mine.set(sent.id, { text, acked: sent.acked !== false });
            if (ctx.json) show(JSON.stringify(sent));
            else if (!connected) show(`${localTime(sent.time)}  …  queued, ${label} is offline: ${truncate(safeInline(text), 40)}`);
            const seen = early.get(sent.id);
            early.delete(sent.id);
            if (seen) markLine(seen);
          } catch (err) {
            failed = true;
            show(`! not sent: ${safeInline((err as Error).message)}: ${truncate(safeInline(text), 40)}`);
          }
          if (interactive) rl.prompt();
        });
      });
      let followError: unknown;
      await new Promise<void>((resolve) => {
        rl.on('close', resolve);
        rl.on('SIGINT', () => rl.close());
        follower.done.then(resolve, (err: unknown) => {
          followError = err;
          resolve();
        });
      });
      await sends;
      follower.stop();
      if (followError !== undefined) throw followError;
      if (interactive) process.stdout.write('\n');
      if (failed) throw new CliError('some messages were not sent', EXIT.error);
    });
}
