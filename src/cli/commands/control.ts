// stop, name, cancel, retry: the daemon and its outbox, one request each.
import type { Command } from 'commander';
import { DaemonNotRunningError } from '../../control/client.js';
import type { Message, PeerInfo, StatusInfo } from '../../types.js';
import { blankTextError } from '../arguments.js';
import { CliError, type Context, context, EXIT } from '../context.js';
import { peerLabel, shortId } from '../format.js';
import { safeInline, safeName } from '../terminal-text.js';

/** How long `stop` waits for the daemon to let go of its socket. */
const STOP_WAIT_MS = 30_000;

async function targetLabel(ctx: Context, peerId: string): Promise<string> {
  try {
    return peerLabel(peerId, await ctx.client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peerId)}`));
  } catch {
    return shortId(peerId);
  }
}

/** Resolves once nothing answers on the socket any more: the daemon has stopped. */
async function waitUntilGone(ctx: Context, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await ctx.client.request('GET', '/v1/status');
    } catch (err) {
      if (err instanceof DaemonNotRunningError) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export function registerControlCommands(program: Command): void {
  program
    .command('stop')
    .description('stop the daemon cleanly (as SIGTERM does) and wait until it has stopped')
    .addHelpText('after', '\nExample:\n  p2pchat --home ~/second stop')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const status = await ctx.client.request<StatusInfo>('GET', '/v1/status');
      await ctx.client.request('POST', '/v1/stop', {});
      const gone = await waitUntilGone(ctx, STOP_WAIT_MS);
      if (!gone) throw new CliError(`the daemon (pid ${status.pid}) said it is stopping but still answers after ${STOP_WAIT_MS / 1000}s`);
      if (ctx.json) return ctx.printJson({ stopped: true, pid: status.pid });
      ctx.print(`Daemon stopped (pid ${status.pid}); queued messages wait in the outbox until it runs again.`);
    });

  program
    .command('name')
    .description('change the name peers see, now; connected peers learn it without a restart')
    .argument('<name...>', 'the new display name')
    .addHelpText(
      'after',
      '\nThe name lasts until the daemon restarts; to keep it, set "name" in the config file (or start with --name).\n\nExample:\n  p2pchat name Alice at the office',
    )
    .action(async (words: string[], _opts, cmd: Command) => {
      const ctx = context(cmd);
      const name = words.join(' ');
      const blank = blankTextError(name);
      if (blank) throw new CliError('the name is empty or only whitespace', EXIT.usage);
      const status = await ctx.client.request<StatusInfo>('POST', '/v1/name', { name });
      if (ctx.json) return ctx.printJson(status);
      ctx.print(`Your name is now "${safeName(status.name, 64)}"; connected peers have been told. It lasts until the daemon restarts.`);
    });

  program
    .command('cancel')
    .description('cancel an outgoing message that is still queued or waiting for its ack')
    .argument('<message>', 'message id, or a unique prefix of it (as history and outbox show)')
    .addHelpText('after', '\nExample:\n  p2pchat outbox\n  p2pchat cancel 0192f3a4-5b6c')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const message = await ctx.client.request<Message>('POST', '/v1/messages/cancel', { id });
      if (ctx.json) return ctx.printJson(message);
      const label = await targetLabel(ctx, message.peerId);
      ctx.print(`Message ${safeInline(message.id)} to ${label} cancelled. To send it after all: p2pchat retry ${safeInline(message.id)}`);
    });

  program
    .command('retry')
    .description('queue a failed, expired or cancelled outgoing message again (same id)')
    .argument('<message>', 'message id, or a unique prefix of it (as history and outbox show)')
    .addHelpText('after', '\nExample:\n  p2pchat history bob\n  p2pchat retry 0192f3a4-5b6c')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const message = await ctx.client.request<Message>('POST', '/v1/messages/retry', { id });
      if (ctx.json) return ctx.printJson(message);
      const label = await targetLabel(ctx, message.peerId);
      ctx.print(`Message ${safeInline(message.id)} queued again for ${label}`);
    });
}
