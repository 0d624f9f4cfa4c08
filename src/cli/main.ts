#!/usr/bin/env node
// The p2pchat command. A thin client of the daemon's control API; only `daemon` loads libp2p.
import { Command, CommanderError, Option } from 'commander';
import { ApiResponseError, DaemonNotRunningError, UntrustedSocketError } from '../control/client.js';
import { VERSION } from '../version.js';
import { registerInfoCommands } from './commands/info.js';
import { registerMessagingCommands } from './commands/messaging.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerControlCommands } from './commands/control.js';
import { registerTrustCommands } from './commands/trust.js';
import { registerRoomCommands } from './commands/room.js';
import { registerInviteCommand } from './commands/invite.js';
import { registerWebCommand } from './commands/web.js';
import { startHint } from './arguments.js';
import { keepYoungGenerationSmall } from '../young-generation.js';
import { CliError, EXIT } from './context.js';
import { displayName, type PeerLook } from './format.js';
import { safeInline } from './terminal-text.js';

/** `p2pchat --help` ends with what a script needs to know: the exit codes (also in README.md). */
const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   error (the daemon refused the request, a message expired or failed)
  2   usage error (bad command line or option value)
  3   no daemon is running on the socket
  4   unknown or ambiguous peer (the candidates are listed)
  5   send --wait timed out; the message stays queued
  6   the control socket belongs to another user: nothing was sent
  78  the daemon refused to start (one line on stderr says why)

Run p2pchat <command> --help for a command's options and an example.`;

/** --json counts only as an option, not as a word of a message's text after `--`. */
function jsonWanted(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  const program = new Command('p2pchat')
    .description('Decentralized LAN chat: a daemon per machine, driven by this command.')
    .version(VERSION, '-V, --version')
    .option('--home <dir>', 'keep everything of one daemon in this directory (env P2PCHAT_HOME)')
    .option('--socket <path>', 'control socket of the daemon to talk to (env P2PCHAT_SOCKET)')
    .option('-c, --config <file>', 'config file (env P2PCHAT_CONFIG)')
    .option('--json', 'print JSON for scripts instead of text; errors are one JSON object on stderr')
    .showHelpAfterError('(run p2pchat --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    // With --json, main() prints usage errors as JSON; commander's own text would come first.
    .configureOutput({ writeErr: (text) => (jsonWanted(process.argv) ? undefined : process.stderr.write(text)) })
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  program
    .command('daemon')
    .description('run the daemon in the foreground (under systemd, Docker or a terminal)')
    .option('-l, --listen <multiaddr>', 'listen address, repeatable (default /ip4/0.0.0.0/tcp/4747)', collect)
    .option('-n, --name <text>', 'display name shown to peers (default: host name)')
    .option('--no-mdns', 'do not discover peers with mDNS')
    .option('--wan', 'reach peers beyond the LAN (relays, DHT): off by default')
    .option('--relay <multiaddr>', 'relay to keep a reservation on, repeatable (config wan.relays)', collect)
    .option('--bootstrap <multiaddr>', 'DHT bootstrap peer, repeatable (config wan.bootstrap)', collect)
    .option('--relay-server', 'relay other daemons’ connections and serve the DHT (for a reachable host)')
    .option('--reset-database', 'if the database is empty or damaged, move it aside and start with an empty one')
    .addHelpText('after', '\nExamples:\n  p2pchat daemon\n  p2pchat --home ~/second daemon --name second --no-mdns')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addOption(
      new Option('--inbound <policy>', 'who may message you: open, requests (strangers held as requests), contacts').choices([
        'open',
        'requests',
        'contacts',
      ]),
    )
    .action(
      async (
        opts: {
          listen?: string[];
          name?: string;
          mdns: boolean;
          logLevel?: string;
          inbound?: string;
          resetDatabase?: boolean;
          wan?: boolean;
          relay?: string[];
          bootstrap?: string[];
          relayServer?: boolean;
        },
        cmd: Command,
      ) => {
        const globals = cmd.optsWithGlobals<{ home?: string; config?: string; socket?: string }>();
        keepYoungGenerationSmall();
        const { runDaemon } = await import('../daemon/run.js');
        const code = await runDaemon(
          {
            home: globals.home,
            config: globals.config,
            socket: globals.socket,
            listen: opts.listen,
            name: opts.name,
            mdns: opts.mdns === false ? false : undefined,
            logLevel: opts.logLevel,
            inbound: opts.inbound,
            wan: opts.wan,
            relays: opts.relay,
            bootstrap: opts.bootstrap,
            relayServer: opts.relayServer,
          },
          { resetDatabase: opts.resetDatabase === true },
        );
        process.exit(code);
      },
    );

  registerInfoCommands(program);
  registerMessagingCommands(program);
  registerTrustCommands(program);
  registerRoomCommands(program);
  registerControlCommands(program);
  registerInviteCommand(program);
  registerWebCommand(program);
  // Last: the completion scripts are generated from every command registered above.
  registerCompletionCommand(program);
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  program.commands.forEach(exitOverride);
  return program;
}

/** A candidate's name in the list of an unknown or ambiguous peer: what it claims, and whether it is a contact. */
function candidateName(candidate: PeerLook): string {
  const name = displayName(candidate) ?? '';
  return candidate.trust === 'stranger' || candidate.trust === 'blocked' ? `${name} (${candidate.trust})`.trimStart() : name;
}

function fail(message: string, code: number, json: boolean, extra: Record<string, unknown> = {}): never {
  if (json) process.stderr.write(`${JSON.stringify({ error: 'error', message, ...extra })}\n`);
  else process.stderr.write(`p2pchat: ${message}\n`);
  process.exit(code);
}

/** What commander says of a usage error, without its "error: " and with our advice for a dash. */
function usageMessage(err: CommanderError): string {
  const message = err.message.replace(/^error: /, '');
  if (err.code === 'commander.unknownOption')
    return `${message} (text that starts with a dash goes after --: p2pchat send <peer> -- <text>)`;
  return message;
}

async function main(argv: string[]): Promise<void> {
  const json = jsonWanted(argv);
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0. Usage errors: commander printed them already, except with --json.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(EXIT.ok);
      if (json) fail(usageMessage(err), EXIT.usage, json, { error: 'usage' });
      if (err.code === 'commander.unknownOption')
        process.stderr.write('p2pchat: text that starts with a dash goes after --: p2pchat send <peer> -- <text>\n');
      process.exit(EXIT.usage);
    }
    if (err instanceof DaemonNotRunningError) {
      fail(`${err.message}. Start one with: ${startHint(argv.slice(2))}`, EXIT.noDaemon, json, { error: 'daemon_not_running' });
    }
    if (err instanceof UntrustedSocketError) fail(err.message, EXIT.untrustedSocket, json, { error: 'untrusted_socket' });
    if (err instanceof ApiResponseError) {
      const peerError = err.code === 'unknown_peer' || err.code === 'ambiguous_peer';
      const candidates = Array.isArray(err.body.candidates) ? (err.body.candidates as ({ peerId: string } & PeerLook)[]) : [];
      const hint =
        !json && peerError && candidates.length > 0
          ? `\ncandidates:\n${candidates.map((c) => `  ${safeInline(String(c.peerId))}  ${candidateName(c)}`.trimEnd()).join('\n')}`
          : '';
      fail(`${json ? err.message : safeInline(err.message)}${hint}`, peerError ? EXIT.peer : EXIT.error, json, {
        ...err.body,
        error: err.code,
      });
    }
    if (err instanceof CliError) fail(err.message, err.exitCode, json, err.exitCode === EXIT.usage ? { error: 'usage' } : {});
    const message = (err as Error).message ?? String(err);
    fail(json ? message : safeInline(message), EXIT.error, json);
  }
}

// Not a top-level await: the shipped CLI is bundled as CommonJS (scripts/bundle.mjs). main() handles its errors.
void main(process.argv);
