// Bundles the web app (npm run build): web/src (Preact, TSX) into one minified ES module,
// dist/web/app.js, next to the page and its style sheet. Preact is needed at build time only; the
// daemon serves these files (src/web/server.ts) and the browser loads nothing from anywhere else.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/web';
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: ['web/src/main.tsx'],
  outfile: `${OUT}/app.js`,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) copyFileSync(`web/${file}`, `${OUT}/${file}`);
