// status, peers, connect, history, outbox: one request each, printed for humans or as JSON.
import type { Command } from 'commander';
import type { Message, PeerInfo, StatusInfo } from '../../types.js';
import { context } from '../context.js';
import { duration, formatHistory, formatPeers, type PeerLook, peerLabel } from '../format.js';
import { safeInline, safeName } from '../terminal-text.js';

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`expected a positive whole number, got "${value}"`);
  return Number(value);
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
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const peers = await ctx.client.request<PeerInfo[]>('GET', '/v1/peers');
      if (ctx.json) return ctx.printJson(peers);
      ctx.print(formatPeers(peers, ctx.columns()));
    });

  program
    .command('connect')
    .description('connect to a peer by multiaddr (for peers mDNS cannot find)')
    .argument('<multiaddr>', 'for example /ip4/192.168.1.20/tcp/4747/p2p/12D3KooW...')
    .action(async (address: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const peer = await ctx.client.request<PeerInfo>('POST', '/v1/connect', { multiaddr: address });
      if (ctx.json) return ctx.printJson(peer);
      ctx.print(`Connected to ${peerLabel(peer.peerId, peer)}`);
    });

  program
    .command('history')
    .description('show stored messages, oldest first')
    .argument('[peer]', 'only messages with this peer (id, id prefix or name)')
    .option('-n, --limit <n>', 'how many of the newest messages', positiveInt, 50)
    .option('--before <seq>', 'only messages stored before this seq', positiveInt)
    .option('--after <seq>', 'only messages stored after this seq', positiveInt)
    .action(async (peer: string | undefined, opts: { limit: number; before?: number; after?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const q = new URLSearchParams({ limit: String(opts.limit) });
      if (peer !== undefined) q.set('peer', peer);
      if (opts.before !== undefined) q.set('before', String(opts.before));
      if (opts.after !== undefined) q.set('after', String(opts.after));
      const messages = await ctx.client.request<Message[]>('GET', `/v1/messages?${q}`);
      if (ctx.json) return ctx.printJson(messages);
      ctx.print(formatHistory(messages, await peerLooks(ctx.client), ctx.columns()));
    });

  program
    .command('outbox')
    .description('list outgoing messages not yet delivered')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const messages = await ctx.client.request<Message[]>('GET', '/v1/outbox');
      if (ctx.json) return ctx.printJson(messages);
      if (messages.length === 0) return ctx.print('The outbox is empty: every message was delivered.');
      ctx.print(formatHistory(messages, await peerLooks(ctx.client), ctx.columns()));
    });
}

/** Every known peer by id: what labels need (name, petname, trust). */
export async function peerLooks(client: ReturnType<typeof context>['client']): Promise<Map<string, PeerLook>> {
  const peers = await client.request<PeerInfo[]>('GET', '/v1/peers');
  return new Map(peers.map((p) => [p.peerId, p]));
}
