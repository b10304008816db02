/**
 * Properties of the parser on generated input: it never throws, every position lies inside the
 * file, every `:p` becomes a card or an error at its line, and clean decks round-trip exactly.
 * Hangs would show as test timeouts (the large inputs below are quadratic traps).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/parse/decode.js';
import { splitLines } from '../../src/parse/lines.js';
import { type ParseResult, parseFile } from '../../src/parse/parse-file.js';
import type { Point } from '../../src/validate/schema.js';

function checkPositions(input: Uint8Array | string, result: ParseResult) {
  const { text } = decode(input);
  const lineCount = splitLines(text).length;
  const inside = (p: Point) => {
    expect(p.offset).toBeGreaterThanOrEqual(0);
    expect(p.offset).toBeLessThanOrEqual(text.length);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lineCount);
    expect(p.column).toBeGreaterThanOrEqual(1);
  };
  for (const card of result.file.children) {
    inside(card.position.start);
    inside(card.position.end);
    expect(card.position.start.offset).toBeLessThanOrEqual(card.position.end.offset);
    for (const f of [card.title, card.context, card.question, card.answer]) {
      if (!f) continue;
      inside(f.position.start);
      inside(f.position.end);
      expect(f.position.start.offset).toBeLessThanOrEqual(f.position.end.offset);
      expect(f.value.trim()).not.toBe('');
    }
  }
  for (const d of result.diagnostics) {
    expect(d.line).toBeLessThanOrEqual(lineCount);
    expect(d.endLine).toBeLessThanOrEqual(lineCount);
    expect(d.column).toBeGreaterThanOrEqual(1);
  }
}

/** Lines a flashcard file is made of, clean and broken. */
const markerish = [
  ':p What is it?',
  ':p',
  '  :p Spaced question?',
  ':pseudo-code:',
  '??x',
  '??x The answer on the opener.',
  'x??',
  'x?? chatter',
  ' x?? ',
  ':x?',
  'x?',
  ':x??',
  '??',
  '???x',
  '???',
  '????',
  'x???',
  '??$42',
  '---',
  '---  ',
  '#### Title',
  '####$\\epsilon$-greedy',
  '#### Title {#tid}',
  ':p Identified? {#qid}',
  ':p Bad id {#a b}',
  '# Flashcards: Book (Part 3)',
  '**Starting Chapter:** One',
  '**Rating: 8/10**',
  'Plain text.',
  '',
  '$$a$$x??',
  '$$a$$??x',
  '$$a$$:p Glued question?',
  '$$a$$#### Glued title',
  'Answer text [END_OF_TEXT]',
  ': Misspelled prompt?',
  '{#}',
  '🙂 wide characters ü',
];
const fenceish = [
  '```',
  '```python',
  '~~~',
  '$$k$$```java',
  '``` junk label',
  '    ```',
  'code();```',
];
const eol = fc.constantFrom('\n', '\r\n', '\r');

function join(lines: string[], ends: string[]): string {
  return lines.map((l, k) => l + (ends[k] ?? '\n')).join('');
}

const QUESTION_LINE = /^[ \t]*:p(?:[ \t]|$)|\$:p(?:[ \t]|$)/;

describe('parser properties', () => {
  it('never throws on arbitrary strings and keeps positions inside the file', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        checkPositions(s, parseFile(s, 'a.md'));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkPositions(bytes, parseFile(bytes, 'a.md'));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on marker-ish lines with fences, positions inside the file', () => {
    const line = fc.constantFrom(...markerish, ...fenceish);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.array(eol, { maxLength: 60 }), (ls, es) => {
        const text = join(ls, es);
        checkPositions(text, parseFile(text, 'a.md'));
      }),
      { numRuns: 500 },
    );
  });

  it('turns every :p line into a card or an error at its line (no fences)', () => {
    const line = fc.constantFrom(...markerish);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.array(eol, { maxLength: 60 }), (ls, es) => {
        const text = join(ls, es);
        const result = parseFile(text, 'a.md');
        const cards = new Set(result.markers.map((p) => p.line));
        const errors = new Set(
          result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line),
        );
        // Lines as the file has them ('\r' + '' + '\n' is one CRLF, not two line ends).
        text.split(/\r\n|\r|\n/).forEach((l, k) => {
          if (QUESTION_LINE.test(l)) expect(cards.has(k + 1) || errors.has(k + 1)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips clean decks exactly, without diagnostics', () => {
    const word = fc.constantFrom('alpha', 'beta', '$x^2$', '`code`', '**bold**', 'ü', '—', '?');
    const text = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
    const card = fc.record({
      title: text,
      context: fc.option(text, { nil: null }),
      question: text,
      answer: fc.array(text, { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(card, { minLength: 1, maxLength: 8 }), eol, (cards, nl) => {
        const source = cards
          .map((c) =>
            [
              `#### ${c.title}`,
              ...(c.context ? [c.context] : []),
              `:p ${c.question}`,
              '??x',
              ...c.answer,
              'x??',
              '',
              '---',
              '',
            ].join(nl),
          )
          .join(nl);
        const result = parseFile(source, 'a.md');
        expect(result.diagnostics).toEqual([]);
        expect(
          result.file.children.map((c) => ({
            title: c.title?.value,
            context: c.context?.value ?? null,
            question: c.question.value,
            answer: c.answer.value,
          })),
        ).toEqual(
          cards.map((c) => ({
            title: c.title,
            context: c.context,
            question: c.question,
            answer: c.answer.join(nl),
          })),
        );
        // Positions map back: each field's value is the source between its offsets.
        for (const c of result.file.children) {
          for (const f of [c.title, c.context, c.question, c.answer]) {
            if (f)
              expect(source.slice(f.position.start.offset, f.position.end.offset)).toBe(f.value);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stays linear on inputs that would trap a quadratic lookahead', () => {
    const n = 50_000;
    const traps = [
      `:p Q\n??x\n${'---\n'.repeat(n)}`,
      `:p Q\n??x\n${'#### t\n'.repeat(n)}`,
      `:p Q\n??x\n\`\`\`\n${'---\n'.repeat(n)}`,
      `${':p Q\n'.repeat(n)}`,
      `${'??x\n'.repeat(n)}`,
      `${'x'.repeat(n * 20)}x??`,
      `${'$:p '.repeat(n)}`,
      `${'{#'.repeat(n)}`,
    ];
    for (const t of traps) {
      const result = parseFile(t, 'trap.md');
      checkPositions(t, result);
    }
  });
});
