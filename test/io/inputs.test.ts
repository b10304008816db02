import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInputs, IoError } from '../../src/io/input.js';

const fixtures = new URL('../fixtures/paths/', import.meta.url).pathname;

/** A fresh copy of a fixture in a temp folder (real path, so that roots print relative to it). */
function workspace(name: string) {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'deckc-paths-')));
  cpSync(path.join(fixtures, name), dir, { recursive: true });
  return dir;
}

/** Each root relative to `cwd`, with its files. */
async function roots(cwd: string, paths: string[], ignore?: string[]) {
  const inputs = await collectInputs(paths, cwd, ignore);
  return inputs.map((input) => ({
    root: path.relative(cwd, input.root) || '.',
    files: input.files.map((f) => f.path),
  }));
}

const NOTES = {
  root: 'notes',
  files: ['Rust/ownership.md', 'Rust/traits.md', 'intro.md'],
};

describe('collectInputs: a folder', () => {
  it('is an input root with all its Markdown files, sorted', async () => {
    const cwd = workspace('project');
    expect(await roots(cwd, ['notes'])).toEqual([NOTES]);
  });

  it('named twice, or as itself and through a link, is one root', async () => {
    const cwd = workspace('project');
    symlinkSync(path.join(cwd, 'notes'), path.join(cwd, 'alias'));
    expect(await roots(cwd, ['notes', './notes/', 'alias'])).toEqual([NOTES]);
  });

  it('a link back up is read once and reported as skipped', async () => {
    const cwd = workspace('project');
    symlinkSync(path.join(cwd, 'notes'), path.join(cwd, 'notes/Rust/loop'));
    const [input] = await collectInputs(['notes/intro.md'], cwd);
    expect(input!.files.map((f) => f.path)).toEqual(NOTES.files);
    expect(input!.skipped).toEqual([{ path: 'Rust/loop', real: path.join(cwd, 'notes') }]);
  });
});

describe('collectInputs: a file stands for its project', () => {
  it('the nearest folder above it with a deckc.lock.json, read whole', async () => {
    const cwd = workspace('project');
    expect(await roots(cwd, ['notes/Rust/traits.md'])).toEqual([NOTES]);
  });

  it('so that the files a shell glob gives are the folder', async () => {
    const cwd = workspace('project');
    const expected = await collectInputs(['notes'], cwd);
    expect(await collectInputs(['notes/intro.md'], cwd)).toEqual(expected);
    expect(await collectInputs(['notes/Rust/ownership.md', 'notes/Rust/traits.md'], cwd)).toEqual(
      expected,
    );
  });

  it('a file and its project folder give one root', async () => {
    const cwd = workspace('project');
    expect(await roots(cwd, ['notes/intro.md', 'notes'])).toEqual([NOTES]);
  });

  it('a non-Markdown file counts too (what `notes/*` gives)', async () => {
    const cwd = workspace('project');
    writeFileSync(path.join(cwd, 'notes/image.png'), '');
    expect(await roots(cwd, ['notes/image.png', 'notes/intro.md', 'notes/Rust'])).toEqual([NOTES]);
  });

  it('files in no project are grouped under their deepest common folder', async () => {
    const cwd = workspace('loose');
    expect(await roots(cwd, ['a/one.md'])).toEqual([
      { root: 'a', files: ['deep/two.md', 'one.md'] },
    ]);
    expect(await roots(cwd, ['a/deep/two.md', 'a/one.md'])).toEqual([
      { root: 'a', files: ['deep/two.md', 'one.md'] },
    ]);
    expect(await roots(cwd, ['b/three.md', 'a/deep/two.md'])).toEqual([
      { root: '.', files: ['a/deep/two.md', 'a/one.md', 'b/three.md'] },
    ]);
  });

  it('the ignore globs apply relative to the root found', async () => {
    const cwd = workspace('project');
    expect(await roots(cwd, ['notes/intro.md'], ['Rust/traits.md'])).toEqual([
      { root: 'notes', files: ['Rust/ownership.md', 'intro.md'] },
    ]);
  });
});

describe('collectInputs: a quoted glob', () => {
  it('is expanded by deckc, its matches read as file arguments', async () => {
    const cwd = workspace('project');
    expect(await roots(cwd, ['notes/*.md'])).toEqual([NOTES]);
    expect(await roots(cwd, ['notes/**/*.md'])).toEqual([NOTES]);
    expect(await roots(cwd, ['**/t{raits,opics}.md'])).toEqual([NOTES]);
    expect(await roots(path.join(cwd, 'notes/Rust'), ['../*.md'])).toEqual([
      { root: '..', files: NOTES.files },
    ]);
  });

  it('matching no Markdown file is an IoError', async () => {
    const cwd = workspace('project');
    writeFileSync(path.join(cwd, 'notes/image.png'), '');
    for (const glob of ['notes/*.txt', 'notes/*.png', 'missing/**/*.md', 'notes/*/*/*.md']) {
      await expect(collectInputs([glob], cwd)).rejects.toThrow(
        new IoError(`no Markdown file matches '${glob}'`),
      );
    }
  });

  it('a path that exists is not a glob, and a missing plain path is an IoError', async () => {
    const cwd = workspace('project');
    mkdirSync(path.join(cwd, 'notes/[draft]'));
    writeFileSync(path.join(cwd, 'notes/[draft]/d.md'), '');
    expect(await roots(cwd, ['notes/[draft]'])).toEqual([
      { root: 'notes/[draft]', files: ['d.md'] },
    ]);
    for (const missing of ['notes/missing.md', 'notes/intro.md/x.md']) {
      await expect(collectInputs([missing], cwd)).rejects.toThrow(
        new IoError(`cannot read '${missing}': no such file or directory`),
      );
    }
  });
});

describe('collectInputs: nested projects', () => {
  const OUTER = { root: 'outer', files: ['Plain/plain.md', 'top.md'] };
  const INNER = { root: 'outer/Inner', files: ['Deeper/deeper.md', 'inner.md'] };

  it('a folder below a root with its own lock is a root of its own, after it', async () => {
    const cwd = workspace('nested');
    expect(await roots(cwd, ['outer'])).toEqual([OUTER, INNER]);
  });

  it('named alone, it is built alone', async () => {
    const cwd = workspace('nested');
    expect(await roots(cwd, ['outer/Inner'])).toEqual([INNER]);
    expect(await roots(cwd, ['outer/Inner/Deeper/deeper.md'])).toEqual([INNER]);
  });

  it('named too, it is one root, in the order first named', async () => {
    const cwd = workspace('nested');
    expect(await roots(cwd, ['outer', 'outer/Inner'])).toEqual([OUTER, INNER]);
    expect(await roots(cwd, ['outer/Inner', 'outer'])).toEqual([INNER, OUTER]);
    expect(await roots(cwd, ['outer/Inner/inner.md', 'outer/top.md'])).toEqual([INNER, OUTER]);
  });

  it('a named folder without a lock inside a named root is merged into it', async () => {
    const cwd = workspace('nested');
    expect(await roots(cwd, ['outer/Plain'])).toEqual([
      { root: 'outer/Plain', files: ['plain.md'] },
    ]);
    expect(await roots(cwd, ['outer', 'outer/Plain'])).toEqual([OUTER, INNER]);
    // Merged into the outer root, which takes its place.
    expect(await roots(cwd, ['outer/Inner', 'outer/Plain', 'outer'])).toEqual([INNER, OUTER]);
    expect(await roots(cwd, ['outer/Plain', 'outer/Inner', 'outer'])).toEqual([OUTER, INNER]);
    // Inside the inner project: merged into it.
    expect(await roots(cwd, ['outer/Inner/Deeper', 'outer'])).toEqual([INNER, OUTER]);
  });

  it('a file of the outer project stands for it, not for the inner one', async () => {
    const cwd = workspace('nested');
    expect(await roots(cwd, ['outer/*.md'])).toEqual([OUTER, INNER]);
    expect(await roots(cwd, ['outer/**/*.md'])).toEqual([OUTER, INNER]);
  });

  it('a nested project reached through a link is read once, as that project', async () => {
    const cwd = workspace('nested');
    symlinkSync(path.join(cwd, 'outer/Inner'), path.join(cwd, 'outer/Plain/inner-link'));
    expect(await roots(cwd, ['outer'])).toEqual([OUTER, INNER]);
    // Named alone, outer/Plain is the root, and its link leaves it: refused, not followed.
    expect(await roots(cwd, ['outer/Plain'])).toEqual([
      { root: 'outer/Plain', files: ['plain.md'] },
    ]);
    const [plain] = await collectInputs(['outer/Plain'], cwd);
    expect(plain!.diagnostics?.map((d) => [d.file, d.rule])).toEqual([
      ['inner-link', 'outside-root'],
    ]);
  });
});

describe('collectInputs: deterministic', () => {
  it('roots in argument order, whatever the order of the files inside them', async () => {
    const cwd = workspace('nested');
    cpSync(path.join(fixtures, 'project'), cwd, { recursive: true });
    expect((await roots(cwd, ['notes/Rust/traits.md', 'outer'])).map((r) => r.root)).toEqual([
      'notes',
      'outer',
      'outer/Inner',
    ]);
    expect((await roots(cwd, ['outer/top.md', 'notes/intro.md'])).map((r) => r.root)).toEqual([
      'outer',
      'outer/Inner',
      'notes',
    ]);
  });
});
