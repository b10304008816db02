/**
 * Anki cloze markup in cards (issue 14): which cards are cloze cards, what their fields hold, and
 * the cloze filter the preview shares with Anki (template.py clozeText, rslib cloze.rs).
 * Rendering itself is pinned by the `cloze-*` fixtures of test/fixtures/render/.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import {
  clozeNumbers,
  finishClozes,
  revealCloze,
  scanClozes,
  splitTexBraces,
} from '../../src/render/cloze.js';
import { renderCard } from '../../src/render/render-card.js';
import type { Card } from '../../src/validate/schema.js';
import { fieldOf } from './helpers.js';

function card(question: string, answer: string, title = '', context = ''): Card {
  return {
    type: 'card',
    title: title ? fieldOf(title) : null,
    context: context ? fieldOf(context) : null,
    question: fieldOf(question),
    answer: fieldOf(answer, 3),
    id: null,
    position: fieldOf(question).position,
  };
}

const render = (c: Card) => {
  const sink = new DiagnosticSink('x.md');
  return { ...renderCard(c, { sink, file: 'x.md', readMedia: () => null }), sink };
};

describe('cloze cards', () => {
  it('a cloze in the question makes a cloze card; the answer stays its own field (Back Extra)', () => {
    const r = render(card('The capital of {{c1::France}} is?', 'Paris, of course.'));
    expect(r.cloze).toBe(true);
    expect(r.fields.Question).toBe('<p>The capital of {{c1::France}} is?</p>');
    expect(r.fields.Answer).toBe('<p>Paris, of course.</p>');
  });

  it('a cloze in the answer joins the answer to the Question field, the cloze text', () => {
    const r = render(card('Fill in the blank', 'The {{c1::mitochondria}} make ATP.'));
    expect(r.cloze).toBe(true);
    expect(r.fields.Question).toBe(
      '<p>Fill in the blank</p>\n<p>The {{c1::mitochondria}} make ATP.</p>',
    );
    expect(r.fields.Answer).toBe('');
  });

  it('markup only in code, in a tag, or malformed leaves a basic card exactly as before', () => {
    for (const answer of ['`{{c1::x}}`', '<span title="{{c1::x}}">y</span>', '{{c0::x}}']) {
      const r = render(card('Q?', answer));
      expect(r.cloze, answer).toBe(false);
    }
    const basic = render(card('Q?', 'In code: `{{c1::x}}`.'));
    expect(basic.fields.Answer).toBe('<p>In code: <code>{{c1::x}}</code>.</p>');
    expect(basic.sink.messages).toEqual([]);
  });

  it('reports malformed markup in a basic card too, at its place', () => {
    const r = render(card('Q?', 'Almost {{c1::a cloze'));
    expect(r.cloze).toBe(false);
    expect(r.sink.messages.map((m) => [m.rule, m.line, m.column, m.endColumn])).toEqual([
      ['cloze-markup', 3, 8, 14],
    ]);
    // A basic note shows the markup as text: nothing to disarm.
    expect(r.fields.Answer).toBe('<p>Almost {{c1::a cloze</p>');
  });

  it('leaves title and context alone (Anki shows them as they are)', () => {
    const r = render(card('{{c1::Q}}', 'A', 'Title {{c2::x}}', 'Context {{c3::y}}'));
    expect(r.fields.Title).toBe('Title {{c2::x}}');
    expect(r.fields.Context).toBe('<p>Context {{c3::y}}</p>');
    expect(r.sink.messages).toEqual([]);
  });

  it('reads the opener in either case, as Anki does', () => {
    expect(render(card('{{C1::upper}}', 'A')).cloze).toBe(true);
  });
});

describe('scanClozes', () => {
  it('finds numbers, hints and math inside clozes, and skips code spans and fences', () => {
    const text =
      'a {{c2::b::hint}} \uE0000\uE001 {{c1::\uE0001\uE001}} `{{c9::x}}`\n```\n{{c8::y}}\n```\n';
    const scan = scanClozes(text, ['$x$', '$y$']);
    expect(scan.numbers).toEqual([1, 2]);
    expect([...scan.mathInCloze]).toEqual([1]);
    expect(scan.problems).toEqual([]);
  });

  it('counts clozes inside TeX, as Anki generates cards for them', () => {
    expect(scanClozes('\uE0000\uE001', ['$x = {{c3::2}}$']).numbers).toEqual([3]);
  });
});

describe('the cloze filter (preview, as Anki renders it)', () => {
  const html = '<p>{{c1::Paris}} is in {{c2::France::a country}}; {{c1::Lyon}} too.</p>';
  it('hides this card’s cloze on the front, [...] or its hint, and shows the others', () => {
    expect(revealCloze(html, 1, true)).toBe(
      '<p><span class=cloze>[...]</span> is in France; <span class=cloze>[...]</span> too.</p>',
    );
    expect(revealCloze(html, 2, true)).toBe(
      '<p>Paris is in <span class=cloze>[a country]</span>; Lyon too.</p>',
    );
  });
  it('reveals it on the back, and is empty for a number the field lacks', () => {
    expect(revealCloze(html, 2, false)).toBe(
      '<p>Paris is in <span class=cloze>France</span>; Lyon too.</p>',
    );
    expect(revealCloze(html, 3, true)).toBe('');
  });
  it('gives the numbers Anki makes cards for', () => {
    expect(clozeNumbers(html)).toEqual([1, 2]);
    expect(clozeNumbers('{{c1::}} {&#123;c4::x}&#125;')).toEqual([]);
  });
});

describe("Anki's }} trap and inert markup", () => {
  it('splits every }} of TeX as Anki’s editor does', () => {
    expect(splitTexBraces('\\frac{1}{x_{2}}')).toBe('\\frac{1}{x_{2} }');
    expect(splitTexBraces('a^{b^{c}}}')).toBe('a^{b^{c} } }');
  });
  it('makes markup in code, pre and tags inert, keeps it in text', () => {
    expect(finishClozes('<p title="{{c1::a}}">{{c1::b}} <code>{{c2::c::d}}</code></p>')).toBe(
      '<p title="{&#123;c1:&#58;a}&#125;">{{c1::b}} <code>{&#123;c2:&#58;c:&#58;d}&#125;</code></p>',
    );
  });
});

describe('the cloze filter on clozes inside MathJax', () => {
  it('hides them without a <span>, as Anki 2.1.15 does', () => {
    const html = '<p>\\(x = {{c1::2}}\\)</p>';
    expect(revealCloze(html, 1, true)).toBe('<p>\\(x = [...]\\)</p>');
    expect(revealCloze(html, 1, false)).toBe('<p>\\(x = 2\\)</p>');
  });
});
