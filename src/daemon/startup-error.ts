// Refusals to start: problems an operator must fix (configuration, identity, directories, database),
// so the daemon exits 78 and systemd does not restart it in a loop.

/** The daemon will not start until the operator fixes what the one-line message names. */
export class StartupRefusal extends Error {
  override name = 'StartupRefusal';
}

/** One line for stderr: messages never carry a stack, and embedded newlines are folded. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
