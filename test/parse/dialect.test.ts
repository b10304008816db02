/**
 * The format author's second dialect (src/parse/dialect.ts) on generated input: `::` inside
 * code, inline code or math never makes a card; `::` in a `:p` file's prose never does either;
 * every `?p:` / `p:` prompt and every `?x` answer ends as a card or a diagnostic at its line.
 * The fixtures under test/fixtures/parse/dialect-* show each behaviour on a readable file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDialect, splitTerm } from '../../src/parse/dialect.js';
import { splitLines } from '../../src/parse/lines.js';
import { type ParseResult, parseFile } from '../../src/parse/parse-file.js';

/** The cards as values, for comparing two parses. */
const values = (r: ParseResult) =>
  r.file.children.map((c) => [c.title?.value, c.context?.value, c.question.value, c.answer.value]);

/** Lines of the dialect with no `::` in them. */
const dialectLines = [
  '#### Header',
  '## Smaller header',
  '?p: A prompt?',
  'p: Another prompt?',
  ':p A main-form question?',
  '?x',
  '??x',
  'x??',
  '---',
  ':d A group',
  'Plain text.',
  'A prompt line',
  '',
  '',
];

/** Places where `::` is code or math, never a separator (the `::` is written as `@@`). */
const guarded = [
  'The `std@@vector` type.',
  '``a@@b`` in double backticks',
  'Math $a@@b$ inline.',
  'Display $$x@@y$$ math.',
  'Older \\(p@@q\\) math.',
  'A cloze {{c1@@Paris}} here.',
  '- `Vec@@new` in a list',
];
const fenced = ['```cpp', 'std@@vector<int> v;', 'Term@@answer', '```'];

const line = fc.constantFrom(...dialectLines, ...guarded);
/** A file: lines, sometimes a fenced block of code holding `::` among them. */
const file = fc
  .tuple(fc.array(line, { maxLength: 40 }), fc.option(fc.nat(40), { nil: null }))
  .map(([ls, at]) => {
    const lines = [...ls];
    if (at !== null) lines.splice(Math.min(at, lines.length), 0, ...fenced);
    // `?x` makes it a file of the dialect, whatever else it holds.
    return `?p: First?\n?x\nFirst.\n\n${lines.join('\n')}\n`;
  });

describe('the second dialect', () => {
  it('never makes a card of a :: inside code, inline code, cloze markup or math (property)', () => {
    fc.assert(
      fc.property(file, (template) => {
        const withColons = parseFile(template.replaceAll('@@', '::'), 'a.md');
        const without = parseFile(template.replaceAll('@@', '..'), 'a.md');
        expect(values(withColons).map((v) => v.map((f) => f?.replaceAll('::', '..')))).toEqual(
          values(without),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("never makes a card of a :: in a ':p' file's prose, wherever it stands (property)", () => {
    const prose = fc.constantFrom(
      'std@@vector is a container.',
      'Deck@@Sub',
      'Term@@answer',
      '- item@@ in a list',
      'Ogre@@Root starts it; Vec@@new makes one.',
    );
    const main = fc.constantFrom(
      '#### Title',
      ':p A question?',
      '??x',
      'x??',
      '---',
      '',
      'Text.',
      '## A prose heading',
      ':d not a group here',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(prose, main), { maxLength: 40 }), (ls) => {
        const template = `:p Q?\n??x\nA.\nx??\n${ls.join('\n')}\n`;
        const withColons = parseFile(template.replaceAll('@@', '::'), 'a.md');
        const without = parseFile(template.replaceAll('@@', '..'), 'a.md');
        expect(values(withColons).map((v) => v.map((f) => f?.replaceAll('::', '..')))).toEqual(
          values(without),
        );
        expect(withColons.diagnostics.map((d) => [d.line, d.rule])).toEqual(
          without.diagnostics.map((d) => [d.line, d.rule]),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('turns every ?p: / p: prompt and ?x answer into a card or a diagnostic at its line (property)', () => {
    const prompt = /^(?:\?p:|p:[ \t])/;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...dialectLines), { maxLength: 60 }), (ls) => {
        const text = `?x\n${ls.join('\n')}\n`;
        const result = parseFile(text, 'a.md');
        const spans = result.file.children.map((c) => [c.position.start.line, c.position.end.line]);
        const questions = new Set(result.markers.map((p) => p.line));
        const reported = new Set(result.diagnostics.map((d) => d.line));
        // An empty answer is reported at its question, naming the line that opened it.
        for (const d of result.diagnostics) {
          const opened = /opened at line (\d+)/.exec(d.message);
          if (opened) reported.add(Number(opened[1]));
        }
        text.split('\n').forEach((l, k) => {
          const at = k + 1;
          if (prompt.test(l)) expect(questions.has(at) || reported.has(at)).toBe(true);
          if (l === '?x')
            expect(spans.some(([a, b]) => a! <= at && at <= b!) || reported.has(at)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reads a file of the main form exactly as before: the dialect is decided per file', () => {
    const lines = (s: string) => splitLines(s);
    expect(detectDialect(lines(':p Q?\n??x\nstd::vector\nx??\np: not a prompt\n'))).toBe('main');
    expect(detectDialect(lines(':p Q?\n??x\nA.\nx??\n?p: P?\n?x\nB.\n'))).toBe('mixed');
    expect(detectDialect(lines('Stamen::The pollen organ.\n'))).toBe('terms');
    expect(detectDialect(lines('#### Notes only\nNothing to ask.\n'))).toBe('main');
    expect(detectDialect(lines('```\na::b\n```\n'))).toBe('main');
  });

  it('splits a term line at the first :: and takes the answer after the last', () => {
    const parts = (s: string) => {
      const t = splitTerm(s);
      return t && [s.slice(...t.term), s.slice(...t.answer)];
    };
    expect(parts('Stamen::The pollen organ.')).toEqual(['Stamen', 'The pollen organ.']);
    expect(parts('- A :: B :: C')).toEqual(['A', 'C']);
    expect(parts('`a::b`')).toBe(null);
    expect(parts('x:::y')).toBe(null);
    expect(parts('::answer')).toBe(null);
    expect(parts('term::')).toBe(null);
    expect(parts('| a::b |')).toBe(null);
  });

  it('stays linear on dialect inputs that would trap a quadratic lookahead', () => {
    const n = 50_000;
    for (const t of [
      `?x\n${':d group\n'.repeat(n)}a::b\n`,
      `?x\n${'?x\n'.repeat(n)}`,
      `?x\n${'a::b\n'.repeat(n)}`,
      `?x\n${'line\n?x\n'.repeat(n)}`,
      `?x\n${'`'.repeat(n)}::`,
    ]) {
      const result = parseFile(t, 'trap.md');
      expect(result.file.children.length).toBeGreaterThanOrEqual(0);
    }
  });
});
