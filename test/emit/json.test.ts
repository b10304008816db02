import { describe, expect, it } from 'vitest';
import { Utf8Chunks } from '../../src/emit/chunks.js';
import { emitJson } from '../../src/emit/json.js';
import type { JsonCard } from '../../src/validate/schema.js';

/** What emitJson writes, card by card, must be the document JSON.stringify writes whole. */
const whole = (deck: string, cards: JsonCard[]) =>
  new TextEncoder().encode(`${JSON.stringify({ format: 'deckc-deck@1', deck, cards }, null, 2)}\n`);

/**
 * Bytes as a string of one character per byte: compared exactly, and fast (toEqual on a
 * megabyte of Uint8Array compares it element by element, ~20 s).
 */
const bytes = (data: Uint8Array) => Buffer.from(data).toString('latin1');

const card = (n: number, text: string): JsonCard =>
  ({
    guid: `g${n}`,
    deck: 'Book::Part',
    tags: n % 2 ? ['a', 'b'] : [],
    question: { markdown: text, html: `<p>${text}</p>` },
    answer: { markdown: 'x\ny', html: '<p>x<br>y</p>' },
    source: { file: 'a.md', line: n, column: 1 },
  }) as unknown as JsonCard;

describe('emitJson', () => {
  it('writes the bytes of JSON.stringify(doc, null, 2), a card at a time', () => {
    for (const cards of [
      [],
      [card(1, 'one')],
      [card(1, 'naïve "quotes" \\ and \u2028'), card(2, '日本語 🎉'), card(3, '')],
    ])
      expect(bytes(emitJson('Book "B"', cards))).toBe(bytes(whole('Book "B"', cards)));
  });

  it('stays whole past the size at which it encodes a piece', () => {
    // Well over a megabyte of text: several pieces, joined in order.
    const cards = Array.from({ length: 3000 }, (_, n) => card(n, `é${'x'.repeat(500)}${n}`));
    expect(bytes(emitJson('Big', cards))).toBe(bytes(whole('Big', cards)));
  });
});

describe('Utf8Chunks', () => {
  it('encodes what was added, in order, across pieces', () => {
    const out = new Utf8Chunks();
    const parts = Array.from({ length: 5000 }, (_, n) => `${n}ü${'€'.repeat(n % 300)}`);
    for (const part of parts) out.add(part);
    expect(new TextDecoder().decode(out.done())).toBe(parts.join(''));
  });
});
