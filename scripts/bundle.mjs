/**
 * Bundles what a `deckc` process loads into two files, run by `npm run build` after tsc (each
 * small ES module costs the loader time: ~300 of them took 0.4 s per thread):
 *
 * - `lib/io/worker.bundle.js`: the compiler as worker threads (and this thread, for small jobs)
 *   run it, `lib/io/worker.js` and all it imports;
 * - `lib/cli/main.bundle.js`: the command line (`lib/cli/main.js`: yargs, the build driver,
 *   the cache), which bin/deckc.js loads; it reaches the compiler only through the worker bundle.
 *
 * sql.js stays outside (it finds its .wasm beside itself); the banner gives bundled CommonJS code
 * a `require`.
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['sql.js'],
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as deckcRequire } from 'node:module'; const require = deckcRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

/** Leaves the compiler out of the command line's bundle: the worker bundle brings it. */
const compilerOutside = {
  name: 'compiler-outside',
  setup(b) {
    b.onResolve({ filter: /\/worker\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: ['lib/io/worker.js'], outfile: 'lib/io/worker.bundle.js' }),
  build({
    ...common,
    entryPoints: ['lib/cli/main.js'],
    outfile: 'lib/cli/main.bundle.js',
    plugins: [compilerOutside],
  }),
]);
