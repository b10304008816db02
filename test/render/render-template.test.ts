import { describe, expect, it } from 'vitest';
import { fieldIsEmpty, renderTemplate } from '../../src/render/render-template.js';
import { BACK_TEMPLATE, FRONT_TEMPLATE } from '../../src/render/templates.js';

describe('renderTemplate', () => {
  it('substitutes fields and leaves unknown fields empty', () => {
    expect(
      renderTemplate('<b>{{Question}}</b>|{{ Answer }}|{{Nope}}', { Question: 'Q', Answer: 'A' }),
    ).toBe('<b>Q</b>|A|');
  });

  it('shows {{#F}} sections only when the field is not empty', () => {
    const t = '{{#Title}}[{{Title}}]{{/Title}}x';
    expect(renderTemplate(t, { Title: 'T' })).toBe('[T]x');
    expect(renderTemplate(t, { Title: '' })).toBe('x');
    expect(renderTemplate(t, { Title: ' <br> &nbsp;' })).toBe('x');
    expect(renderTemplate(t, {})).toBe('x');
  });

  it('shows {{^F}} sections only when the field is empty', () => {
    const t = '{{^Context}}none{{/Context}}{{#Context}}some{{/Context}}';
    expect(renderTemplate(t, { Context: '' })).toBe('none');
    expect(renderTemplate(t, { Context: '<p>c</p>' })).toBe('some');
  });

  it('nests sections', () => {
    const t = '{{#A}}a{{#B}}b{{/B}}{{^B}}!b{{/B}}{{/A}}';
    expect(renderTemplate(t, { A: '1', B: '1' })).toBe('ab');
    expect(renderTemplate(t, { A: '1', B: '' })).toBe('a!b');
    expect(renderTemplate(t, { A: '', B: '1' })).toBe('');
  });

  it('puts the front into {{FrontSide}}', () => {
    expect(renderTemplate('{{FrontSide}}<hr>{{Answer}}', { Answer: 'A' }, 'FRONT')).toBe(
      'FRONT<hr>A',
    );
  });

  it('does not read inherited properties as fields', () => {
    expect(renderTemplate('{{constructor}}{{#toString}}x{{/toString}}', {})).toBe('');
  });

  it('renders the shipped templates', () => {
    const fields = { Question: 'Q', Answer: 'A', Title: '', Context: 'C', Source: 'S' };
    const front = renderTemplate(FRONT_TEMPLATE, fields);
    expect(front).not.toContain('deckc-title');
    expect(front).toContain('<div class="deckc-question">Q</div>');
    const back = renderTemplate(BACK_TEMPLATE, fields, front);
    expect(back.startsWith(front)).toBe(true);
    expect(back).toContain('<div class="deckc-answer">A</div>');
    expect(back).toContain('C</div>');
    expect(back).toContain('<div class="deckc-source">S</div>');
    expect(back).not.toMatch(/\{\{/);
  });
});

describe('fieldIsEmpty', () => {
  it('treats whitespace, nbsp, <br> and empty divs as empty', () => {
    expect(fieldIsEmpty('')).toBe(true);
    expect(fieldIsEmpty(' \n<br/><div></div>&nbsp;\u00a0')).toBe(true);
    expect(fieldIsEmpty('<p></p>')).toBe(false);
    expect(fieldIsEmpty('x')).toBe(false);
  });
});
