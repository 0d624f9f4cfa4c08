// The rules for what a user types, as pure functions: option values, and the text of a message.
//
// The text rule: options go before the text or after all of it (`send --wait bob hi`,
// `send bob hi --wait`). An option-looking word with more text after it (`send bob pass --wait
// next time`) is neither taken as an option nor silently dropped: the command is refused, naming
// the word. Text that starts with a dash or contains such a word goes after `--`
// (`send bob -- -1 is less than 0`); the words are joined by one space.
import { InvalidArgumentError } from 'commander';

/** `-n abc`, `-n 0`: a whole number of at least 1. Commander names the option in its error. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}

/** `--timeout 0`, `--timeout x`: a positive number of seconds. */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds.');
  return n;
}

/** `--since x`: an event id (0 replays everything stored). */
export function eventId(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected an event id (a whole number, 0 for all stored events).');
  return Number(value);
}

/** A message's text: refused when empty or only whitespace (an error message, else undefined). */
export function blankTextError(text: string): string | undefined {
  return text.trim() === '' ? 'nothing to send: the text is empty or only whitespace' : undefined;
}

export interface OptionShape {
  /** Every spelling, e.g. ['-t', '--timeout']. */
  flags: string[];
  /** True when the option takes a value in the next word (`-t 5`). */
  takesValue: boolean;
}

/**
 * The first option-looking word inside the text (text before it and after it), in the words that
 * follow the command's name as typed; undefined when there is none. `leadingOperands` is how many
 * operands come before the text (`send <peer> [text...]`: 1). Words after `--` are text.
 */
export function optionInText(words: string[], options: OptionShape[], leadingOperands: number): string | undefined {
  const valueTaking = new Set(options.filter((o) => o.takesValue).flatMap((o) => o.flags));
  let operands = 0;
  let afterText: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') return afterText;
    // A negative number is text, as commander takes it (no option of ours is a digit).
    if (word.length > 1 && word.startsWith('-') && !/^-\d+(\.\d+)?$/.test(word)) {
      if (operands > leadingOperands) afterText ??= word;
      // `--timeout 5` takes the next word; `--timeout=5` and `-t5` do not.
      if (valueTaking.has(word)) i++;
      continue;
    }
    if (afterText !== undefined) return afterText;
    operands++;
  }
  return undefined;
}

/** The message to the user when optionInText found a word. */
export function optionInTextError(word: string, command: string): string {
  return (
    `"${word}" is in the middle of the text: options go before the text or after all of it; ` +
    `to send it as text, put -- before the text (p2pchat ${command} <peer> -- <text...>)`
  );
}

/** How to start the daemon this command looked for: with the same --home or --config. */
export function startHint(argv: string[]): string {
  const words = argv.indexOf('--') === -1 ? argv : argv.slice(0, argv.indexOf('--'));
  const parts = ['p2pchat'];
  for (const flag of ['--home', '--config', '-c']) {
    const i = words.findIndex((w) => w === flag || w.startsWith(`${flag}=`));
    if (i === -1) continue;
    const word = words[i] as string;
    const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : words[i + 1];
    if (value !== undefined)
      parts.push(flag === '-c' ? '--config' : flag, /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`);
  }
  return `${parts.join(' ')} daemon`;
}
