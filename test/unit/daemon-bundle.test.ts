// What the idle daemon holds in memory starts with what its bundle loads: V8 keeps the bundle's
// whole source for as long as the daemon runs, and runs the top level of every module in it at
// start. These tests read the shipped bundle (scripts/bundle.mjs) and its source map.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DAEMON_BUNDLE = fileURLToPath(new URL('../../src/daemon/run.bundle.js', import.meta.url));

function bundledModules(): string[] {
  const map = JSON.parse(readFileSync(`${DAEMON_BUNDLE}.map`, 'utf8')) as { sources: string[] };
  return map.sources;
}

/**
 * Packages the bundle loads at start (its static imports, and esbuild's __require for CommonJS
 * modules that require an external), and those it loads through import().
 */
function externalLoads(source: string): { atStart: Set<string>; onDemand: Set<string> } {
  const atStart = new Set<string>();
  for (const m of source.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g)) atStart.add(m[1] as string);
  for (const m of source.matchAll(/\b__require\(\s*["']([^"']+)["']\s*\)/g)) atStart.add(m[1] as string);
  const onDemand = new Set([...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string));
  return { atStart, onDemand };
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] as string);

it('the daemon bundle is ASCII only, so V8 keeps its source at one byte per character', () => {
  const bytes = readFileSync(DAEMON_BUNDLE);
  const first = bytes.findIndex((b) => b > 0x7f);
  const context = first === -1 ? '' : bytes.subarray(Math.max(0, first - 60), first + 20).toString('utf8');
  assert.equal(first, -1, `a non-ASCII byte at offset ${first}, after: ${context}`);
});

it('the daemon bundle has no comments to keep in memory', () => {
  const source = readFileSync(DAEMON_BUNDLE, 'utf8');
  // Unminified, esbuild names each module it bundles in a comment line such as "// src/daemon/run.ts".
  const comment = /^\s*\/\/ \S+\.[cm]?[jt]s$/m.exec(source);
  assert.equal(comment, null, `a comment line: ${comment?.[0]}`);
});

it('the daemon bundle holds zod with its English messages only', () => {
  const zod = bundledModules().filter((path) => /[/]zod[/]/.test(path));
  assert.ok(zod.length > 0, 'zod is bundled');
  const locales = zod.filter((path) => /[/]locales[/]/.test(path)).map((path) => path.replace(/^.*[/]locales[/]/, ''));
  assert.deepEqual(locales.sort(), ['en.js', 'index.js']);
});

it('the daemon loads only Node built-ins, better-sqlite3 and pino at start; pino-pretty on a terminal only', () => {
  const { atStart, onDemand } = externalLoads(readFileSync(DAEMON_BUNDLE, 'utf8'));
  assert.ok(atStart.has('better-sqlite3'), 'the scan sees the bundle imports');
  const packages = [...atStart].filter((spec) => !isBuiltin(spec));
  assert.deepEqual(packages.sort(), ['better-sqlite3', 'pino']);
  assert.ok(onDemand.has('pino-pretty'));
  assert.ok(!bundledModules().some((path) => /[/]pino-pretty[/]/.test(path)));
});
