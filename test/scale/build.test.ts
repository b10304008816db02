import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type BuildOptions, build, Interrupted, newMemo } from '../../src/build/build.js';
import { Workers } from '../../src/build/workers.js';
import { BuildCache } from '../../src/io/cache.js';
import { createPool, type Pool } from '../../src/io/pool.js';
import { runCli } from '../cli/run.js';
import {
  buildOptions,
  copyFixtures,
  generateLibrary,
  NOW,
  REPO,
  readTree,
  scratch,
  treeDiff,
} from './helpers.js';

const options = buildOptions;
const BIN = path.join(REPO, 'bin/deckc.js');

/** Outputs and lock files of a build folder (no cache). */
const outputs = (dir: string) =>
  readTree(dir, (r) => r.split('/').some((p) => p === '.deckc-cache'));

/** The GUIDs in a build folder's library lock file. */
const lockGuids = (dir: string) =>
  Object.keys(
    JSON.parse(readFileSync(path.join(dir, 'library/deckc.lock.json'), 'utf8')).notes,
  ).sort();

/** A copy of a build folder's sources and lock files, without its cache and outputs. */
function twinOf(dir: string): string {
  const twin = scratch();
  cpSync(dir, twin, {
    recursive: true,
    filter: (src) => !src.includes('.deckc-cache') && !src.startsWith(path.join(dir, 'dist')),
  });
  return twin;
}

/** The outputs of a build from scratch (no cache). A cached build must produce exactly these. */
async function coldBuild(twin: string, paths: string[], more: Partial<BuildOptions> = {}) {
  await build(options(twin, paths, { ...more, cache: false }));
  return outputs(twin);
}

/** `pool`, counting its tasks of one kind in flight (`count.most`: the most at once). */
function counting(
  pool: Pool,
  kind: 'compile' | 'emit',
  count: { running: number; most: number },
): Pool {
  return {
    size: pool.size,
    close: () => pool.close(),
    run: async (task) => {
      if (task.kind !== kind) return pool.run(task);
      count.most = Math.max(count.most, ++count.running);
      try {
        return await pool.run(task);
      } finally {
        count.running--;
      }
    },
  };
}

describe('incremental builds', () => {
  it('serves an unchanged rebuild from the cache, byte for byte', async () => {
    const dir = copyFixtures('library');
    const cold = await build(options(dir, ['library']));
    expect(cold.compiled).toEqual([
      'library/biology/cells.md',
      'library/biology/genes.md',
      'library/chemistry/atoms.md',
    ]);
    const first = outputs(dir);
    expect([...first.keys()].filter((f) => f.startsWith('dist/'))).toHaveLength(6);
    const warm = await build(options(dir, ['library']));
    expect(warm.compiled).toEqual([]);
    expect(warm.cards).toBe(cold.cards);
    expect(warm.diagnostics).toEqual(cold.diagnostics);
    expect(treeDiff(outputs(dir), first)).toEqual([]);
    expect(readFileSync(path.join(dir, 'library/.deckc-cache/.gitignore'), 'utf8')).toContain('*');
  });

  it('recompiles only the edited file and matches a cold build', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const file = path.join(dir, 'library/biology/genes.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('DNA.', 'DNA (or RNA in some viruses).'),
    );
    const twin = twinOf(dir);
    const warm = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(warm.compiled).toEqual(['library/biology/genes.md']);
    const cold = await coldBuild(twin, ['library'], { now: NOW + 60 });
    expect(treeDiff(outputs(dir), cold)).toEqual([]);
  });

  it('links a library past its memory budget scope by scope, reading let-go files back, as a cold build does', async () => {
    // holdCards 0: every compiled file the cache holds is let go at once and read back from the
    // cache when its scope is linked (what a library past HOLD_CARDS does with most files).
    const dir = copyFixtures('library');
    const reads = { count: 0 };
    const getFile = BuildCache.prototype.getFile;
    const counting: typeof getFile = function (this: BuildCache, ...args) {
      reads.count++;
      return getFile.apply(this, args);
    };
    BuildCache.prototype.getFile = counting;
    try {
      const first = await build(options(dir, ['library'], { holdCards: 0, jobs: 2 }));
      // Each of the 3 files (all with cards) looked up once (a miss: compiled), and read back
      // once to link its scope.
      expect(first.compiled).toHaveLength(3);
      expect(reads.count).toBe(6);
      const file = path.join(dir, 'library/biology/genes.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('DNA.', 'DNA (or RNA).'));
      const twin = twinOf(dir);
      const warm = await build(options(dir, ['library'], { now: NOW + 60, holdCards: 0 }));
      expect(warm.compiled).toEqual(['library/biology/genes.md']);
      expect(treeDiff(outputs(dir), await coldBuild(twin, ['library'], { now: NOW + 60 }))).toEqual(
        [],
      );
    } finally {
      BuildCache.prototype.getFile = getFile;
    }
  });

  it('recompiles a file when a picture it shows changes', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    await build(options(dir, ['library'])); // settles the lock: this one stores a manifest
    const before = outputs(dir);
    writeFileSync(path.join(dir, 'library/chemistry/media/atom.png'), '\x89PNG\r\n\x1a\nsecond');
    const twin = twinOf(dir);
    const warm = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(warm.compiled).toEqual(['library/chemistry/atoms.md']);
    const after = outputs(dir);
    expect(treeDiff(after, before)).toContain('dist/chemistry.apkg');
    expect(treeDiff(after, await coldBuild(twin, ['library'], { now: NOW + 60 }))).toEqual([]);
  });

  it('rebuilds corrupt or truncated cache entries instead of trusting them', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const expected = outputs(dir);
    const cacheDir = path.join(dir, 'library/.deckc-cache/v2');
    for (const entry of readdirSync(cacheDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const text = readFileSync(file);
      writeFileSync(file, text.subarray(0, Math.floor(text.length / 3)));
    }
    const warm = await build(options(dir, ['library']));
    expect(warm.compiled).toHaveLength(3);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
    // ... and the rebuilt entries serve the next build.
    expect((await build(options(dir, ['library']))).compiled).toEqual([]);
  });

  it('treats cache entries of the wrong shape (valid JSON, wrong types) as misses', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const expected = outputs(dir);
    // Every value but an entry's layout and key turned into another type, at every depth.
    const warp = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.length
          ? v.map(warp)
          : [42]
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'layout' ? x : warp(x)]))
          : typeof v === 'string'
            ? 7
            : typeof v === 'number'
              ? 'n'
              : {};
    const cacheDir = path.join(dir, 'library/.deckc-cache/v2');
    let warped = 0;
    for (const entry of readdirSync(cacheDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      const file = path.join(entry.parentPath, entry.name);
      const bytes = readFileSync(file);
      const json = JSON.parse((bytes[0] === 0x1f ? gunzipSync(bytes) : bytes).toString('utf8'));
      const key = json.key;
      const bad = warp(json) as Record<string, unknown>;
      if (key !== undefined) bad.key = key;
      writeFileSync(file, JSON.stringify(bad));
      warped++;
    }
    expect(warped).toBeGreaterThan(5);
    const warm = await build(options(dir, ['library']));
    expect(warm.compiled).toHaveLength(3);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
    expect((await build(options(dir, ['library']))).compiled).toEqual([]);
  });

  it('serves `check` from the cache read-only: hits used, nothing written', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const before = readTree(dir);
    writeFileSync(path.join(dir, 'library/biology/extra.md'), '#### New\n\n:p Q?\n\n??A??\n');
    const check = await build({ ...options(dir, ['library']), write: false, cache: 'read' });
    // Only the new file is compiled; the others come from the cache.
    expect(check.compiled).toEqual(['library/biology/extra.md']);
    const after = readTree(dir);
    after.delete('library/biology/extra.md');
    expect(treeDiff(after, before)).toEqual([]);
    // Without a cache at all, a read-only one creates nothing.
    const fresh = copyFixtures('library');
    await build({ ...options(fresh, ['library']), write: false, cache: 'read' });
    expect(existsSync(path.join(fresh, 'library/.deckc-cache'))).toBe(false);
  });

  it('writes nothing at all for an input root without cards that never had a lock', async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'notes.md'), '# Notes\n\nOnly prose here.\n');
    const result = await build({ ...options(dir, ['.']), jobs: 1 });
    expect(result.cards).toBe(0);
    expect([...readTree(dir).keys()]).toEqual(['notes.md']);
    // A root that had cards keeps its lock when they are all deleted: they are retired.
    writeFileSync(path.join(dir, 'notes.md'), '#### T\n\n:p Q?\n\n??A??\n');
    await build(options(dir, ['.']));
    writeFileSync(path.join(dir, 'notes.md'), '# Notes\n');
    expect((await build(options(dir, ['.']))).retired).toBe(1);
    expect(existsSync(path.join(dir, 'deckc.lock.json'))).toBe(true);
  });

  it('restores an output deleted or edited since the last build', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const expected = outputs(dir);
    rmSync(path.join(dir, 'dist/biology.apkg'));
    writeFileSync(path.join(dir, 'dist/chemistry.csv'), 'edited by hand');
    const warm = await build(options(dir, ['library']));
    expect(warm.compiled).toEqual([]);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
  });

  it('reuses unchanged scopes from their records, at any later time, and relinks an edited one', async () => {
    const dir = copyFixtures('library');
    const cold = await build(options(dir, ['library']));
    expect(cold.linked).toEqual(['biology', 'chemistry']);
    const expected = outputs(dir);
    // The cold build's links were settled: even the first rebuild links nothing, at another time
    // (nothing depended on `now`).
    const replayed = await build(options(dir, ['library'], { now: NOW + 3600 }));
    expect(replayed.linked).toEqual([]);
    expect(replayed.compiled).toEqual([]);
    expect(replayed.cards).toBe(5);
    expect(replayed.packages).toBe(2);
    expect(replayed.diagnostics).toEqual(cold.diagnostics);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
    // An edit relinks its own scope only, and matches a cold build.
    const file = path.join(dir, 'library/biology/genes.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('DNA.', 'DNA or RNA.'));
    const twin = twinOf(dir);
    const warm = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(warm.linked).toEqual(['biology']);
    expect(treeDiff(outputs(dir), await coldBuild(twin, ['library'], { now: NOW + 60 }))).toEqual(
      [],
    );
  });

  it('links a scope again when its outputs are gone (the cache keeps no copy of them)', async () => {
    const dir = copyFixtures('library');
    const cacheDir = path.join(dir, 'library/.deckc-cache/v2');
    await build(options(dir, ['library']));
    const expected = outputs(dir);
    rmSync(path.join(dir, 'dist'), { recursive: true });
    // The outputs are emitted again from the cached compiled files, at another time.
    const relinked = await build(options(dir, ['library'], { now: NOW + 3600 }));
    expect(relinked.linked).toEqual(['biology', 'chemistry']);
    expect(relinked.compiled).toEqual([]);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
    // Without the media blobs too, the file that shows a picture is compiled again.
    rmSync(path.join(dir, 'dist'), { recursive: true });
    rmSync(path.join(cacheDir, 'blobs'), { recursive: true });
    const full = await build(options(dir, ['library'], { now: NOW + 3600 }));
    expect(full.linked).toEqual(['biology', 'chemistry']);
    expect(full.compiled).toEqual(['library/chemistry/atoms.md']); // its picture was a blob
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
  });

  it('matches a cold build when an explicit id moves to another scope or collides with one', async () => {
    const dir = copyFixtures('library');
    const cells = path.join(dir, 'library/biology/cells.md');
    const atoms = path.join(dir, 'library/chemistry/atoms.md');
    writeFileSync(cells, readFileSync(cells, 'utf8').replace('makes ATP?', 'makes ATP? {#atp}'));
    const first = await build(options(dir, ['library']));
    expect(first.diagnostics).toEqual([]);
    const guid = lockGuids(dir);
    // The card moves to chemistry, id and all: same note, not retired.
    writeFileSync(cells, readFileSync(cells, 'utf8').replace(/#### Organelles[\s\S]*$/, ''));
    writeFileSync(
      atoms,
      `${readFileSync(atoms, 'utf8')}\n:p Which organelle makes ATP? {#atp}\n??x\nThe mitochondrion.\nx??\n`,
    );
    let twin = twinOf(dir);
    const moved = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(moved.retired).toBe(0);
    expect(lockGuids(dir)).toEqual(guid);
    expect(treeDiff(outputs(dir), await coldBuild(twin, ['library'], { now: NOW + 60 }))).toEqual(
      [],
    );
    // The same id again in biology, which comes first: chemistry's card is the duplicate now,
    // though chemistry did not change.
    writeFileSync(cells, `${readFileSync(cells, 'utf8')}\n:p Another? {#atp}\n??x\nYes.\nx??\n`);
    twin = twinOf(dir);
    const clash = await build(options(dir, ['library'], { now: NOW + 120 }));
    const duplicates = clash.diagnostics.filter((d) => d.rule === 'duplicate-id');
    expect(duplicates.map((d) => d.file)).toEqual(['library/chemistry/atoms.md']);
    // The first use is named as the diagnostic is: relative to where deckc runs.
    expect(duplicates[0]!.related).toEqual({
      file: 'library/biology/cells.md',
      line: 12,
      column: 1,
      message: 'first used here',
    });
    const coldClash = await build(options(twin, ['library'], { now: NOW + 120, cache: false }));
    expect(clash.diagnostics).toEqual(coldClash.diagnostics);
    expect(treeDiff(outputs(dir), outputs(twin))).toEqual([]);
  });

  it('prunes what recent builds no longer use, keeping what the last one used', async () => {
    const dir = copyFixtures('library');
    const cacheFiles = () =>
      readdirSync(path.join(dir, 'library/.deckc-cache/v2'), {
        recursive: true,
        withFileTypes: true,
      })
        .filter((e) => e.isFile() && e.name !== 'written.json')
        .map((e) => e.name);
    await build(options(dir, ['library']));
    const first = cacheFiles().length;
    const file = path.join(dir, 'library/biology/genes.md');
    for (let n = 1; n <= 8; n++) {
      writeFileSync(file, `:p Question ${n}?\n??x\nAnswer ${n}.\nx??\n`);
      await build(options(dir, ['library'], { now: NOW + n }));
    }
    // 3 file entries, 3 packages × 3 outputs (entry + blob each), 1 picture, give or take
    // the stale ones not yet outnumbering them.
    expect(cacheFiles().length).toBeLessThanOrEqual(2 * first);
    expect((await build(options(dir, ['library'], { now: NOW + 8 }))).compiled).toEqual([]);
  });

  it('keys the cache by compile options', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const other = await build(options(dir, ['library'], { compile: { rootDeck: 'Elsewhere' } }));
    expect(other.compiled).toHaveLength(3);
  });

  it('writes no cache with --no-cache', async () => {
    const dir = copyFixtures('library');
    const r = await runCli(['build', 'library', '--no-cache', '--jobs', '1'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'library/.deckc-cache'))).toBe(false);
    expect(existsSync(path.join(dir, 'dist/biology.apkg'))).toBe(true);
  });
});

describe('stat memory (watch mode, and the cache between processes)', () => {
  it('knows a file by its stat unless it changed within 2 s of being read', async () => {
    const dir = copyFixtures('library');
    const memo = newMemo();
    const genes = path.join(dir, 'library/biology/genes.md');
    const atoms = path.join(dir, 'library/chemistry/atoms.md');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(genes, hourAgo, hourAgo);
    await build(options(dir, ['library'], { memo }));
    // Same size, same mtime, same inode: an old file is known by its stat and not read again
    // (as git's index does), a file that changed just before it was read is read again.
    const sameSize = (file: string, from: string, to: string) => {
      const { atime, mtime } = statSync(file);
      writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
      utimesSync(file, atime, mtime);
    };
    sameSize(genes, 'DNA.', 'RNA.');
    sameSize(atoms, 'Negative.', 'Positive.');
    const next = await build(options(dir, ['library'], { memo, now: NOW + 60 }));
    expect(next.compiled).toEqual(['library/chemistry/atoms.md']);
    // Without the memory, the cache's record of each file's stat serves the same way (a new
    // process need not read an unchanged library)...
    const sources = path.join(dir, 'library/.deckc-cache/v2/sources.json');
    expect(JSON.parse(readFileSync(sources, 'utf8'))).toHaveLength(3);
    const again = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(again.compiled).toEqual([]);
    // ...and without a record that can be trusted, every file is read.
    writeFileSync(sources, JSON.stringify([[genes, { key: 'forged' }]]));
    const fresh = await build(options(dir, ['library'], { now: NOW + 60 }));
    expect(fresh.compiled).toEqual(['library/biology/genes.md']);
  });
});

describe('watch-mode preload', () => {
  it('loads what an unchanged build left on disk, so the next build needs no cache entry', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library']));
    const memo = newMemo();
    // Unchanged: every scope is reused from its record, no compiled file is read.
    await build(options(dir, ['library'], { memo }));
    expect(memo.files.size).toBe(0);
    expect(memo.locks.size).toBe(0);
    const loads = memo.preload.splice(0);
    // A save that comes first stops it.
    await Promise.all(loads.map((load) => load(AbortSignal.abort())));
    expect(memo.files.size).toBe(0);
    await Promise.all(loads.map((load) => load(new AbortController().signal)));
    expect(memo.files.size).toBe(3);
    expect(memo.locks.size).toBe(1);
    // With the cache's compiled files gone, an edit recompiles the edited file only, and the
    // outputs still match a cold build.
    rmSync(path.join(dir, 'library/.deckc-cache/v2/files'), { recursive: true });
    const file = path.join(dir, 'library/biology/genes.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('DNA.', 'DNA (or RNA).'));
    const twin = twinOf(dir);
    const next = await build(options(dir, ['library'], { memo, now: NOW + 60 }));
    expect(next.compiled).toEqual(['library/biology/genes.md']);
    const cold = await coldBuild(twin, ['library'], { now: NOW + 60 });
    expect(treeDiff(outputs(dir), cold)).toEqual([]);
  });
});

describe('parallel builds', () => {
  it('give the same bytes with 1 and 2 workers', async () => {
    const one = scratch();
    generateLibrary(path.join(one, 'lib'), 3, 5, 12);
    const two = scratch();
    cpSync(one, two, { recursive: true });
    const a = await build(options(one, ['lib'], { jobs: 1, cache: false }));
    const b = await build(options(two, ['lib'], { jobs: 2, cache: false }));
    expect(a.cards).toBe(180);
    expect(b.compiled).toEqual(a.compiled);
    expect(b.diagnostics).toEqual(a.diagnostics);
    expect(treeDiff(outputs(one), outputs(two))).toEqual([]);
  });

  it('fill a cache that 1 worker reads back, byte for byte', async () => {
    const dir = copyFixtures('library');
    await build(options(dir, ['library'], { jobs: 2 }));
    const expected = outputs(dir);
    const warm = await build(options(dir, ['library'], { jobs: 1 }));
    expect(warm.compiled).toEqual([]);
    expect(treeDiff(outputs(dir), expected)).toEqual([]);
  });

  it('rebuild one file of a lone 3,000-note package (its .apkg on a worker of its own) as a cold build does', async () => {
    const dir = scratch();
    generateLibrary(path.join(dir, 'lib'), 1, 30, 100);
    await build(options(dir, ['lib'], { jobs: 2 }));
    const file = path.join(
      dir,
      'lib',
      readdirSync(path.join(dir, 'lib')).find((f) => !f.includes('.'))!,
      'part-07.md',
    );
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n:p One more?\n??x\nYes.\nx??\n`);
    const twin = twinOf(dir);
    const next = await build(options(dir, ['lib'], { jobs: 2, now: NOW + 60 }));
    expect(next.cards).toBe(3001);
    expect(next.linked).toHaveLength(1);
    expect(treeDiff(outputs(dir), await coldBuild(twin, ['lib'], { now: NOW + 60 }))).toEqual([]);
  }, 60_000);

  it('compile one file at a time with --jobs 1, a large file on its own worker included', async () => {
    // Files from 128 KB compile off this thread (for Ctrl-C), but --jobs 1 still means one
    // compile at a time: the small files wait for the large ones.
    const dir = scratch();
    generateLibrary(path.join(dir, 'lib'), 1, 6, 3);
    const big = (n: number) =>
      Array.from(
        { length: 700 },
        (_, i) =>
          `#### T${i}\n:p Big ${n} question ${i}?\n??x\nanswer ${i} ${'w '.repeat(80)}\nx??\n`,
      ).join('\n');
    writeFileSync(path.join(dir, 'lib/book-1/big-1.md'), big(1));
    writeFileSync(path.join(dir, 'lib/book-1/big-2.md'), big(2));
    const compiles = { running: 0, most: 0 };
    const { helper, here } = Workers.prototype;
    Workers.prototype.helper = function (this: Workers) {
      return helper.call(this).then((p) => counting(p, 'compile', compiles));
    };
    Workers.prototype.here = function (this: Workers) {
      return here.call(this).then((p) => counting(p, 'compile', compiles));
    };
    try {
      const result = await build(options(dir, ['lib'], { jobs: 1, cache: false }));
      expect(result.compiled).toHaveLength(8);
    } finally {
      Object.assign(Workers.prototype, { helper, here });
    }
    expect(compiles.most).toBe(1);
  });

  it('emit a few packages at a time, not all at once (each holds its scope in memory until staged)', async () => {
    const dir = scratch();
    generateLibrary(path.join(dir, 'lib'), 8, 1, 3);
    const emits = { running: 0, most: 0 };
    const pool = counting(await createPool(2), 'emit', emits);
    try {
      const result = await build(options(dir, ['lib'], { jobs: 2, pool, formats: ['apkg'] }));
      expect(result.packages).toBe(8);
    } finally {
      await pool.close();
    }
    // One lane per job and one more to link (build/link-scopes.ts): two emitting at once, or
    // three, never all eight.
    expect(emits.most).toBeGreaterThanOrEqual(2);
    expect(emits.most).toBeLessThanOrEqual(3);
  });

  it('rejects --jobs 0', async () => {
    const r = await runCli(['check', 'library', '--jobs', '0'], copyFixtures('library'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unexpected --jobs 0, expected a whole number ≥ 1');
  });
});

describe('robust builds', () => {
  it('build the good files when one file has errors', async () => {
    const dir = copyFixtures('broken');
    const r = await runCli(['build', 'broken', '--jobs', '2'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken/b-bad.md:1:1: error');
    const json = JSON.parse(readFileSync(path.join(dir, 'dist/Default.json'), 'utf8'));
    expect(JSON.stringify(json)).toContain('Paris');
  });

  it('stop at the first file with an error with --bail, writing nothing', async () => {
    const dir = copyFixtures('broken');
    const result = await build(options(dir, ['broken'], { bail: true }));
    expect(result.bailed).toBe(true);
    expect(result.compiled).toEqual(['broken/a-good.md', 'broken/b-bad.md']);
    const r = await runCli(['build', 'broken', '--bail', '--jobs', '1', '--no-cache'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('b-bad.md:1:1: error');
    expect(r.stderr).toContain('stopped at the first file with errors (--bail); nothing written');
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(existsSync(path.join(dir, 'broken/deckc.lock.json'))).toBe(false);
  });

  it('report an unreadable file as a tool error, still check the rest, and write nothing', async () => {
    const dir = copyFixtures('library', 'broken');
    const bad = path.join(dir, 'library/biology/unreadable.md');
    writeFileSync(bad, ':p q\n??x\na\nx??\n');
    const argv = ['build', 'broken', 'library', '--jobs', '1'];
    let r: { code: number | null; stderr: string };
    if (process.getuid?.() === 0) {
      // root reads files whatever their mode (and a link out of the root, to /proc/self/mem, is
      // not read at all): the built command runs as nobody.
      execFileSync('chmod', ['-R', 'a+rwX', dir]);
      chmodSync(bad, 0o000);
      const run = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...argv],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: String(NOW) } },
      );
      r = { code: run.status, stderr: run.stderr };
    } else {
      chmodSync(bad, 0o000);
      r = await runCli(argv, dir);
    }
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /deckc: cannot read library\/biology\/unreadable\.md: cannot read 'biology\/unreadable\.md': (EIO|EACCES)/,
    );
    expect(r.stderr).toContain('deckc: nothing written for library: some files could not be read');
    expect(r.stderr).not.toContain('nothing written for broken');
    expect(existsSync(path.join(dir, 'broken/deckc.lock.json'))).toBe(true);
    expect(r.stderr).toContain('broken/b-bad.md:1:1: error');
    expect(existsSync(path.join(dir, 'library/deckc.lock.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'dist/biology.apkg'))).toBe(false);
  });

  it('follow a symbolic link loop once, report it, and finish', async () => {
    const dir = copyFixtures('library');
    symlinkSync('..', path.join(dir, 'library/biology/loop'));
    const result = await build(options(dir, ['library']));
    expect(result.files).toBe(3);
    expect(result.cards).toBe(5);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'library/biology/loop',
        severity: 'warning',
        rule: 'linked-folder-read',
        message:
          'Unexpected link to a folder already read (library); skipped, so that its cards are not compiled twice',
      }),
    ]);
  });

  it('leave outputs and lock untouched when interrupted, and rebuild afterwards', async () => {
    const dir = scratch();
    generateLibrary(path.join(dir, 'lib'), 2, 4, 10);
    await build(options(dir, ['lib']));
    for (const f of ['book-1/part-01.md', 'book-2/part-04.md'])
      writeFileSync(path.join(dir, 'lib', f), '# changed\n\n:p new?\n??x\nyes\nx??\n');
    const before = outputs(dir);
    const controller = new AbortController();
    const stopped = build(
      options(dir, ['lib'], {
        now: NOW + 60,
        signal: controller.signal,
        onFile: (done) => done === 1 && controller.abort(),
      }),
    );
    await expect(stopped).rejects.toBeInstanceOf(Interrupted);
    expect(treeDiff(outputs(dir), before)).toEqual([]);
    const twin = twinOf(dir);
    // Files compiled before the interrupt may already be in the cache: it is consistent either way.
    const again = await build(options(dir, ['lib'], { now: NOW + 60 }));
    expect(again.cards).toBe(62);
    expect(treeDiff(outputs(dir), await coldBuild(twin, ['lib'], { now: NOW + 60 }))).toEqual([]);
  });
});
