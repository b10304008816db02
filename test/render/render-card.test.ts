import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { renderCard } from '../../src/render/render-card.js';
import type { Card } from '../../src/validate/schema.js';
import { fieldOf } from './helpers.js';

function card(parts: Partial<Card>): Card {
  const question = parts.question ?? fieldOf('Q?', 1, 4);
  return {
    type: 'card',
    title: null,
    context: null,
    question,
    answer: fieldOf('A'),
    id: null,
    position: question.position,
    ...parts,
  };
}

function run(
  c: Card,
  readMedia: (p: string) => Uint8Array | null = () => null,
  file = 'deck/cards.md',
) {
  const sink = new DiagnosticSink(file);
  const result = renderCard(c, { sink, file, readMedia });
  return { result, messages: sink.messages };
}

describe('renderCard', () => {
  it('renders every field and leaves absent ones empty', () => {
    const { result } = run(
      card({ question: fieldOf('What is *x*?', 3, 4), answer: fieldOf('`y`') }),
    );
    expect(result.fields).toEqual({
      Question: '<p>What is <em>x</em>?</p>',
      Answer: '<p><code>y</code></p>',
      Title: '',
      Context: '',
    });
  });

  it('renders a title as inline text, never as a list or heading', () => {
    const { result } = run(card({ title: fieldOf('1. Intro to $x_1$', 2, 6) }));
    expect(result.fields.Title).toBe('1. Intro to \\(x_1\\)');
    expect(run(card({ title: fieldOf('# Not a heading') })).result.fields.Title).toBe(
      '# Not a heading',
    );
  });

  it('maps diagnostics to the source file: line offset, and column offset on the first line', () => {
    const answer = fieldOf('ok\nthen $x here\n\n<script>x</script>', 20, 1, 500);
    const question = fieldOf('Why $y?', 18, 4, 480);
    const { messages } = run(card({ question, answer }));
    const at = messages.map((m) => `${m.rule}@${m.line}:${m.column}`);
    expect(at).toEqual(['unbalanced-math@18:8', 'unbalanced-math@21:6', 'unsafe-html@23:1']);
    expect(messages.every((m) => m.file === 'deck/cards.md')).toBe(true);
  });

  it('maps positions after math placeholders back to the original columns', () => {
    const answer = fieldOf('$a_{long}$ and $$b$$ then ![i](missing.png)', 7);
    const { messages } = run(card({ answer }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      rule: 'missing-media',
      line: 7,
      column: 27,
      endColumn: 44,
    });
  });

  it('falls back to the field start when a position cannot be mapped', () => {
    // A value that is not an exact slice: its end line is before its computed lines.
    const answer = { ...fieldOf('a\nb\n$x', 5), position: fieldOf('a', 5).position };
    const { messages } = run(card({ answer }));
    expect(messages[0]).toMatchObject({ rule: 'unbalanced-math', line: 5, column: 1 });
  });

  it('resolves images relative to the Markdown file and shares one media file per content', () => {
    const files: Record<string, Uint8Array> = {
      'deck/img/a.png': new Uint8Array([1, 2, 3]),
      'shared/b.png': new Uint8Array([1, 2, 3]),
      'deck/c.gif': new Uint8Array([9]),
    };
    const answer = fieldOf('![a](img/a.png) ![b](../shared/b.png) ![c](c.gif)');
    const context = fieldOf('![again](img/a.png)', 1);
    const { result, messages } = run(card({ answer, context }), (p) => files[p] ?? null);
    expect(messages).toEqual([]);
    expect(result.media.map((m) => m.name)).toEqual([
      expect.stringMatching(/^deckc-[0-9a-f]{16}\.png$/),
      expect.stringMatching(/^deckc-[0-9a-f]{16}\.gif$/),
    ]);
    const [png] = result.media;
    expect(result.fields.Answer).toContain(`src="${png!.name}"`);
    expect(result.fields.Answer.match(new RegExp(png!.name, 'g'))).toHaveLength(2);
    expect(result.fields.Context).toContain(`src="${png!.name}"`);
  });

  it('gives changed content a new name', () => {
    const one = run(card({ answer: fieldOf('![a](a.png)') }), () => new Uint8Array([1]));
    const two = run(card({ answer: fieldOf('![a](a.png)') }), () => new Uint8Array([2]));
    expect(one.result.media[0]!.name).not.toBe(two.result.media[0]!.name);
  });
});
