import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/render/escape.js';

const reference = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('escapeHtml', () => {
  it('escapes & < > " and nothing else, small or large (the one-buffer path)', () => {
    const piece = fc.constantFrom('a', '&', '<', '>', '"', "'", 'é', '😀', '\n', '&amp;');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.integer({ min: 1, max: 3000 }),
        (parts, n) => {
          const s = parts.join('').repeat(n);
          expect(escapeHtml(s)).toBe(reference(s));
        },
      ),
      { numRuns: 60 },
    );
    const big = '<b>&"é😀'.repeat(20_000);
    expect(big.length).toBeGreaterThan(1 << 16);
    expect(escapeHtml(big)).toBe(reference(big));
    expect(escapeHtml('plain')).toBe('plain');
  });
});
