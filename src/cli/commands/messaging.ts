// send, watch, chat: the commands that move messages, each in its own module.
import type { Command } from 'commander';
import { registerChatCommand } from './chat.js';
import { registerSendCommand } from './send.js';
import { registerWatchCommand } from './watch.js';

export function registerMessagingCommands(program: Command): void {
  registerSendCommand(program);
  registerWatchCommand(program);
  registerChatCommand(program);
}
