// Bundles the CLI into one ES module (dist/src/cli/main.bundle.js), which bin/p2pchat.js loads:
// one file starts much faster than the module graph it replaces. The daemon stays unbundled and
// is loaded by `p2pchat daemon` only, from its usual place beside the bundle.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/src/cli/main.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['../daemon/run.js'],
  // commander is CommonJS and calls require() for Node's built-ins; give the bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
