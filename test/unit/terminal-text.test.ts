// The terminal sanitiser against a table of hostile inputs: nothing that acts on a terminal gets
// through, and what was sent stays readable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth, safeBodyLines, safeInline, safeName, truncate, wrapLine } from '../../src/cli/terminal-text.js';

/** Anything a terminal would act on or not print: C0 (tab included), DEL, C1, format characters, separators. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

const NASTY: [what: string, input: string, shown: string][] = [
  ['erase line and return', '\x1b[2K\rbob: fake', '␛[2K␍bob: fake'],
  ['bold (SGR)', '\x1b[1malice\x1b[0m', '␛[1malice␛[0m'],
  ['OSC title and hyperlink', '\x1b]0;pwned\x07\x1b]8;;http://x\x1b\\link', '␛]0;pwned␇␛]8;;http://x␛\\link'],
  ['C1 CSI (U+009B)', '\u009b2Jcleared', '<U+009B>2Jcleared'],
  ['C1 OSC and ST', '\u009d0;t\u009c', '<U+009D>0;t<U+009C>'],
  ['NEL (U+0085)', 'a\u0085b', 'a<U+0085>b'],
  ['backspace over text', 'secret\b\b\b\b\b\bpublic', 'secret␈␈␈␈␈␈public'],
  ['NUL, BEL, DEL', 'a\0b\x07c\x7f', 'a␀b␇c␡'],
  ['vertical tab and form feed', 'a\x0bb\x0cc', 'a␋b␌c'],
  ['right-to-left override', 'evil\u202Etxt.exe', 'evil<U+202E>txt.exe'],
  ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', '<U+2066>a<U+2067>b<U+2068>c<U+2069>'],
  ['zero-width space and BOM', 'al\u200bice\ufeff', 'al<U+200B>ice<U+FEFF>'],
  ['line and paragraph separators', 'a\u2028b\u2029c', 'a<U+2028>b<U+2029>c'],
  ['lone surrogate', 'a\ud800b', 'a<U+D800>b'],
  ['tag characters (invisible ASCII)', 'hi\u{E0041}\u{E0042}', 'hi<U+E0041><U+E0042>'],
];

describe('safeInline', () => {
  for (const [what, input, shown] of NASTY) {
    it(`shows ${what}`, () => {
      const out = safeInline(input);
      assert.equal(out, shown);
      assert.doesNotMatch(out, ACTIVE);
    });
  }

  it('shows newlines and tabs in one-line contexts', () => {
    assert.equal(safeInline('a\nb\tc'), 'a␊b␉c');
  });

  it('leaves ordinary text alone, in any script, with emoji', () => {
    for (const text of ['hello, world', 'Grüße aus Köln', 'שלום עולם', 'こんにちは', 'سلام', '👩‍💻 ok 🇫🇷', '<U+0041> is text']) {
      assert.equal(safeInline(text).replace(/<U\+200D>/g, '\u200d'), text);
    }
  });
});

describe('safeBodyLines', () => {
  it('splits on newlines and CRLF, so each line can be indented under the header', () => {
    assert.deepEqual(safeBodyLines('one\ntwo\r\nthree'), ['one', 'two', 'three']);
  });

  it('never lets a carriage return or an escape sequence act', () => {
    const lines = safeBodyLines('hi\r\x1b[2K12:00:00  alice (12D3…): fake\nsecond');
    assert.deepEqual(lines, ['hi␍␛[2K12:00:00  alice (12D3…): fake', 'second']);
    for (const line of lines) assert.doesNotMatch(line, ACTIVE);
  });

  it('expands tabs and keeps the joiners that emoji and some scripts need', () => {
    assert.deepEqual(safeBodyLines('a\tb'), ['a    b']);
    assert.deepEqual(safeBodyLines('👩‍💻 می‌خواهم'), ['👩‍💻 می‌خواهم']);
  });

  it('still shows bidi overrides and zero-width spaces in texts', () => {
    assert.deepEqual(safeBodyLines('x\u202Ey\u200bz'), ['x<U+202E>y<U+200B>z']);
  });
});

describe('safeName', () => {
  it('shows whatever makes two names look alike', () => {
    assert.equal(safeName('ali\u200dce'), 'ali<U+200D>ce');
    assert.equal(safeName('alice\u00a0'), 'alice<U+00A0>');
    assert.equal(safeName('\u3164'), '<U+3164>');
    assert.equal(safeName('\x1b[1malice\x1b[0m'), '␛[1malice␛[0m');
    assert.equal(safeName('bob\nalice'), 'bob␊alice');
  });

  it('keeps plain names and spaces, and cuts long ones with an ellipsis', () => {
    assert.equal(safeName('Alice Martin'), 'Alice Martin');
    const long = safeName('x'.repeat(64));
    assert.equal(displayWidth(long), 32);
    assert.ok(long.endsWith('…'));
  });
});

describe('widths', () => {
  it('counts wide characters twice and combining marks not at all', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('日本'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('🎉'), 2);
  });

  it('truncates by columns', () => {
    assert.equal(truncate('日本語テキスト', 7), '日本語…');
    assert.equal(truncate('short', 7), 'short');
  });

  it('wraps a line that is wider than the terminal, the rest under the indent', () => {
    const line = `12:00:00  bob: ${'x'.repeat(70)}12:00:01  alice: fake`;
    const pieces = wrapLine(line, 40, '          ');
    assert.ok(pieces.length > 1);
    for (const piece of pieces) assert.ok(displayWidth(piece) <= 40, piece);
    for (const piece of pieces.slice(1)) assert.ok(piece.startsWith('          '), piece);
    assert.equal(pieces.map((p, i) => (i === 0 ? p : p.slice(10))).join(''), line);
  });

  it('keeps a short indent when the terminal is narrower than the indent', () => {
    const pieces = wrapLine(`${'c'.repeat(70)}TEXT ${'z'.repeat(30)}`, 40, ' '.repeat(70));
    for (const piece of pieces) assert.ok(displayWidth(piece) <= 40, piece);
    for (const piece of pieces.slice(1)) assert.match(piece, /^ {2}\S/);
  });
});
