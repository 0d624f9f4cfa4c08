// Text that a remote peer controls, made safe to print in a terminal. Pure functions, no imports.
//
// A peer chooses its message texts, its claimed name, its agent string and the addresses it
// announces. Printed raw, they can drive the terminal: ESC and C1 sequences erase lines, move the
// cursor or restyle text; CR returns to column 0 and overwrites what was printed before it; bidi
// overrides reorder what follows them; invisible format characters make two different names look
// the same. Here every such character is replaced by a visible stand-in, so what the user sees is
// exactly what was sent, and nothing in it acts on the terminal:
// - C0 controls and DEL become their Unicode control pictures (ESC → ␛, CR → ␍, BEL → ␇, DEL → ␡);
// - everything else (C1 controls, bidi embeddings, overrides and isolates, zero-width and other
//   invisible format characters, line and paragraph separators, lone surrogates) becomes <U+XXXX>.
// Only printable characters are left, so an escape sequence loses its ESC and shows as text.

/**
 * Characters that are never printed as they are: C0, DEL, C1, format characters (Cf: bidi
 * controls, zero-width characters, soft hyphen, tag characters...), line and paragraph separators,
 * lone surrogates. The `u` flag makes `.` and classes work on code points.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_ALWAYS = /[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * In message texts, the zero-width joiner and non-joiner stay: emoji sequences (👩‍💻) and Persian
 * or Indic writing need them, and a message body never decides who someone is. In names they are
 * shown, since "alice" and "ali\u200dce" must not look alike.
 */
const BODY_KEEPS = new Set(['\u200c', '\u200d']);

/**
 * What names show besides: the joiners, every space other than U+0020 (no-break and wide spaces
 * make look-alike names), and the Hangul fillers and Braille blank, letters that print as nothing.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NAME_UNSAFE = /[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Zs}\u115f\u1160\u3164\uffa0\u2800]/gu;

/** The visible stand-in for one character that must not reach the terminal as it is. */
export function visibleChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** One line of text, safe to print: every control or invisible character shown (newlines too). */
export function safeInline(text: string): string {
  return text.replace(UNSAFE_ALWAYS, visibleChar);
}

/** Columns of a terminal a name may take in a table or a label; the full name is in --json. */
export const NAME_WIDTH = 32;

/**
 * A name a peer claims (or a petname), safe for one line and a table cell: everything invisible
 * shown, including joiners and unusual spaces, and cut to `maxWidth` columns with an ellipsis.
 */
export function safeName(name: string, maxWidth = NAME_WIDTH): string {
  return truncate(
    name.replace(NAME_UNSAFE, (ch) => (ch === ' ' ? ch : visibleChar(ch))),
    maxWidth,
  );
}

/** Columns a tab in a message takes: expanded to spaces, since a tab is a control character too. */
const TAB = '    ';

/**
 * A message text as lines, each safe to print: a newline (or CRLF) starts a new line, which the
 * caller indents under the message's header; every other control character is shown, so a
 * carriage return can never go back over the header and no line can pass for another message.
 */
export function safeBodyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(UNSAFE_ALWAYS, (ch) => (ch === '\t' ? TAB : BODY_KEEPS.has(ch) ? ch : visibleChar(ch))));
}

/** Characters that take no column: combining marks, joiners, variation selectors. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff]/u;
/** Characters that take two columns: East Asian wide and fullwidth forms, and emoji shown as emoji. */
const DOUBLE_WIDTH =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}\p{Emoji_Presentation}]/u;

function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return DOUBLE_WIDTH.test(ch) ? 2 : 1;
}

/** Terminal columns a (safe) string takes: close to wcwidth for what chat texts contain. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** Cuts `text` to at most `maxWidth` columns, ending with "…" when something was cut. */
export function truncate(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (width + w > maxWidth - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}

/**
 * Splits one printed line into pieces of at most `columns` columns, the pieces after the first
 * starting with `indent`. The terminal then never wraps a line by itself: a text padded to the
 * terminal's width cannot push its tail to column 0, where it would pass for a line of its own.
 */
export function wrapLine(line: string, columns: number, indent: string): string[] {
  if (displayWidth(line) <= columns) return [line];
  const indentWidth = displayWidth(indent);
  // A terminal too narrow for the indent (a wide table on 80 columns) gets a short one: pieces
  // after the first must never start at column 0, where a header does.
  const prefix = indentWidth + 8 <= columns ? indent : '  ';
  const pieces: string[] = [];
  let current = '';
  let width = 0;
  for (const ch of line) {
    const w = charWidth(ch);
    if (width + w > columns && width > displayWidth(prefix)) {
      pieces.push(current);
      current = prefix;
      width = displayWidth(prefix);
    }
    current += ch;
    width += w;
  }
  pieces.push(current);
  return pieces;
}
