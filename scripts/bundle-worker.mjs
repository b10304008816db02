/**
 * Bundles the compiler as the worker threads and watch mode load it (`lib/io/worker.js` and all
 * it imports) into one file, `lib/io/worker.bundle.js`: loading ~300 small ES modules cost about
 * 0.4 s per thread, more than compiling one file. Run by `npm run build`, after tsc. sql.js stays
 * outside (it finds its .wasm beside itself); the banner gives bundled CommonJS code a `require`.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['lib/io/worker.js'],
  outfile: 'lib/io/worker.bundle.js',
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
});
