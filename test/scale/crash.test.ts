import { readFileSync } from 'node:fs';
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
  it('becomes an internal-error diagnostic on that file while the others build', async () => {
    const dir = copyFixtures('library');
    const r = await runCli(['build', 'library', '--jobs', '1', '--no-cache'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'library/biology/genes.md:1:1: error: Unexpected crash of deckc while compiling this file (TypeError: cannot read properties of undefined)',
    );
    expect(r.stderr).toContain('[internal-error]');
    const biology = readFileSync(path.join(dir, 'dist/biology.json'), 'utf8');
    expect(biology).toContain('mitochondrion');
  });
});
