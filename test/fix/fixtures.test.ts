/**
 * One folder per behaviour under test/fixtures/fix: input.md beside output.md (the fixed source)
 * and report.txt (fixes applied and left by rule, then what the fixed file still reports).
 * `UPDATE=1 npx vitest run test/fix` regenerates output.md and report.txt; read them before
 * committing. Every fixture also checks the guarantees of `deckc fix`: a fixpoint, the same
 * cards and GUIDs, an unchanged lock, and no fix left but those that would change a card.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/diagnostics/format.js';
import { applyFixes, fixText } from '../../src/fix/apply.js';
import { parseFile } from '../../src/parse/parse-file.js';
import { linkedCards } from './cards.js';

const root = join(import.meta.dirname, '../fixtures/fix');
const update = process.env.UPDATE === '1';
const folders = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const byRule = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([rule, n]) => `  ${rule}: ${n}\n`)
    .join('');

/** Checks that fixing `text` keeps everything `deckc fix` promises; returns the result. */
function checkFix(text: string, path: string) {
  const fixed = fixText(text, path);
  // A fixpoint: fixing again changes nothing.
  expect(fixText(fixed.text, path).text).toBe(fixed.text);
  // The same cards and GUIDs, and the lock needs no change: linked a minute later against the
  // lock the first build left, no note's content or mod moves.
  const before = linkedCards([{ path, text }]);
  const after = linkedCards([{ path, text: fixed.text }], before.lock);
  expect(after.cards).toEqual(before.cards);
  expect(after.lock).toEqual(before.lock);
  // A fix left is one that would change a card on its own.
  for (const d of fixed.diagnostics.filter((d) => d.fix)) {
    const alone = linkedCards([{ path, text: applyFixes(fixed.text, [d.fix!]) }], before.lock);
    expect(alone.cards, `${d.rule} at ${d.line}:${d.column}`).not.toEqual(before.cards);
  }
  return fixed;
}

describe('fix fixtures', () => {
  for (const name of folders) {
    it(name, () => {
      const dir = join(root, name);
      const input = readFileSync(join(dir, 'input.md'), 'utf8');
      const fixed = checkFix(input, `${name}/input.md`);
      const report =
        `applied:\n${byRule(fixed.applied)}left:\n${byRule(fixed.rejected)}` +
        `diagnostics:\n${formatText(fixed.diagnostics)}`;
      if (update) {
        writeFileSync(join(dir, 'output.md'), fixed.text);
        writeFileSync(join(dir, 'report.txt'), report);
      }
      expect(fixed.text).toBe(readFileSync(join(dir, 'output.md'), 'utf8'));
      expect(report).toBe(readFileSync(join(dir, 'report.txt'), 'utf8'));
    });
  }

  it('keeps every byte outside the edits: BOM, CRLF, trailing spaces, front matter, no final EOL', () => {
    const input = readFileSync(join(root, 'crlf-bom-front-matter/input.md'), 'utf8');
    const { text } = fixText(input, 'input.md');
    expect(text.startsWith('\uFEFF---\r\ndeck: Fixes::CRLF\r\ntags: [a, b]   \r\n---\r\n')).toBe(
      true,
    );
    expect(text).toContain('#### Windows  \r\n');
    expect(text).toContain('front matter.  \r\nx??\r\n');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(text.endsWith('No final line ending.\r\nx??')).toBe(true);
  });
});

describe('the parse fixtures, fixed', () => {
  const parseRoot = join(import.meta.dirname, '../fixtures/parse');
  const names = readdirSync(parseRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    it(`${name}: same cards, a fixpoint`, () => {
      const bytes = readFileSync(join(parseRoot, name, 'input.md'));
      // Invalid UTF-8 is never fixed (deckc fix skips such a file).
      if (parseFile(new Uint8Array(bytes), 'x').diagnostics.some((d) => d.rule === 'invalid-utf8'))
        return;
      checkFix(bytes.toString('utf8'), `${name}/input.md`);
    });
  }
});
