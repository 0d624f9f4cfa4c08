// What a command's own words were, as typed: commander keeps only the parsed result, and the text
// rule (arguments.ts) needs to see where options stood among the words of the text.
import type { Command } from 'commander';
import type { OptionShape } from './arguments.js';

export function optionShapes(cmd: Command): OptionShape[] {
  const all = [...cmd.options, ...(cmd.parent?.options ?? [])];
  return all.map((o) => ({
    flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
    takesValue: o.required || o.optional,
  }));
}

/** The words after the command's name in the program's arguments (global options before it skipped). */
export function wordsAfterCommand(cmd: Command): string[] {
  const program = cmd.parent;
  if (!program) return [];
  // rawArgs: what parse() was given (node, script, words), kept by commander but not in its types.
  const raw = ((program as unknown as { rawArgs?: string[] }).rawArgs ?? []).slice(2);
  const valueFlags = new Set(
    optionShapes(program)
      .filter((o) => o.takesValue)
      .flatMap((o) => o.flags),
  );
  for (let i = 0; i < raw.length; i++) {
    const word = raw[i] as string;
    if (valueFlags.has(word)) {
      i++;
      continue;
    }
    if (word.startsWith('-')) continue;
    return word === cmd.name() ? raw.slice(i + 1) : [];
  }
  return [];
}
