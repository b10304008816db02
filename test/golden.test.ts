/**
 * The golden test of the build engine (issue 11): the bytes of every output and of the lock file,
 * pinned by SHA-256, for the example decks in `input/`, the scale fixture library and a generated
 * library large enough for workers, in every format, across {jobs 1, 2} × {cache on, on with
 * nothing held in memory, off} × {bundle, not}. Every cell of one library and one bundle
 * setting must give the same bytes, and
 * those bytes are the snapshot. With the cache on, an unchanged rebuild follows the cold build
 * and must leave every byte as it was.
 *
 * It guards the restructuring of the engine: change the snapshot only with a deliberate change
 * of behaviour, and say so in the commit message. Each build runs on a copy of its inputs in a
 * scratch folder, so that the lock files and caches builds write stay out of the source tree.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BuildOptions, type BuildResult, build } from '../src/build/build.js';
import { FORMATS } from '../src/emit/formats.js';
import { generateLibrary, REPO, readTree, scratch } from './scale/helpers.js';

/** The SOURCE_DATE_EPOCH of every golden build, seconds. */
const EPOCH = 1_764_000_000;

interface Library {
  name: string;
  /** Fills a scratch folder with the library's input root, `lib/`. */
  make: (dir: string) => void;
}

const LIBRARIES: Library[] = [
  // Committed lock file: identities come from it.
  {
    name: 'input',
    make: (dir) => cpSync(path.join(REPO, 'input'), path.join(dir, 'lib'), { recursive: true }),
  },
  // No lock file: the project id is derived from the first build's cards, so it is reproducible.
  {
    name: 'scale-library',
    make: (dir) =>
      cpSync(path.join(REPO, 'test/fixtures/scale/library'), path.join(dir, 'lib'), {
        recursive: true,
      }),
  },
  // 12 files, 4 packages: enough files and packages for two workers to compile and emit.
  { name: 'generated', make: (dir) => generateLibrary(path.join(dir, 'lib'), 4, 3, 12) },
];

// With the cache on, also with every compiled file let go as soon as the cache holds it and read
// back when its scope is linked (as a library past HOLD_CARDS is built).
const CELLS = [1, 2].flatMap((jobs) =>
  [
    { cache: true, holdCards: undefined },
    { cache: true, holdCards: 0 },
    { cache: false, holdCards: undefined },
  ].map((cell) => ({ jobs, ...cell })),
);

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of every output and lock file of a build folder (caches and sources left out). */
function digest(dir: string): Record<string, string> {
  const tree = readTree(
    dir,
    (r) => r.split('/').includes('.deckc-cache') || (r.startsWith('lib/') && r.endsWith('.md')),
  );
  return Object.fromEntries(
    [...tree].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, b]) => [f, sha(b)]),
  );
}

/** What a build reports, as the CLI would print it: counts and every diagnostic. */
const summary = (r: BuildResult) => ({
  files: r.files,
  cards: r.cards,
  packages: r.packages,
  retired: r.retired,
  written: [...r.written].sort(),
  diagnostics: sha(Buffer.from(JSON.stringify(r.diagnostics))),
  errors: r.diagnostics.filter((d) => d.severity === 'error').length,
  warnings: r.diagnostics.filter((d) => d.severity === 'warning').length,
});

const options = (dir: string, more: Partial<BuildOptions>): BuildOptions => ({
  paths: ['lib'],
  cwd: dir,
  out: 'dist',
  formats: [...FORMATS],
  write: true,
  frozen: false,
  bundle: undefined,
  ignore: [],
  compile: { rootDeck: 'Default' },
  now: EPOCH,
  ...more,
});

describe('golden outputs', () => {
  for (const library of LIBRARIES) {
    for (const bundle of [undefined, 'deckc']) {
      it(`${library.name}${bundle ? ', bundled' : ''}: identical bytes in every cell, pinned`, async () => {
        const cells: { cell: string; outputs: Record<string, string>; result: unknown }[] = [];
        for (const { jobs, cache, holdCards } of CELLS) {
          const dir = scratch();
          library.make(dir);
          // jobs 2 on workers whatever the work, so that the parallel path is pinned too.
          const workers = jobs > 1 ? ('always' as const) : ('auto' as const);
          const run = () => build(options(dir, { jobs, cache, bundle, workers, holdCards }));
          const cold = await run();
          const cell = `jobs ${jobs}, cache ${cache ? 'on' : 'off'}${holdCards === 0 ? ', nothing held' : ''}`;
          cells.push({ cell, outputs: digest(dir), result: summary(cold) });
          if (cache) {
            const warm = await run();
            expect(warm.compiled, `${cell}: unchanged rebuild`).toEqual([]);
            cells.push({ cell: `${cell}, rebuilt`, outputs: digest(dir), result: summary(warm) });
          }
        }
        const [first, ...rest] = cells;
        for (const other of rest) {
          expect(other.outputs, `${other.cell} vs ${first!.cell}`).toEqual(first!.outputs);
          expect(other.result, `${other.cell} vs ${first!.cell}`).toEqual(first!.result);
        }
        // Every format of every package, and the lock.
        const names = Object.keys(first!.outputs);
        for (const format of FORMATS)
          expect(names.some((n) => n.endsWith(`.${format}`))).toBe(true);
        expect(names).toContain('lib/deckc.lock.json');
        expect({ outputs: first!.outputs, result: first!.result }).toMatchSnapshot();
      }, 120_000);
    }
  }

  it('pins the lock the input decks are committed with', () => {
    // The golden hashes of `input` hold only as long as its committed lock does.
    expect(sha(readFileSync(path.join(REPO, 'input/deckc.lock.json')))).toMatchSnapshot();
  });
});
