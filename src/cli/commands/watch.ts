// `p2pchat watch`: incoming messages and events as they happen, across daemon restarts.
import type { Command } from 'commander';
import { eventId } from '../arguments.js';
import { context } from '../context.js';
import { formatEvent, notePeerEvent, type PeerLook } from '../format.js';
import { BACK_TEXT, followEvents, lostText } from '../follow-events.js';
import { peerLooks } from './info.js';
import { roomEventLine } from '../room-format.js';

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('print incoming messages and events as they happen; follows the daemon across restarts')
    .option('--since <event-id>', 'first replay stored events after this event id (0: all stored events)', eventId)
    .option('--ids', 'end each event with its id (#123), what --since takes')
    .addHelpText('after', '\nExamples:\n  p2pchat watch\n  p2pchat watch --ids --since 120    # everything after event 120, with ids')
    .action(async (opts: { since?: number; ids?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      // Names of every known peer first, so events that carry none (or older ones) still show them.
      const peers = ctx.json ? new Map<string, PeerLook>() : await peerLooks(ctx.client);
      // Your own room messages carry your name, not "stranger".
      if (!ctx.json) {
        const me = await ctx.client.request<{ peerId: string; name: string }>('GET', '/v1/status');
        peers.set(me.peerId, { name: me.name, trust: 'contact' });
      }
      const notice = (text: string) => (ctx.json ? undefined : process.stderr.write(`p2pchat: ${text}\n`));
      const follower = followEvents(ctx.client, opts.since, {
        onEvent: (event) => {
          if (ctx.json) return process.stdout.write(`${JSON.stringify(event)}\n`);
          notePeerEvent(event, peers);
          const line =
            event.type === 'room-message' || event.type === 'room-presence'
              ? roomEventLine(event, peers, ctx.columns(), opts.ids === true)
              : formatEvent(event, peers, ctx.columns(), opts.ids === true);
          if (line !== undefined) ctx.print(line);
        },
        onLost: (clean) => notice(lostText(clean)),
        onBack: () => {
          notice(BACK_TEXT);
          // Peers met while it was away: their names, for the events that follow.
          if (!ctx.json)
            void peerLooks(ctx.client).then(
              (fresh) => fresh.forEach((look, id) => peers.set(id, { ...peers.get(id), ...look })),
              () => {},
            );
        },
      });
      const stop = () => follower.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await follower.done;
    });
}
