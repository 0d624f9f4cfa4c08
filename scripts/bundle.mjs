// Bundles what `p2pchat` runs (npm run build, after tsc): start-up time is mostly module loading,
// and one file loads much faster than the hundreds of modules it replaces.
//
// - dist/src/cli/main.bundle.cjs: the CLI, one minified CommonJS file that bin/p2pchat.js requires.
//   CommonJS because Node starts a CommonJS program faster than an ES module one. It holds our CLI
//   code and commander only: the build fails if anything of the daemon's gets in.
// - dist/src/daemon/run.bundle.js: the daemon (`p2pchat daemon`), one ES module that the CLI imports
//   on that command only. Kept outside: better-sqlite3 (a native addon, found by its own path) and
//   pino with pino-pretty (pino starts its transports' worker threads from files beside its own
//   modules). Both bundles sit two directories below dist/, as the compiled modules do, so the
//   package.json and config/default.json lookups relative to a module work unchanged.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

/** What the CLI must never load: the daemon's dependencies and the daemon itself. */
const NOT_IN_CLI =
  /node_modules\/(libp2p|@libp2p\/|@chainsafe\/|@multiformats\/|better-sqlite3|fastify|pino|zod)|src\/(daemon|node|protocol|store|delivery)\//;

/**
 * Built-ins that loading the CLI would compile for nothing: commander requires child_process for
 * external subcommands (p2pchat has none), and node:http is not needed for --version, --help or a
 * usage error. In the CLI bundle, each is a module of getters that requires the built-in when one
 * of its exports is first used.
 */
const LAZY_BUILTINS = ['child_process', 'http'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, ({ path, namespace }) => {
      const name = path.replace(/^node:/, '');
      return namespace === 'lazy-builtin' ? { path: `node:${name}`, external: true } : { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async ({ path }) => {
      const keys = Object.keys(await import(`node:${path}`)).filter((key) => key !== 'default');
      const contents = [
        'let loaded;',
        `const load = () => (loaded ??= require('node:${path}'));`,
        `for (const key of ${JSON.stringify(keys)}) Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });`,
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

const cli = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/src/cli/main.bundle.cjs',
  format: 'cjs',
  minify: true,
  metafile: true,
  // Modules that read files next to themselves use import.meta.url, which CommonJS lacks.
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [
    lazyBuiltins,
    {
      // `p2pchat daemon` imports the daemon's bundle, not its compiled modules.
      name: 'daemon-bundle',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/daemon\/run\.js$/ }, () => ({ path: '../daemon/run.bundle.js', external: true }));
      },
    },
  ],
});
const leaked = Object.keys(cli.metafile.inputs).filter((input) => NOT_IN_CLI.test(input));
if (leaked.length > 0) throw new Error(`the CLI bundle must not contain the daemon's modules: ${leaked.join(', ')}`);

await build({
  ...common,
  entryPoints: ['src/daemon/run.ts'],
  outfile: 'dist/src/daemon/run.bundle.js',
  format: 'esm',
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require() for Node's built-ins: give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
