// `p2pchat room ...`: group conversations. One request each; `room chat` follows the event stream.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { RoomInfo, RoomInvitation, RoomMember, RoomMessage, SentRoomMessage } from '../../types.js';
import { positiveInt } from '../arguments.js';
import { type Context, context } from '../context.js';
import { BACK_TEXT, followEvents, lostText } from '../follow-events.js';
import type { PeerLook } from '../format.js';
import {
  formatMembers,
  formatRoomHistory,
  formatPresence,
  formatRoomMessage,
  formatRooms,
  noteRoomAuthor,
  roomLabel,
} from '../room-format.js';
import { peerLooks } from './info.js';

function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

const path = (room: string, what: string) => `/v1/rooms/${encodeURIComponent(room)}/${what}`;

async function show<T>(ctx: Context, value: T, text: (v: T) => string): Promise<void> {
  if (ctx.json) return ctx.printJson(value);
  ctx.print(text(value));
}

const joined = (r: RoomInfo) => `in ${roomLabel(r.name)} (${r.private ? 'private' : 'open'} room ${r.id}), ${r.members} member(s) known`;

export function registerRoomCommands(program: Command): void {
  const room = program
    .command('room')
    .description('group conversations: every member gets every message, exactly once, in the same order')
    .addHelpText('after', example('p2pchat room join office', 'p2pchat room send office "lunch at noon?"', 'p2pchat room chat office'));
  room
    .command('create')
    .description('create a room: open (anyone on the network joins by name) or --private (by invitation only, encrypted)')
    .argument('<name>', 'room name, such as office or #office')
    .option('--private', 'a private room: join by invitation, texts encrypted with the room key')
    .addHelpText('after', example('p2pchat room create office', 'p2pchat room create lab --private && p2pchat room invite lab'))
    .action(async (name: string, opts: { private?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const created = await ctx.client.request<RoomInfo>('POST', '/v1/rooms', { name, private: opts.private === true });
      await show(ctx, created, (r) => `${joined(r)}${r.private ? `\nInvite others with: p2pchat room invite ${r.name}` : ''}`);
    });
  room
    .command('join')
    .description('join an open room by name, or any room with an invitation (from room invite)')
    .argument('<name|invitation>', 'an open room’s name, or a p2pchat-room:... invitation')
    .addHelpText('after', example('p2pchat room join office', 'p2pchat room join p2pchat-room:eyJpZCI6...'))
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      await show(ctx, await ctx.client.request<RoomInfo>('POST', '/v1/rooms/join', { room: target }), joined);
    });
  room
    .command('invite')
    .description('print an invitation: the room id, its key for a private room, and addresses to start from')
    .argument('<room>', 'room name or id')
    .addHelpText('after', example('p2pchat room invite lab'))
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const inv = await ctx.client.request<RoomInvitation>('GET', path(target, 'invitation'));
      await show(ctx, inv, (i) =>
        [
          i.invitation,
          '',
          `Whoever has this joins ${roomLabel(i.room.name)} with: p2pchat room join <invitation>`,
          ...(i.room.private ? ['It holds the room key: share it only with people you want in the room.'] : []),
        ].join('\n'),
      );
    });
  room
    .command('leave')
    .description('leave a room: members are told; its history stays here')
    .argument('<room>', 'room name or id')
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      await show(ctx, await ctx.client.request<RoomInfo>('POST', '/v1/rooms/leave', { room: target }), (r) => `left ${roomLabel(r.name)}`);
    });
  room
    .command('list', { isDefault: true })
    .description('list your rooms with unread counts')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      await show(ctx, await ctx.client.request<RoomInfo[]>('GET', '/v1/rooms'), (r) => formatRooms(r, ctx.columns()));
    });
  room
    .command('members')
    .description('who is in a room, and who is online')
    .argument('<room>', 'room name or id')
    .action(async (target: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      await show(ctx, await ctx.client.request<RoomMember[]>('GET', path(target, 'members')), (m) => formatMembers(m, ctx.columns()));
    });
  room
    .command('send')
    .description('send a message to a room (stored before this returns; members get it live or when they next meet one of you)')
    .argument('<room>', 'room name or id')
    .argument('<text...>', 'the text (words are joined with spaces)')
    .addHelpText('after', example('p2pchat room send office "lunch at noon?"'))
    .action(async (target: string, words: string[], _opts, cmd: Command) => {
      const ctx = context(cmd);
      const sent = await ctx.client.request<SentRoomMessage>('POST', '/v1/rooms/send', { room: target, text: words.join(' ') });
      await show(ctx, sent, (m) => `sent to ${roomLabel(m.roomName)}`);
    });
  room
    .command('history')
    .description('the room’s messages, in the order every member sees them (marks them read)')
    .argument('<room>', 'room name or id')
    .option('-n, --limit <n>', 'the newest n messages', positiveInt, 100)
    .option(
      '--before <position>',
      'only messages before this one, given as <lamport>:<author> (both fields are in --json): the page before it',
    )
    .addHelpText('after', example('p2pchat room history office --before 1764567890123:12D3KooW... -n 50'))
    .action(async (target: string, opts: { limit: number; before?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const before = opts.before === undefined ? '' : `&before=${encodeURIComponent(opts.before)}`;
      const messages = await ctx.client.request<RoomMessage[]>('GET', `${path(target, 'messages')}?limit=${opts.limit}${before}`);
      if (ctx.json) return ctx.printJson(messages);
      ctx.print(formatRoomHistory(messages, await looksWithSelf(ctx), ctx.columns()));
    });
  room
    .command('chat')
    .description('chat in a room: type lines to send, see everyone’s messages; Ctrl-D or Ctrl-C leaves')
    .argument('<room>', 'room name or id')
    .action(async (target: string, _opts, cmd: Command) => chat(context(cmd), target));
}

/** Names of known peers, and this daemon's own as a contact, so your own lines carry your name. */
async function looksWithSelf(ctx: Context): Promise<Map<string, PeerLook>> {
  const [peers, me] = await Promise.all([peerLooks(ctx.client), ctx.client.request<{ peerId: string; name: string }>('GET', '/v1/status')]);
  peers.set(me.peerId, { name: me.name, trust: 'contact' });
  return peers;
}

async function chat(ctx: Context, target: string): Promise<void> {
  const info = (await ctx.client.request<RoomInfo[]>('GET', '/v1/rooms')).find(
    (r) => r.id === target || r.name === target.replace(/^#/, '').toLowerCase(),
  );
  const recent = await ctx.client.request<RoomMessage[]>('GET', `${path(target, 'messages')}?limit=20`);
  const roomId = info?.id ?? recent[0]?.room;
  const peers = await looksWithSelf(ctx);
  const status = await ctx.client.request<{ peerId: string }>('GET', '/v1/status');
  // No await from here until the line handler is attached: readline drops the lines that arrive
  // while nobody listens, and piped input can arrive as soon as the banner is out.
  const interactive = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  const print = (line: string) => {
    process.stdout.write(interactive ? `\r\x1b[K${line}\n` : `${line}\n`);
    if (interactive) rl.prompt(true);
  };
  const showMessage = (m: RoomMessage) => {
    noteRoomAuthor(m, peers);
    print(ctx.json ? JSON.stringify(m) : formatRoomMessage(m, peers, ctx.columns()));
  };
  const notice = (text: string) => (ctx.json ? undefined : process.stderr.write(`p2pchat: ${text}\n`));
  let sending = Promise.resolve();
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    sending = sending.then(async () => {
      try {
        await ctx.client.request<SentRoomMessage>('POST', '/v1/rooms/send', { room: target, text: line });
      } catch (err) {
        notice(`not sent: ${(err as Error).message}`);
      }
    });
  });
  if (!ctx.json) print(`Chatting in ${roomLabel(info?.name ?? target)}. Type a line and press Enter; Ctrl-D leaves.`);
  recent.forEach(showMessage);
  const follower = followEvents(ctx.client, undefined, {
    onEvent: (event) => {
      // Who comes and goes, as a line among the messages (not in --json, which prints messages only).
      if (event.type === 'room-presence' && event.data.room === roomId && !ctx.json) print(formatPresence(event.data, event.time, peers));
      if (event.type !== 'room-message') return;
      const m = event.data.message as RoomMessage;
      // Your own lines are on screen already, as you typed them.
      if (m.room === roomId && m.author !== status.peerId) showMessage(m);
    },
    onLost: (clean) => notice(lostText(clean)),
    onBack: () => notice(BACK_TEXT),
  });
  if (interactive) rl.prompt();
  await new Promise<void>((resolve) => rl.once('close', resolve));
  await sending;
  follower.stop();
  await follower.done.catch(() => {});
}
