import fc from 'fast-check';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { isPlainLine, renderCard } from '../../src/render/render-card.js';
import { cardWithAnswer } from './helpers.js';

const full = unified().use(remarkParse).use(remarkGfm).use(remarkRehype).use(rehypeStringify);
const render = (answer: string) =>
  renderCard(cardWithAnswer(answer), {
    sink: new DiagnosticSink('x.md'),
    file: 'x.md',
    readMedia: () => null,
  }).fields.Answer;

describe('plain-line fast path', () => {
  it('renders exactly what the full Markdown pipeline renders', () => {
    const alphabet = fc.constantFrom(...'ab Zé 09-+=:.,;?()"\'/%^é中'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1, maxLength: 40 }), (chars) => {
        const line = chars.join('');
        fc.pre(line.trim() !== '' && isPlainLine(line));
        expect(render(line)).toBe(String(full.processSync(line)));
      }),
      { numRuns: 2000 },
    );
  });

  it('is not taken by lines Markdown would change', () => {
    for (const line of [
      '- item',
      '1. item',
      '> quote',
      '--- ',
      'a *b*',
      'see www.x.org',
      'http://x.y',
      '    code',
    ]) {
      expect(isPlainLine(line)).toBe(false);
    }
    expect(isPlainLine('What is a pre-trained model: (a) or (b)?')).toBe(true);
  });
});
