import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/run.js';
import { copyFixtures } from './helpers.js';

// A compiler bug on one file: compileFile throws for a file named like 'genes' once it holds
// the word CRASH (so that a project can be built first, then meet the bug).
vi.mock('../../src/compile.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/compile.js')>();
  return {
    ...actual,
    compileFile: (...args: Parameters<typeof actual.compileFile>) => {
      const text = new TextDecoder().decode(args[0] as Uint8Array);
      if (args[1].includes('genes') && text.includes('CRASH'))
        throw new TypeError('cannot read properties of undefined');
      return actual.compileFile(...args);
    },
  };
});

const lockOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'library/deckc.lock.json'), 'utf8')).notes as Record<
    string,
    { at: string; content: string; retired?: number }
  >;

const crash = (dir: string) => {
  const genes = path.join(dir, 'library/biology/genes.md');
  writeFileSync(genes, `${readFileSync(genes, 'utf8')}\nCRASH\n`);
};

describe('a file the compiler crashes on', () => {
  it('is an internal-error at that file; the other decks are built and written', async () => {
    const dir = copyFixtures('library');
    crash(dir);
    const r = await runCli(['build', 'library', '--jobs', '1', '--no-cache'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'library/biology/genes.md:1:1: error: Unexpected crash of deckc while compiling this file (TypeError: cannot read properties of undefined)',
    );
    expect(r.stderr).toContain('[internal-error]');
    // A first build: the lock knows no note of genes.md, so nothing of it can be retired; the
    // other files, biology's included, are built.
    expect(existsSync(path.join(dir, 'dist/chemistry.apkg'))).toBe(true);
    expect(existsSync(path.join(dir, 'dist/biology.apkg'))).toBe(true);
    expect(Object.values(lockOf(dir)).some((e) => e.at.startsWith('biology/genes.md'))).toBe(false);
  });

  it("holds back the crashed file's deck, its package and its lock entries; builds the rest", async () => {
    const dir = copyFixtures('library');
    expect((await runCli(['build', 'library', '--jobs', '1'], dir)).code).toBe(0);
    const before = lockOf(dir);
    const biology = readFileSync(path.join(dir, 'dist/biology.apkg'));
    crash(dir);
    // chemistry changes too: it is rebuilt while biology waits.
    const atoms = path.join(dir, 'library/chemistry/atoms.md');
    writeFileSync(atoms, readFileSync(atoms, 'utf8').replace(/\?\n/, '? (edited)\n'));
    for (const jobs of ['1', '2']) {
      const r = await runCli(['build', 'library', '--jobs', jobs], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('library/biology/genes.md:1:1: error: Unexpected crash of deckc');
      expect(r.stderr).toContain(
        "deckc: nothing written for library: deck 'biology' (deckc crashed on library/biology/genes.md; its package and its notes in the lock were left as they were)",
      );
      // biology's package and lock entries are as they were: none retired, none updated.
      expect(readFileSync(path.join(dir, 'dist/biology.apkg')).equals(biology)).toBe(true);
      const after = lockOf(dir);
      for (const [guid, entry] of Object.entries(before))
        if (entry.at.startsWith('biology/')) expect(after[guid]).toEqual(entry);
      expect(Object.values(after).some((e) => e.retired !== undefined)).toBe(false);
      // chemistry was rebuilt with its edit.
      expect(
        Object.entries(after).some(
          ([guid, e]) => e.at.startsWith('chemistry/') && e.content !== before[guid]?.content,
        ),
      ).toBe(true);
    }
  });
});
