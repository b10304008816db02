/**
 * Issue 15: Markdown whose structure micromark, mdast or hast handle superlinearly or by deep
 * recursion is bounded at deckc's edge (src/render/limits.ts): beyond a limit the field is escaped
 * text with a `markdown-limit` diagnostic, and rendering never throws. A bounded fast-check
 * property keeps generating such inputs; no timing is asserted (`npm run bench -- hostile` times
 * them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { checkLimits, LIMITS } from '../../src/render/limits.js';
import { renderCard } from '../../src/render/render-card.js';
import { cardWithAnswer } from './helpers.js';

function render(answer: string) {
  const sink = new DiagnosticSink('x.md');
  const { fields } = renderCard(cardWithAnswer(answer), {
    sink,
    file: 'x.md',
    readMedia: () => null,
  });
  return { html: fields.Answer, rules: sink.messages.map((m) => m.rule), messages: sink.messages };
}

const HOSTILE: Record<string, string> = {
  'list - ×1000': `${'- '.repeat(1000)}x`,
  'quote > ×3000': `${'>'.repeat(3000)}x`,
  '<b> ×3000': '<b>'.repeat(3000),
  '<div> ×10000': '<div>'.repeat(10_000),
  '*a_ runs': '*a_ '.repeat(5000),
  'nested emphasis': `${'*_'.repeat(3000)}a${'_*'.repeat(3000)}`,
  '[ ] runs': `${'['.repeat(5000)}${']'.repeat(5000)}`,
  'wide table': `|${' a |'.repeat(4000)}\n|${'---|'.repeat(4000)}\n| x |\n| y |\n| z |`,
  'tall table': `| a | b |\n|---|---|\n${'| x | y |\n'.repeat(6000)}`,
  prices: '$1 '.repeat(20_000),
};

describe('render limits', () => {
  for (const [name, answer] of Object.entries(HOSTILE)) {
    it(`${name}: escaped text and a markdown-limit diagnostic`, () => {
      const { html, rules, messages } = render(answer);
      expect(rules).toContain('markdown-limit');
      expect(html.startsWith('<p>')).toBe(true);
      expect(html).not.toMatch(/<(?!\/?p>|br>)[a-z]/i);
      for (const m of messages) expect(m.line).toBeGreaterThanOrEqual(1);
    });
  }

  it('reports where the limit was passed', () => {
    const { messages } = render(`Fine.\n\n${'> '.repeat(40)}deep`);
    const limit = messages.find((m) => m.rule === 'markdown-limit')!;
    expect([limit.line, limit.column]).toEqual([3, 1]);
  });

  it('leaves real cards alone: lists, quotes, tables, emphasis and code within the limits', () => {
    const card = [
      '- a\n  - b\n    - c\n      > quote *emph* **bold** `code`',
      `| a | b |\n|---|---|\n${'| **x** | `y` |\n'.repeat(200)}`,
      Array.from({ length: 200 }, (_, i) => `- Item ${i}: *a* and **b_c** and [l](u) \`x\``).join(
        '\n',
      ),
      `\`\`\`c\n${'*p = *q; // [x] `y`\n'.repeat(3000)}\`\`\``,
      '<div><b><i>nested</i></b></div>'.repeat(100),
    ].join('\n\n');
    expect(checkLimits(card)).toBe(null);
    expect(render(card).rules).not.toContain('markdown-limit');
  });

  it('never throws, and stays within its limits or says so (property)', () => {
    const piece = fc.constantFrom(
      '*',
      '_',
      '**',
      'a',
      ' ',
      '[',
      ']',
      '](',
      '`',
      '``',
      '\n',
      '\n\n',
      '- ',
      '> ',
      '1. ',
      '<b>',
      '</b>',
      '<div>',
      '|',
      '|---|',
      '$',
      '$$',
      '\\(',
      '\\',
      '[$]',
      '#',
      '~~',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, fc.integer({ min: 1, max: 400 })), { maxLength: 8 }),
        (parts) => {
          const answer = parts.map(([p, n]) => p.repeat(n)).join('');
          const { html, rules } = render(answer);
          expect(typeof html).toBe('string');
          if (rules.includes('markdown-limit')) expect(html.startsWith('<p>')).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('documents its limits', () => {
    expect(LIMITS.nesting).toBeGreaterThanOrEqual(16);
    expect(LIMITS.tableCells).toBeGreaterThanOrEqual(1000);
  });
});
