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

/**
 * V8 keeps the whole source of a script in memory for as long as the script lives (it compiles
 * functions lazily, from that source), so the daemon's bundle costs its size in heap, idle or not.
 * One non-ASCII character (a comment of a dependency was enough) makes V8 keep it as a two-byte
 * string: twice the size. So the daemon's bundle is ASCII only (non-ASCII in strings escaped), with
 * no comments or needless whitespace; names are kept, so a stack trace stays readable without the
 * source map. Measured on an idle daemon: bundle 3.5 MB with 12 non-ASCII lines, 6.8 MB of heap;
 * now 2.4 MB, ASCII, 2.4 MB of heap.
 */
const DAEMON_SOURCE_FORM = { charset: 'ascii', legalComments: 'none', minifyWhitespace: true, minifySyntax: true };

/**
 * zod's error messages in 40 languages were a third of its code in the daemon's bundle; the daemon
 * speaks English (zod's default, which it imports directly), so the table of the others is empty.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

/** What the CLI must never load: the daemon's dependencies and the daemon itself. */
const NOT_IN_CLI =
  /node_modules\/(libp2p|@libp2p\/|@chainsafe\/|@multiformats\/|better-sqlite3|fastify|pino|zod)|src\/(daemon|node|protocol|store|delivery)\//;

/**
 * A plugin that turns the named built-ins into modules of getters, each requiring its built-in when
 * one of its exports is first used: loading a built-in costs start-up time and memory, and some
 * dependencies require built-ins at load time that they use only in cases p2pchat never has.
 */
function lazyBuiltins(names) {
  return {
    name: 'lazy-builtins',
    setup(b) {
      const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
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
}

/**
 * Built-ins that loading the CLI would compile for nothing: commander requires child_process for
 * external subcommands (p2pchat has none), and node:http is not needed for --version, --help or a
 * usage error.
 */
const CLI_LAZY_BUILTINS = ['child_process', 'http', 'v8'];

/**
 * Built-ins the daemon would load for nothing: fastify requires https and http2 at load time, for
 * servers made with its `https` or `http2` options, which the control socket never uses. Loading
 * them cost an idle daemon about 0.2 MB of heap and 0.5 MB of resident memory (and in bare Node 0.6 MB
 * and 2.5 MB).
 */
const DAEMON_LAZY_BUILTINS = ['https', 'http2'];

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
    lazyBuiltins(CLI_LAZY_BUILTINS),
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
  ...DAEMON_SOURCE_FORM,
  plugins: [englishOnlyZod, lazyBuiltins(DAEMON_LAZY_BUILTINS)],
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require() for Node's built-ins: give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
