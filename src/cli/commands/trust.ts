// contacts, block, unblock, requests, forget: who may reach you. One request each.
import type { Command } from 'commander';
import type { MessageRequests } from '../../trust/trust-api.js';
import type { PeerInfo } from '../../types.js';
import { type Context, context } from '../context.js';
import { peerLabel, table } from '../format.js';
import { safeInline, safeName } from '../terminal-text.js';

/** The example each command's --help ends with. */
function example(line: string): string {
  return `\nExample:\n  ${line}`;
}

type Action = (ctx: Context, ...args: string[]) => Promise<void>;

/** Wraps a command's action: a context from the parsed options, then the command's own work. */
function run(action: Action) {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    await action(context(cmd), ...(args.filter((a) => typeof a === 'string') as string[]));
  };
}

async function post<T>(ctx: Context, path: string, body: unknown): Promise<T> {
  return ctx.client.request<T>('POST', path, body);
}

function formatContacts(peers: PeerInfo[]): string {
  if (peers.length === 0) {
    return 'No contacts yet. Add one with: p2pchat contacts add <peer> [--as NAME] (peers you connect to or write to become contacts).';
  }
  return table(
    ['NAME', 'PEER ID', 'CLAIMS TO BE', 'STATUS'],
    peers.map((p) => [
      safeName(p.petname ?? p.claimedName ?? '-'),
      safeInline(p.peerId),
      safeName(p.claimedName ?? '-'),
      p.connected ? 'connected' : 'offline',
    ]),
  );
}

function formatRequests(requests: MessageRequests[]): string {
  if (requests.length === 0) return 'No message requests: strangers have not written to you.';
  return [
    table(
      ['FROM', 'PEER ID', 'MESSAGES', 'BYTES'],
      requests.map((r) => [
        r.peer.claimedName ? `${safeName(r.peer.claimedName)} (stranger)` : '(stranger)',
        safeInline(r.peer.peerId),
        String(r.count),
        String(r.bytes),
      ]),
    ),
    '',
    'Read them with: p2pchat history <peer id>. Accept with: p2pchat requests accept <peer id>. Refuse with: p2pchat block <peer id>.',
  ].join('\n');
}

export function registerTrustCommands(program: Command): void {
  const contacts = program
    .command('contacts')
    .description('list, add, rename and remove contacts (peers you accept messages from)')
    .addHelpText('after', example('p2pchat contacts add 12D3KooWBCiz --as "Alice (work)"'));
  contacts
    .command('list', { isDefault: true })
    .description('list your contacts')
    .addHelpText('after', example('p2pchat contacts'))
    .action(
      run(async (ctx) => {
        const peers = await ctx.client.request<PeerInfo[]>('GET', '/v1/contacts');
        if (ctx.json) return ctx.printJson(peers);
        ctx.print(formatContacts(peers));
      }),
    );
  contacts
    .command('add')
    .description('accept a peer as a contact, optionally under a name of your own')
    .addHelpText('after', example('p2pchat contacts add 12D3KooWBCiz --as alice'))
    .argument('<peer>', 'peer id or unique id prefix (a stranger’s claimed name is not enough)')
    .option('--as <name>', 'your name for this contact; shown instead of the name it claims')
    .action(async (peer: string, opts: { as?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const added = await post<PeerInfo>(ctx, '/v1/contacts', { peer, ...(opts.as === undefined ? {} : { as: opts.as }) });
      if (ctx.json) return ctx.printJson(added);
      ctx.print(`${peerLabel(added.peerId, added)} is a contact`);
    });
  contacts
    .command('rename')
    .description('give a contact a name of your own')
    .addHelpText('after', example('p2pchat contacts rename alice "Alice (work)"'))
    .argument('<peer>', 'the contact')
    .argument('<name>', 'the new name')
    .action(
      run(async (ctx, peer, name) => {
        const renamed = await post<PeerInfo>(ctx, '/v1/contacts/rename', { peer, as: name });
        if (ctx.json) return ctx.printJson(renamed);
        ctx.print(`${peerLabel(renamed.peerId, renamed)} renamed`);
      }),
    );
  contacts
    .command('remove')
    .description('make a contact a stranger again (history stays)')
    .addHelpText('after', example('p2pchat contacts remove alice'))
    .argument('<peer>', 'the contact')
    .action(
      run(async (ctx, peer) => {
        const removed = await post<PeerInfo>(ctx, '/v1/contacts/remove', { peer });
        if (ctx.json) return ctx.printJson(removed);
        ctx.print(`${peerLabel(removed.peerId, removed)} is no longer a contact`);
      }),
    );

  program
    .command('block')
    .description('refuse a peer: no connection, no messages, its message requests deleted')
    .addHelpText('after', example('p2pchat block 12D3KooWBCiz'))
    .argument('<peer>', 'peer id, id prefix, or a contact’s name')
    .action(
      run(async (ctx, peer) => {
        const blocked = await post<PeerInfo>(ctx, '/v1/block', { peer });
        if (ctx.json) return ctx.printJson(blocked);
        ctx.print(`${peerLabel(blocked.peerId, blocked)} is blocked`);
      }),
    );
  program
    .command('unblock')
    .description('lift a block: the peer becomes a stranger again')
    .addHelpText('after', example('p2pchat unblock 12D3KooWBCiz'))
    .argument('<peer>', 'peer id or id prefix')
    .action(
      run(async (ctx, peer) => {
        const unblocked = await post<PeerInfo>(ctx, '/v1/unblock', { peer });
        if (ctx.json) return ctx.printJson(unblocked);
        ctx.print(`${peerLabel(unblocked.peerId, unblocked)} is no longer blocked (a stranger now)`);
      }),
    );

  const requests = program
    .command('requests')
    .description('message requests: what strangers sent you, held until you accept or block them')
    .addHelpText('after', example('p2pchat requests accept 12D3KooWBCiz'));
  requests
    .command('list', { isDefault: true })
    .description('list pending message requests')
    .addHelpText('after', example('p2pchat requests'))
    .action(
      run(async (ctx) => {
        const pending = await ctx.client.request<MessageRequests[]>('GET', '/v1/requests');
        if (ctx.json) return ctx.printJson(pending);
        ctx.print(formatRequests(pending));
      }),
    );
  requests
    .command('accept')
    .description('accept a stranger as a contact; its requests become ordinary history')
    .addHelpText('after', example('p2pchat requests accept 12D3KooWBCiz'))
    .argument('<peer>', 'peer id or id prefix')
    .action(
      run(async (ctx, peer) => {
        const accepted = await post<PeerInfo & { accepted: number }>(ctx, '/v1/requests/accept', { peer });
        if (ctx.json) return ctx.printJson(accepted);
        ctx.print(`${peerLabel(accepted.peerId, accepted)} is a contact; ${accepted.accepted} message(s) moved to history`);
      }),
    );

  program
    .command('forget')
    .description('drop a peer from the peers list (and, with --history, every message with it)')
    .addHelpText('after', example('p2pchat forget 12D3KooWBCiz --history'))
    .argument('<peer>', 'peer id, id prefix, or a contact’s name')
    .option('--history', 'also delete every message exchanged with it')
    .action(async (peer: string, opts: { history?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const result = await post<{ peerId: string; messages: number }>(ctx, '/v1/forget', { peer, history: opts.history === true });
      if (ctx.json) return ctx.printJson(result);
      ctx.print(`Forgot ${result.peerId}${opts.history ? `; deleted ${result.messages} message(s)` : '; its messages stay in history'}`);
    });
}
