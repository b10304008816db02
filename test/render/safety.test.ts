import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { renderCard } from '../../src/render/render-card.js';
import { cardWithAnswer } from './helpers.js';

/** Pieces that combine into hostile or broken Markdown + HTML. */
const PIECES = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="  JAVASCRIPT:alert(1)">',
  '[l](javascript:alert(1))',
  '![i](vbscript:x)',
  '<iframe src=//e>',
  '<svg onload=alert(1)>',
  '<style>*{}</style>',
  '<div style="x" onclick="y">',
  '</div>',
  '<details open ontoggle=alert(1)>',
  '<b>',
  '</b>',
  '$',
  '$$',
  '\\(',
  '\\]',
  '`',
  '```js\n',
  '\n```\n',
  '\n\n',
  '\n- ',
  '| a | b |\n|---|---|\n',
  'x_1',
  'List<T>',
  '<T>',
  ' text ',
  '\uE000',
  '<!-- c -->',
];

describe('renderer safety', () => {
  it('never throws and never emits scripts, handlers or script URLs', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }), (pieces) => {
        const sink = new DiagnosticSink('x.md');
        const html = renderCard(cardWithAnswer(pieces.join('')), {
          sink,
          file: 'x.md',
          readMedia: () => null,
        }).fields.Answer;
        expect(html).not.toMatch(/<(script|style|iframe|svg|object|embed)\b/i);
        // Inside a tag (escaped code such as `&lt;a href="javascript:` is text, not a tag).
        expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
        expect(html).not.toMatch(/<[a-z][^>]*(?:href|src)="\s*(?:javascript|vbscript):/i);
        for (const m of sink.messages) expect(m.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});
