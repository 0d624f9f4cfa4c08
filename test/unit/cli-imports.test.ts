// The CLI must stay a thin, fast client: nothing it loads statically may pull in libp2p or SQLite.
// Only the `daemon` command loads the daemon, through a dynamic import.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** What bin/p2pchat.js runs: the CLI bundled by `npm run build` (scripts/bundle.mjs). */
const CLI_BUNDLE = fileURLToPath(new URL('../../src/cli/main.bundle.cjs', import.meta.url));
const FORBIDDEN = /^(libp2p|@libp2p\/|@chainsafe\/|@multiformats\/|better-sqlite3|fastify|pino)/;

/** Static `import ... from '...'` specifiers of a compiled module (dynamic import() is not matched). */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

it('the CLI does not statically import libp2p, SQLite, fastify or pino', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [CLI_ENTRY];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  assert.ok(seen.size > 3, 'the walk found the CLI modules');
  assert.ok(packages.has('commander'), 'the walk sees package imports');
  const forbidden = [...packages].filter((p) => FORBIDDEN.test(p));
  assert.deepEqual(forbidden, []);
});

it('the shipped CLI bundle loads only Node built-ins, and the daemon bundle on `daemon` only', () => {
  const source = readFileSync(CLI_BUNDLE, 'utf8');
  const required = new Set([...source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string));
  const imported = [...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string);
  assert.ok(required.size > 0, 'the bundle requires Node built-ins');
  const packages = [...required].filter((spec) => !builtinModules.includes(spec.replace(/^node:/, '')));
  assert.deepEqual(packages, [], 'everything else is bundled in (and scripts/bundle.mjs keeps the daemon out)');
  assert.deepEqual(imported, ['../daemon/run.bundle.js']);
});
