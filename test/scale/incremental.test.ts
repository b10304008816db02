import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BuildOptions, build, newMemo } from '../../src/build/build.js';
import { buildOptions, NOW, readTree, scratch, treeDiff } from './helpers.js';

/**
 * Incremental builds against cold ones, over a seeded random walk of edits: answers, questions,
 * added and removed cards, explicit ids (sometimes colliding), files moved between top-level
 * decks, deleted and created, front matter sending a file to another deck. After every step a
 * build with the cache (and, in watch mode, the memory) must equal, byte for byte, a build
 * without them from the same sources and lock file.
 */

const outputs = (dir: string) => readTree(dir, (r) => r.includes('.deckc-cache'));

function random(seed: number) {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(list: readonly T[]) => list[next() % list.length]!,
  };
}

const card = (q: string, a: string) => `:p ${q}\n??x\n${a}\nx??\n`;

function walk(
  seed: number,
  steps: number,
  more: (step: number) => Partial<BuildOptions>,
  shared: Partial<BuildOptions> = {},
) {
  return async () => {
    const rnd = random(seed);
    const dir = scratch();
    const lib = path.join(dir, 'lib');
    for (const deck of ['alpha', 'beta', 'gamma']) {
      mkdirSync(path.join(lib, deck), { recursive: true });
      for (const part of [1, 2])
        writeFileSync(
          path.join(lib, deck, `part-${part}.md`),
          [1, 2, 3].map((n) => card(`${deck} ${part} question ${n}?`, `Answer ${n}.`)).join('\n'),
        );
    }
    const files = () =>
      readdirSync(lib, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => path.join(lib, f));
    const edits: ((file: string, text: string) => string | null)[] = [
      (_, t) => t.replace(/Answer (\d+)\./, (_m, n) => `Answer ${n}, revised ${rnd.int(1000)}.`),
      (_, t) =>
        t.replace(/question (\d+)\?/, (_m, n) => `question ${n} reworded ${rnd.int(1000)}?`),
      (_, t) => `${t}\n${card(`Added ${rnd.int(1000)}?`, 'New.')}`,
      (_, t) => t.replace(/:p [^\n]*\n\?\?x\n[^\n]*\nx\?\?\n/, ''),
      (_, t) => t.replace(/\?\n\?\?x/, ` {#id-${rnd.int(2)}}\n??x`),
      (_, t) => `${t}\n${card(`With an id ${rnd.int(1000)}? {#id-${rnd.int(2)}}`, 'Identified.')}`,
      (file) => {
        const to = path.join(lib, rnd.pick(['alpha', 'beta', 'gamma', 'delta']));
        mkdirSync(to, { recursive: true });
        const target = path.join(to, `moved-${rnd.int(1000)}.md`);
        writeFileSync(target, readFileSync(file));
        rmSync(file);
        return null;
      },
      (file) => {
        if (files().length > 3) rmSync(file);
        return null;
      },
      (_, t) => `---\ndeck: ${rnd.pick(['alpha', 'beta', 'omega'])}::Sent\n---\n${t}`,
    ];
    const memo = newMemo();
    for (let step = 1; step <= steps; step++) {
      const file = rnd.pick(files());
      const next = rnd.pick(edits)(file, readFileSync(file, 'utf8'));
      if (next !== null) writeFileSync(file, next);
      const twin = scratch();
      cpSync(dir, twin, {
        recursive: true,
        filter: (src) => !src.includes('.deckc-cache') && !src.startsWith(path.join(dir, 'dist')),
      });
      const now = NOW + 60 * step;
      const warm = await build(buildOptions(dir, ['lib'], { now, ...shared, ...more(step), memo }));
      const cold = await build(buildOptions(twin, ['lib'], { now, ...shared, cache: false }));
      expect(warm.diagnostics, `step ${step}`).toEqual(cold.diagnostics);
      expect(treeDiff(outputs(dir), outputs(twin)), `step ${step}`).toEqual([]);
    }
  };
}

describe('incremental builds over random edits', () => {
  it(
    'equal cold builds at every step (cache)',
    walk(7, 24, () => ({ memo: undefined })),
  );
  it(
    'equal cold builds at every step (cache and watch memory)',
    walk(11, 24, () => ({})),
  );
  it(
    'equal cold builds at every step (watch memory only)',
    walk(23, 16, () => ({ cache: false })),
  );
  it(
    'equal cold builds at every step (one bundle, all formats)',
    walk(31, 12, () => ({}), { bundle: 'Everything', formats: ['apkg', 'csv', 'json', 'html'] }),
  );
});
