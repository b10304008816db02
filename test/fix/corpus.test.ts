/**
 * `deckc fix` on the real corpus (../shared/corpus/real, read-only: the test fixes a copy), when
 * it is there: the fixed library compiles to the same 10,000+ cards — fields, HTML, GUIDs — the
 * lock needs no change, no fixable warning is left but those that would change a card, and a
 * second run changes nothing.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, linkProject } from '../../src/index.js';
import { collectInput } from '../../src/io/input.js';
import { runCli } from '../cli/run.js';

const corpus = path.resolve(import.meta.dirname, '../../../shared/corpus/real');

describe.skipIf(!existsSync(corpus))('deckc fix on the real corpus', () => {
  it('keeps every card, GUID and lock entry, and reaches a fixpoint', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-fix-corpus-'));
    try {
      cpSync(corpus, path.join(dir, 'real'), { recursive: true });
      const { files } = await collectInput('real', dir);
      const compile = (p: string, bytes: Buffer) =>
        compileFile(new Uint8Array(bytes), p, () => null, { rootDeck: 'Default' });
      const original = files.map((f) => readFileSync(f.absolute));
      const before = files.map((f, k) => compile(f.path, original[k]!));

      const r = await runCli(['fix', 'real', '-q'], dir);
      expect(r.stderr).toMatch(/^deckc: 308 files, \d+ changed; \d+ fixes applied/m);
      const fixed = files.map((f) => readFileSync(f.absolute));
      // Only what changed is compiled again.
      const after = files.map((f, k) =>
        fixed[k]!.equals(original[k]!) ? before[k]! : compile(f.path, fixed[k]!),
      );
      const linked = linkProject(before, null, { now: 1_764_000_000 });
      const relinked = linkProject(after, linked.lock, { now: 1_764_000_060 });
      // Every field but `source`, whose line moves below a line a fix split.
      const cards = (l: typeof linked) =>
        l.packages.flatMap((p) => p.cards.map(({ source: _, ...card }) => card));
      expect(cards(relinked).length).toBeGreaterThan(10_000);
      expect(cards(relinked)).toEqual(cards(linked));
      expect(relinked.lock).toEqual(linked.lock);
      // What is left: fixes that would change a card, none here.
      expect(after.flatMap((f) => f.diagnostics).filter((d) => d.fix)).toEqual([]);

      const again = await runCli(['fix', 'real', '-q'], dir);
      expect(again.stderr).toMatch(/^deckc: 308 files, 0 changed; 0 fixes applied$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
