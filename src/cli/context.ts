// What every CLI command needs: the parsed global options, the control client, and output helpers.
import type { Command } from 'commander';
import { ControlClient } from '../control/client.js';
import { findSocket } from './socket.js';

export interface GlobalOptions {
  home?: string;
  socket?: string;
  config?: string;
  json?: boolean;
}

/** Exit codes, documented in README.md. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  noDaemon: 3,
  peer: 4,
  timeout: 5,
} as const;

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

export interface Context {
  opts: GlobalOptions;
  client: ControlClient;
  json: boolean;
  print(text: string): void;
  printJson(value: unknown): void;
  /** The terminal's width when stdout is a terminal: human output is wrapped to it (see wrapLine). */
  columns(): number | undefined;
}

export function context(cmd: Command): Context {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return {
    opts,
    client: new ControlClient(findSocket(opts)),
    json: opts.json === true,
    print: (text) => process.stdout.write(`${text}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    columns: () => (process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined),
  };
}
