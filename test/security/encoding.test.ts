/**
 * Issue 15: a UTF-16 file (what Windows PowerShell 5's `>` writes) gave 0 cards and exit 0. It is
 * now decoded, with or without a BOM (recognised by its NUL bytes), in either byte order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../src/compile.js';
import { decode, sniffUtf16 } from '../../src/parse/decode.js';

const SOURCE =
  '# Flashcards: Ünïcödé (Part 2)\r\n\r\n#### Café\r\n:p What is 𝜋 ≈?\r\n??x\r\n3.14159 — $\\pi$\r\nx??\r\n';

function utf16(text: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const units = bom ? `\uFEFF${text}` : text;
  const bytes = new Uint8Array(units.length * 2);
  for (let i = 0; i < units.length; i++) {
    const u = units.charCodeAt(i);
    bytes[2 * i + (order === 'le' ? 0 : 1)] = u & 0xff;
    bytes[2 * i + (order === 'le' ? 1 : 0)] = u >> 8;
  }
  return bytes;
}

const compile = (bytes: Uint8Array) =>
  compileFile(bytes, 'Book/part-02.md', () => null, { rootDeck: 'Default' });

describe('UTF-16 input', () => {
  const utf8 = compile(new TextEncoder().encode(SOURCE));
  for (const order of ['le', 'be'] as const) {
    for (const bom of [true, false]) {
      it(`UTF-16${order.toUpperCase()} ${bom ? 'with' : 'without'} a BOM compiles as its UTF-8 twin`, () => {
        const bytes = utf16(SOURCE, order, bom);
        expect(decode(bytes)).toEqual({
          text: SOURCE,
          encoding: `utf-16${order}`,
          invalidAt: -1,
          invalidByte: -1,
        });
        const compiled = compile(bytes);
        expect(compiled.cards).toHaveLength(1);
        expect(compiled.cards).toEqual(utf8.cards);
        expect(compiled.diagnostics).toEqual(utf8.diagnostics);
      });
    }
  }

  it('locates an unpaired surrogate and still reads the cards', () => {
    const bytes = utf16(`${SOURCE.slice(0, 40)}\uD800${SOURCE.slice(40)}`, 'le', true);
    const d = decode(bytes);
    expect(d.encoding).toBe('utf-16le');
    expect(d.invalidAt).toBe(40);
    expect(d.invalidByte).toBe(2 + 80);
    const compiled = compile(bytes);
    expect(compiled.cards).toHaveLength(1);
    expect(compiled.diagnostics.map((x) => x.rule)).toContain('invalid-utf8');
  });

  it('never takes UTF-8 text for UTF-16 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(sniffUtf16(new TextEncoder().encode(s))).toBe(null);
      }),
      { numRuns: 500 },
    );
  });

  it('reads any text written as UTF-16 back exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', minLength: 4, maxLength: 200 }),
        fc.constantFrom('le' as const, 'be' as const),
        fc.boolean(),
        (s, order, bom) => {
          const text = `:p ${s}\n`;
          expect(decode(utf16(text, order, bom)).text).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });
});
