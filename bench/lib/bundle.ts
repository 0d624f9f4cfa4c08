// A what-if build: the CLI bundled with esbuild (a devDependency), the daemon split into its own
// chunk so that CLI commands do not parse it. Built into dist/, never shipped; it only measures
// how much of start-up is module loading.
import { join } from 'node:path';
import { REPO_ROOT } from './daemons.js';

export const BUNDLE_DIR = join(REPO_ROOT, 'dist', 'bench-bundle');

/** Builds the bundle; returns the path of its entry, or undefined (with the reason) when it cannot. */
export async function buildBundle(): Promise<{ entry?: string; reason?: string }> {
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: BUNDLE_DIR,
      external: ['better-sqlite3'],
      // CommonJS dependencies call require(); an ESM bundle has to provide it.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'error',
    });
    return { entry: join(BUNDLE_DIR, 'main.js') };
  } catch (err) {
    return { reason: `could not bundle with esbuild: ${(err as Error).message}` };
  }
}
