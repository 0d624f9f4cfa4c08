#!/usr/bin/env node
// The p2pchat command. A thin client of the daemon's control API; only `daemon` loads libp2p.
import { Command, CommanderError, Option } from 'commander';
import { ApiResponseError, DaemonNotRunningError } from '../control/client.js';
import { VERSION } from '../version.js';
import { registerInfoCommands } from './commands/info.js';
import { registerMessagingCommands } from './commands/messaging.js';
import { registerTrustCommands } from './commands/trust.js';
import { CliError, EXIT } from './context.js';
import { displayName, type PeerLook } from './format.js';
import { safeInline } from './terminal-text.js';

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
    .option('--json', 'print JSON for scripts instead of text')
    .showHelpAfterError('(run p2pchat --help for usage)')
    .exitOverride();

  program
    .command('daemon')
    .description('run the daemon in the foreground (under systemd, Docker or a terminal)')
    .option('-l, --listen <multiaddr>', 'listen address, repeatable (default /ip4/0.0.0.0/tcp/4747)', collect)
    .option('-n, --name <text>', 'display name shown to peers (default: host name)')
    .option('--no-mdns', 'do not discover peers with mDNS')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addOption(
      new Option('--inbound <policy>', 'who may message you: open, requests (strangers held as requests), contacts').choices([
        'open',
        'requests',
        'contacts',
      ]),
    )
    .action(async (opts: { listen?: string[]; name?: string; mdns: boolean; logLevel?: string; inbound?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ home?: string; config?: string; socket?: string }>();
      const { runDaemon } = await import('../daemon/run.js');
      const code = await runDaemon({
        home: globals.home,
        config: globals.config,
        socket: globals.socket,
        listen: opts.listen,
        name: opts.name,
        mdns: opts.mdns === false ? false : undefined,
        logLevel: opts.logLevel,
        inbound: opts.inbound,
      });
      process.exit(code);
    });

  registerInfoCommands(program);
  registerMessagingCommands(program);
  registerTrustCommands(program);
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

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors have been printed by commander already.
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    if (err instanceof DaemonNotRunningError) {
      fail(`${err.message}. Start one with: p2pchat daemon`, EXIT.noDaemon, json, { error: 'daemon_not_running' });
    }
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
    if (err instanceof CliError) fail(err.message, err.exitCode, json);
    const message = (err as Error).message ?? String(err);
    fail(json ? message : safeInline(message), EXIT.error, json);
  }
}

// Not a top-level await: the shipped CLI is bundled as CommonJS (scripts/bundle.mjs). main() handles its errors.
void main(process.argv);
