// invite: one string with this daemon's peer id and its current direct and relay addresses, for
// `p2pchat connect` on another machine.
import type { Command } from 'commander';
import type { StatusInfo } from '../../types.js';
import { context } from '../context.js';

export function registerInviteCommand(program: Command): void {
  program
    .command('invite')
    .description('print an invitation: this daemon’s peer id and addresses in one string, for `p2pchat connect` elsewhere')
    .addHelpText('after', '\nExample:\n  p2pchat invite            (then, on the other machine: p2pchat connect <invitation>)')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const invitation = await ctx.client.request<{ invitation: string; peerId: string; addresses: string[] }>('GET', '/v1/invitation');
      if (ctx.json) return ctx.printJson(invitation);
      ctx.print(invitation.invitation);
      const status = await ctx.client.request<StatusInfo>('GET', '/v1/status');
      // The hint goes to stderr, so that `p2pchat invite > file` holds only the invitation.
      if (!status.wan || status.wan.mode === 'lan-only') {
        process.stderr.write('note: beyond-the-LAN is off (p2pchat daemon --wan): only peers that reach these addresses can connect\n');
      } else if (status.wan.mode === 'behind-nat') {
        process.stderr.write('note: no relay reservation yet: peers outside your network cannot reach these addresses\n');
      }
    });
}
