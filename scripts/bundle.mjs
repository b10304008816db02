/**
 * Bundles what a `deckc` process loads into two files, run by `npm run build` after tsc (each
 * small ES module costs the loader time: ~300 of them took 0.4 s per thread):
 *
 * - `lib/io/worker.bundle.js`: the compiler as worker threads (and this thread, for small jobs)
 *   run it, `lib/io/worker.js` and all it imports;
 * - `lib/cli/main.bundle.js`: the command line (`lib/cli/main.js`: yargs, the build driver,
 *   the cache), which bin/deckc.js loads; it reaches the compiler only through the worker bundle.
 *
 * - `lib/sql-wasm.bundle.js` and `lib/sql-wasm.wasm`: the one sql.js build deckc loads (sql.js's
 *   `sql-wasm.js`, as an ES module) and its WebAssembly, which src/emit/apkg.ts loads from there
 *   (`locateFile`). The two bundles above and lib/emit/apkg.js (the library's, rewritten here)
 *   import it, so sql.js itself is only a dev dependency (it holds 30 MB of other builds).
 *
 * - `lib/mathjax.bundle.cjs`: the MathJax modules the preview (`--format html`) loads, those
 *   listed in src/emit/mathjax.ts (MATHJAX_MODULES), as one CommonJS file that lib/emit/mathjax.js
 *   requires on first use, so mathjax-full is only a dev dependency too and a build without the
 *   preview never loads it.
 *
 * The banner gives bundled CommonJS code a `require` (and sql.js a `__dirname`).
 *
 * First, compiled files whose source is gone (a module moved or deleted) are removed from lib/:
 * tsc never deletes, and the package would otherwise ship them with source maps pointing at
 * nothing.
 */
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
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
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as deckcRequire } from 'node:module'; const require = deckcRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

// sql.js: its Node build and WebAssembly into lib/, imported as `../sql-wasm.bundle.js` by
// modules one folder below lib/ (the only ones that import it).
const SQL_JS = '../sql-wasm.bundle.js';
const sqlJs = createRequire(import.meta.url).resolve('sql.js');
if (path.basename(sqlJs) !== 'sql-wasm.js') throw new Error(`unexpected sql.js build: ${sqlJs}`);
copyFileSync(path.join(path.dirname(sqlJs), 'sql-wasm.wasm'), 'lib/sql-wasm.wasm');
// Emscripten's Node code reads `__dirname` (for a default locateFile that deckc replaces).
await build({
  ...common,
  entryPoints: [sqlJs],
  outfile: 'lib/sql-wasm.bundle.js',
  banner: {
    js: `${common.banner.js} import { dirname as deckcDirname } from 'node:path'; import { fileURLToPath as deckcPath } from 'node:url'; const __dirname = deckcDirname(deckcPath(import.meta.url));`,
  },
});
const sqlJsOutside = {
  name: 'sql-js-outside',
  setup(b) {
    b.onResolve({ filter: /^sql\.js$|sql-wasm\.bundle\.js$/ }, () => ({
      path: SQL_JS,
      external: true,
    }));
  },
};
const apkg = 'lib/emit/apkg.js';
const apkgText = readFileSync(apkg, 'utf8');
if (!apkgText.includes(`from '${SQL_JS}'`)) {
  if (!apkgText.includes("from 'sql.js'")) throw new Error(`${apkg} no longer imports sql.js`);
  writeFileSync(apkg, apkgText.replace("from 'sql.js'", `from '${SQL_JS}'`));
}

// MathJax: its CommonJS modules, each under its own id, for src/emit/mathjax.ts to require.
const mathJaxIds = [
  ...readFileSync('src/emit/mathjax.ts', 'utf8')
    .split('MATHJAX_MODULES = [')[1]
    .split('] as const')[0]
    .matchAll(/'(mathjax-full\/[^']+)'/g),
].map((m) => m[1]);
if (mathJaxIds.length === 0) throw new Error('src/emit/mathjax.ts lists no MathJax module');
await build({
  ...common,
  format: 'cjs',
  banner: {},
  stdin: {
    contents: `module.exports = {\n${mathJaxIds.map((id) => `  ${JSON.stringify(id)}: require(${JSON.stringify(id)}),`).join('\n')}\n};\n`,
    resolveDir: '.',
    sourcefile: 'mathjax-modules.cjs',
  },
  outfile: 'lib/mathjax.bundle.cjs',
  minify: true,
  legalComments: 'eof',
});

/** Leaves the compiler out of the command line's bundle: the worker bundle brings it. */
const compilerOutside = {
  name: 'compiler-outside',
  setup(b) {
    b.onResolve({ filter: /\/worker\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['lib/io/worker.js'],
    outfile: 'lib/io/worker.bundle.js',
    plugins: [sqlJsOutside],
  }),
  build({
    ...common,
    entryPoints: ['lib/cli/main.js'],
    outfile: 'lib/cli/main.bundle.js',
    plugins: [compilerOutside, sqlJsOutside],
  }),
]);
