import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/run.js';
import { copyFixtures } from './helpers.js';

// A compiler bug on one file: compileFile throws for any file named like 'genes'.
vi.mock('../../src/compile.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/compile.js')>();
  return {
    ...actual,
    compileFile: (...args: Parameters<typeof actual.compileFile>) => {
      if (args[1].includes('genes')) throw new TypeError('cannot read properties of undefined');
      return actual.compileFile(...args);
    },
  };
});

describe('a file the compiler crashes on', () => {
  it('becomes an internal-error diagnostic on that file; the others are checked, nothing written', async () => {
    const dir = copyFixtures('library');
    const r = await runCli(['build', 'library', '--jobs', '1', '--no-cache'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'library/biology/genes.md:1:1: error: Unexpected crash of deckc while compiling this file (TypeError: cannot read properties of undefined)',
    );
    expect(r.stderr).toContain('[internal-error]');
    // The others were compiled (their diagnostics would show) ...
    expect(r.stderr).toContain('deckc: 3 files, 4 cards');
    // ... but linking without the crashed file's cards would retire them: nothing is written.
    expect(r.stderr).toContain('deckc: nothing written for library: deckc crashed on some files');
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(existsSync(path.join(dir, 'library/deckc.lock.json'))).toBe(false);
  });
});
