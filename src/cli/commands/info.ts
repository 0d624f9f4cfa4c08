// status, peers, connect, history, outbox: one request each, printed for humans or as JSON.
import { lookup } from 'node:dns/promises';
import type { Command } from 'commander';
import type { Message, PeerInfo, StatusInfo } from '../../types.js';
import { positiveInt } from '../arguments.js';
import { ipMultiaddr, parseConnectTarget } from '../connect-address.js';
import { CliError, context, EXIT } from '../context.js';
import { duration, formatHistory, formatPeers, type PeerLook, peerLabel, reachabilityText } from '../format.js';
import { safeInline, safeName } from '../terminal-text.js';

/** The multiaddr to dial for what the user typed: a multiaddr as is; host:port with the host resolved here. */
async function connectMultiaddr(input: string): Promise<string> {
  let target: ReturnType<typeof parseConnectTarget>;
  try {
    target = parseConnectTarget(input);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  if ('multiaddr' in target) return target.multiaddr;
  // A peer id or an invitation goes to the daemon as typed: it finds the peer (DHT, relays).
  if ('peerRef' in target) return target.peerRef;
  try {
    const { address } = await lookup(target.host);
    return ipMultiaddr(address, target.port, target.peer);
  } catch {
    throw new CliError(`cannot resolve host name "${safeInline(target.host)}"`, EXIT.error);
  }
}

/** Why a history query found nothing, and what to do. */
function noMessagesText(peer: string | undefined, typed: string | undefined, opts: { before?: number; after?: number }): string {
  const range =
    opts.before !== undefined || opts.after !== undefined
      ? ` in that range (${[opts.after !== undefined ? `after seq ${opts.after}` : '', opts.before !== undefined ? `before seq ${opts.before}` : ''].filter(Boolean).join(', ')})`
      : '';
  if (peer !== undefined) return `No messages with ${peer}${range}. Send one with: p2pchat send ${safeInline(typed ?? '<peer>')} <text>`;
  if (range) return `No messages${range}.`;
  return 'No messages yet. Send one with: p2pchat send <peer> <text> (p2pchat peers lists who you can reach).';
}

/** 1536 → "1.5 KiB". */
function byteSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

const INBOUND_WORDS: Record<StatusInfo['trust']['inbound'], string> = {
  open: 'open (everyone may message you)',
  requests: 'requests (strangers’ messages wait as message requests)',
  contacts: 'contacts only (strangers’ messages are refused)',
};

export function registerInfoCommands(program: Command): void {
  program
    .command('status')
    .description("show the daemon's peer id, addresses and counts")
    .addHelpText('after', '\nExample:\n  p2pchat status --json')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const s = await ctx.client.request<StatusInfo>('GET', '/v1/status');
      if (ctx.json) return ctx.printJson(s);
      ctx.print(
        [
          `Peer ID:    ${s.peerId}`,
          `Name:       ${safeName(s.name, 64)}`,
          `Version:    ${s.version}`,
          `Addresses:  ${s.addresses.map(safeInline).join('\n            ') || '(none)'}`,
          `Discovery:  ${s.mdns ? `mDNS, network "${s.network}"` : 'off (connect peers by address)'}`,
          `Reach:      ${reachabilityText(s.wan)}`,
          `Web app:    ${webText(s.web)}`,
          `Socket:     ${s.socket}`,
          `Data dir:   ${s.dataDir}`,
          `Uptime:     ${duration(s.uptimeSeconds)} (pid ${s.pid})`,
          `Peers:      ${s.peers.connected} connected, ${s.peers.known} known`,
          `Messages:   ${s.messages.total} stored, ${s.messages.outbox} waiting in the outbox`,
          `Storage:    ${byteSize(s.storage.usedBytes)} of ${byteSize(s.storage.maxBytes)}${s.storage.usedBytes >= s.storage.maxBytes ? ' (full: incoming messages are refused)' : ''}`,

          `Trust:      ${INBOUND_WORDS[s.trust.inbound]}; ${s.trust.contacts} contacts, ${s.trust.blocked} blocked`,
          `Requests:   ${s.trust.requests.strangers === 0 ? 'none' : `${s.trust.requests.strangers} strangers wrote to you (${s.trust.requests.bytes} bytes held); see p2pchat requests`}`,
        ].join('\n'),
      );
    });

  program
    .command('peers')
    .description('list known peers and whether they are connected')
    .addHelpText('after', '\nExample:\n  p2pchat peers')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const peers = await ctx.client.request<PeerInfo[]>('GET', '/v1/peers');
      if (ctx.json) return ctx.printJson(peers);
      const mdns = peers.length > 0 || (await ctx.client.request<StatusInfo>('GET', '/v1/status')).mdns;
      ctx.print(formatPeers(peers, ctx.columns(), mdns));
    });

  program
    .command('connect')
    .description('connect to a peer by address, invitation or peer id (for peers mDNS cannot find); it becomes a contact')
    .argument(
      '<address>',
      'host:port, [v6addr]:port, a host name (port 4747) or a multiaddr (/p2p/<peer id> may follow); an invitation (p2pchat invite); a peer id (found through the DHT, with --wan)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  p2pchat connect 192.168.1.20:4747\n  p2pchat connect laptop.local\n  p2pchat connect [fe80::1%eth0]:4747\n  p2pchat connect /ip4/192.168.1.20/tcp/4747/p2p/12D3KooW...\n  p2pchat connect p2pchat-invite:eyJ2Ijox...\n  p2pchat connect 12D3KooW...',
    )
    .action(async (address: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const multiaddr = await connectMultiaddr(address);
      const peer = await ctx.client.request<PeerInfo>('POST', '/v1/connect', { multiaddr });
      if (ctx.json) return ctx.printJson(peer);
      ctx.print(`Connected to ${peerLabel(peer.peerId, peer)}`);
    });

  program
    .command('history')
    .description('show stored messages, oldest first')
    .argument('[peer]', 'only messages with this peer (id, id prefix or name)')
    .option('-n, --limit <n>', 'how many of the newest messages', positiveInt, 50)
    .option('--before <seq>', 'only messages stored before this seq (the SEQ column)', positiveInt)
    .option('--after <seq>', 'only messages stored after this seq (the SEQ column)', positiveInt)
    .addHelpText(
      'after',
      '\nSEQ is what --before and --after take; ID (a unique prefix) is what cancel and retry take.\n\nExample:\n  p2pchat history bob -n 20 --before 120',
    )
    .action(async (peer: string | undefined, opts: { limit: number; before?: number; after?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const q = new URLSearchParams({ limit: String(opts.limit) });
      if (peer !== undefined) q.set('peer', peer);
      if (opts.before !== undefined) q.set('before', String(opts.before));
      if (opts.after !== undefined) q.set('after', String(opts.after));
      const messages = await ctx.client.request<Message[]>('GET', `/v1/messages?${q}`);
      if (ctx.json) return ctx.printJson(messages);
      const looks = await peerLooks(ctx.client);
      // Name the peer as the daemon resolved it, not as typed (a prefix reads like a name).
      const resolved = peer === undefined ? undefined : await ctx.client.request<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peer)}`);
      const who = resolved === undefined ? undefined : peerLabel(resolved.peerId, resolved);
      ctx.print(formatHistory(messages, looks, ctx.columns(), noMessagesText(who, peer, opts)));
    });

  program
    .command('outbox')
    .description('list outgoing messages not yet delivered')
    .addHelpText('after', '\nExample:\n  p2pchat outbox\n  p2pchat cancel <ID>     # a message you no longer want sent')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const messages = await ctx.client.request<Message[]>('GET', '/v1/outbox');
      if (ctx.json) return ctx.printJson(messages);
      if (messages.length === 0) {
        return ctx.print('The outbox is empty: nothing waits to be sent. Messages that expired or failed are in p2pchat history.');
      }
      ctx.print(formatHistory(messages, await peerLooks(ctx.client), ctx.columns()));
    });

  program
    .command('metrics')
    .description("print the daemon's Prometheus metrics (GET /metrics), as a scraper sees them")
    .addHelpText('after', '\nExample:\n  p2pchat metrics | grep ^p2pchat_messages_total')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const text = await ctx.client.text('/metrics');
      // Already a text format for programs: --json would only wrap it in a string.
      process.stdout.write(ctx.json ? `${JSON.stringify({ metrics: text })}\n` : text);
    });
}

/** Every known peer by id: what labels need (name, petname, trust). */
export async function peerLooks(client: ReturnType<typeof context>['client']): Promise<Map<string, PeerLook>> {
  const peers = await client.request<PeerInfo[]>('GET', '/v1/peers');
  return new Map(peers.map((p) => [p.peerId, p]));
}

/** The `Web app:` line of `status`: where it listens (a login link comes from `p2pchat web`), or why it is off. */
function webText(web: StatusInfo['web']): string {
  if (web === undefined) return 'unknown (an older daemon)';
  return 'url' in web ? `${safeInline(web.url)} (log in with: p2pchat web)` : `off: ${safeInline(web.off)}`;
}
