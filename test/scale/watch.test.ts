import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildResult } from '../../src/build/build.js';
import { watch } from '../../src/build/watch.js';
import { main } from '../../src/cli/main.js';
import { copyFixtures } from './helpers.js';

/** Resolves when `check` holds, polling; rejects after `ms`. */
async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('deckc build --watch', () => {
  it('rebuilds only the saved file, and stops on abort', async () => {
    const dir = copyFixtures('library');
    const controller = new AbortController();
    const builds: (BuildResult | Error)[] = [];
    const watching = watch(
      {
        paths: ['library'],
        cwd: dir,
        out: 'dist',
        formats: ['json'],
        write: true,
        frozen: false,
        bundle: undefined,
        ignore: [],
        compile: { rootDeck: 'Default' },
        now: 1_764_000_000,
        jobs: 1,
      },
      { signal: controller.signal, debounceMs: 50, onBuild: (outcome) => builds.push(outcome) },
    );
    await until(() => builds.length === 1);
    expect((builds[0] as BuildResult).compiled).toHaveLength(3);
    // The build's own writes (outputs, lock, cache) must not trigger another build.
    await new Promise((r) => setTimeout(r, 300));
    expect(builds).toHaveLength(1);

    const file = path.join(dir, 'library/biology/cells.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('The cell.', 'The cell, of course.'));
    await until(() => builds.length === 2);
    expect((builds[1] as BuildResult).compiled).toEqual(['library/biology/cells.md']);
    expect(readFileSync(path.join(dir, 'dist/biology.json'), 'utf8')).toContain('of course');

    // A changed picture rebuilds the file that shows it, though its own bytes did not change.
    const deck = () => readFileSync(path.join(dir, 'dist/chemistry.json'), 'utf8');
    const before = deck();
    writeFileSync(path.join(dir, 'library/chemistry/media/atom.png'), 'another picture');
    await until(() => builds.length === 3);
    expect((builds[2] as BuildResult).compiled).toEqual(['library/chemistry/atoms.md']);
    expect(deck()).not.toBe(before);

    // A folder created while watching is watched too.
    mkdirSync(path.join(dir, 'library/physics'));
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(
      path.join(dir, 'library/physics/waves.md'),
      ':p What is a wave?\n??x\nA disturbance.\nx??\n',
    );
    const compiledWaves = () =>
      builds.some((b) => !(b instanceof Error) && b.compiled.includes('library/physics/waves.md'));
    await until(compiledWaves);

    controller.abort();
    await watching;
    const count = builds.length;
    writeFileSync(file, 'changed after stop');
    await new Promise((r) => setTimeout(r, 200));
    expect(builds).toHaveLength(count);
  });

  it('reprints the changed file’s diagnostics and the summary', async () => {
    const dir = copyFixtures('library');
    const controller = new AbortController();
    let stderr = '';
    const run = main(['build', 'library', '--watch', '--jobs', '1', '--format', 'json'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: dir,
      env: { SOURCE_DATE_EPOCH: '1764000000' },
      signal: controller.signal,
    });
    await until(() => stderr.includes('watching for changes'));
    expect(stderr).toContain('deckc: 3 files, 5 cards, 2 packages; 0 errors, 0 warnings');
    stderr = '';
    writeFileSync(path.join(dir, 'library/biology/genes.md'), ':p A question with no answer\n');
    await until(() => stderr.includes('watching for changes'));
    expect(stderr).toContain('library/biology/genes.md:1:1: error');
    expect(stderr).toContain('deckc: 3 files, 4 cards, 2 packages, 1 retired; 1 error, 0 warnings');
    controller.abort();
    // Ctrl-C ends a watch with 130 (interrupted), whatever the last build said.
    expect(await run).toBe(130);
  });
});
