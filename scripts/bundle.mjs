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
 *
 * First, compiled files whose source is gone (a module moved or deleted) are removed from lib/:
 * tsc never deletes, and the package would otherwise ship them with source maps pointing at
 * nothing.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

for (const entry of readdirSync('lib', { recursive: true, withFileTypes: true })) {
  const match = /^(.*)\.(js|js\.map|d\.ts)$/.exec(entry.name);
  if (!entry.isFile() || !match || match[1].endsWith('.bundle')) continue;
  const relative = path.relative('lib', path.join(entry.parentPath, match[1]));
  if (!existsSync(path.join('src', `${relative}.ts`)))
    rmSync(path.join(entry.parentPath, entry.name));
}

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
