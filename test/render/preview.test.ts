import { describe, expect, it } from 'vitest';
import { emitPreview } from '../../src/emit/html.js';
import { CSS } from '../../src/render/templates.js';
import type { Diagnostic, Note } from '../../src/validate/schema.js';

const note = (file: string, line: number, question: string): Note => ({
  guid: `${file}:${line}`,
  deck: 'D::E',
  tags: ['t'],
  fields: {
    Question: question,
    Answer: '<p>A</p>',
    Title: '',
    Context: '',
    Source: `${file}:${line}`,
  },
  mod: 0,
  added: 0,
  source: { file, line, column: 1 },
});
const diag = (file: string, line: number, rule: string): Diagnostic => ({
  file,
  line,
  column: 1,
  endLine: line,
  endColumn: 2,
  severity: 'warning',
  rule,
  message: `m-${rule}-${line}`,
});

function section(html: string, id: string): string {
  const start = html.indexOf(`<article class="preview-note" id="${id}"`);
  return html.slice(start, html.indexOf('</article>', start));
}

describe('emitPreview', () => {
  const html = emitPreview({
    deck: 'D::E <x>',
    notes: [
      note('a.md', 10, '<p>Q1</p>'),
      note('a.md', 30, '<p>Q2</p>'),
      note('b.md', 5, '<p>Q3</p>'),
    ],
    diagnostics: [
      diag('a.md', 12, 'answer-closer'),
      diag('a.md', 31, 'unbalanced-math'),
      diag('a.md', 2, 'control-token'),
      diag('c.md', 1, 'no-cards'),
    ],
  });

  it('shows each card front and back with the note type CSS', () => {
    expect(html.match(/<article class="preview-note"/g)).toHaveLength(3);
    expect(html).toContain(CSS);
    expect(section(html, 'note-1')).toContain('<div class="deckc-question"><p>Q1</p></div>');
    expect(section(html, 'note-1').match(/Q1/g)).toHaveLength(2);
    expect(section(html, 'note-1')).toContain('<div class="deckc-answer"><p>A</p></div>');
  });

  it('lists diagnostics beside the card whose lines hold them, the rest at the top', () => {
    expect(section(html, 'note-1')).toContain('m-answer-closer-12');
    expect(section(html, 'note-2')).toContain('m-unbalanced-math-31');
    expect(section(html, 'note-3')).not.toContain('m-');
    const top = html.slice(html.indexOf('<section class="unmatched">'), html.indexOf('<article'));
    expect(top).toContain('m-control-token-2');
    expect(top).toContain('m-no-cards-1');
  });

  it('is self-contained and escapes the deck name', () => {
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toMatch(/<link\b/);
    expect(html).toContain('<title>D::E &lt;x&gt; — deckc preview</title>');
    expect(html).toContain("classList.toggle('nightMode'");
    expect(html).toContain("classList.toggle('night_mode'");
  });
});
