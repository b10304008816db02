/**
 * The preview typesets math at build time (MathJax's SVG output, one font cache per page) and
 * turns `[sound:name]` into a player (issue 14): text only, never code or attributes; a formula
 * MathJax cannot typeset stays its TeX; the same input gives the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { emitPreview } from '../../src/emit/html.js';
import { typesetPage } from '../../src/emit/preview-math.js';
import type { Note } from '../../src/validate/schema.js';
import { makeNote } from './make-package.js';

const note = (n: number, answer: string, overrides: Partial<Note> = {}): Note =>
  makeNote(n, { fields: { ...makeNote(n).fields, Answer: answer }, ...overrides });
const page = (...notes: Note[]) => emitPreview({ deck: 'Test', notes, diagnostics: [] });
/** The cards of a page, without its CSS and glyph definitions. */
const cardsOf = (html: string) => html.slice(html.indexOf('<article'));
const INLINE = '<mjx-container class="MathJax" jax="SVG">';
const DISPLAY = '<mjx-container class="MathJax" jax="SVG" display="true">';
const count = (text: string, part: string) => text.split(part).length - 1;

describe('math in the preview', () => {
  it('typesets inline and display math as SVG, leaving no delimiter behind', () => {
    const html = page(note(0, '<p>With \\(x^2 &lt; 1\\) and</p>\n\\[\\frac{a}{b}\\]'));
    const cards = cardsOf(html);
    expect(cards).not.toMatch(/\\\(|\\\[/);
    expect(count(cards, INLINE)).toBe(1);
    expect(count(cards, DISPLAY)).toBe(1);
    // The entity is read as the browser reads it: MathJax typeset '<', a relation.
    expect(cards).toContain('data-mml-node="mo"');
    // One font cache for the page: every glyph used is defined once, in the hidden <svg>.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(ids).size).toBe(ids.length);
    const used = new Set([...cards.matchAll(/xlink:href="#([^"]+)"/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(3);
    for (const id of used) expect(ids).toContain(id);
    expect(html).toContain('<svg style="display: none;" id="MJX-SVG-global-cache">');
    expect(html).toContain('mjx-container[jax="SVG"]');
  });

  it("typesets Anki's packages: mhchem, mathtools, ams", () => {
    const { html } = typesetPage(
      '\\(\\ce{H2O}\\) \\(a \\coloneqq b\\) \\(\\begin{pmatrix}1\\end{pmatrix}\\)',
    );
    expect(count(html, INLINE)).toBe(3);
    expect(html).not.toContain('merror');
    expect(html).not.toContain('fill="red"'); // noundefined's mark of an unknown command
  });

  it('leaves code, attributes and tags alone', () => {
    const source =
      '<pre><code>\\(x\\)</code></pre><p title="\\(y\\)"><code>\\[z\\]</code> <b>\\(w</b>\\)</p>';
    expect(typesetPage(source).html).toBe(source);
  });

  it('shows math MathJax cannot typeset as its TeX, never failing the page', () => {
    const { html } = typesetPage('<p>\\(\\frac{a}{b\\) and \\(\\undefinedcommand x\\)</p>');
    expect(count(html, INLINE)).toBe(2);
    // noerrors: the TeX as written, in the formula's place.
    expect(html).toContain('>\\frac{a}{b</text>');
    expect(html).toContain('fill="red"'); // noundefined: the command's name, in red
  });

  it('has no command that links, styles or scripts, even in TeX the guard never saw', () => {
    const { html } = typesetPage(
      '\\(\\href{javascript:alert(1)}{x} \\style{position:fixed}{y} \\class{c}{z} \\cssId{i}{w} \\unicode{x41} \\require{html}\\)',
    );
    expect(html).not.toMatch(/javascript:|position:fixed|class="c"|id="i"|<a\b|<script/i);
    const attribute = typesetPage('\\(\\color{red" onload="alert(1)}{x}\\)').html;
    expect(attribute).not.toMatch(/"\s*onload=/);
  });

  it('typesets each formula on its own: a \\def in one never reaches another', () => {
    const { html } = typesetPage('\\(\\def\\a{1}\\a\\) \\(\\a\\)');
    expect(html).toContain('fill="red"'); // the second \a is undefined
  });

  it('gives the same bytes for the same input, whatever was typeset before', () => {
    const notes = [
      note(0, '<p>\\(\\sum_i x_i\\) and \\(\\def\\b{2}\\b\\)</p>'),
      note(1, '\\[y\\]'),
    ];
    const first = page(...notes);
    page(note(2, '<p>\\(\\alpha \\label{a} \\tag{1}\\) \\(\\def\\sum{S}\\)</p>'));
    expect(page(...notes)).toBe(first);
  });

  it('hides math inside a cloze on the front and typesets it on the back', () => {
    const cloze = makeNote(0, {
      kind: 'cloze',
      fields: { ...makeNote(0).fields, Question: '<p>Energy: {{c1::\\(E = mc^2\\)}}</p>' },
    });
    const cards = cardsOf(page(cloze));
    const [front, back] = cards.split('<h3>Back').map((side) => side);
    expect(front).toContain('<span class=cloze>[...]</span>');
    expect(front).not.toContain(INLINE);
    expect(back).toContain(`<span class=cloze>${INLINE}`);
    expect(cards).not.toContain('\\(');
  });

  it('hides a cloze inside math on the front and typesets both sides', () => {
    const cloze = makeNote(0, {
      kind: 'cloze',
      fields: { ...makeNote(0).fields, Question: '<p>\\(E = {{c1::mc^2}}\\)</p>' },
    });
    const cards = cardsOf(page(cloze));
    expect(cards).not.toContain('\\(');
    expect(count(cards, INLINE)).toBe(2);
    expect(cards).not.toContain('mc^2');
  });
});

describe('sounds in the preview', () => {
  it('plays a [sound:…] tag with the packaged file, inlined', () => {
    const html = emitPreview({
      deck: 'Test',
      notes: [note(0, '<p>Listen: [sound:hello-0a1b.mp3]</p>')],
      diagnostics: [],
      media: [{ name: 'hello-0a1b.mp3', data: new Uint8Array([0x49, 0x44, 0x33]) }],
    });
    expect(html).toContain(
      '<audio controls preload="none" src="data:audio/mpeg;base64,SUQz" title="hello-0a1b.mp3"></audio>',
    );
    expect(html).not.toContain('[sound:');
  });

  it('escapes the name, and leaves sound tags in code or of no packaged file as text', () => {
    expect(typesetPage('[sound:a&amp;&quot;b.ogg]', new Set(['a&"b.ogg'])).html).toBe(
      '<audio controls preload="none" src="a&amp;&quot;b.ogg" title="a&amp;&quot;b.ogg"></audio>',
    );
    const sounds = new Set(['a.ogg']);
    expect(typesetPage('<code>[sound:a.ogg]</code>', sounds).html).toBe(
      '<code>[sound:a.ogg]</code>',
    );
    expect(typesetPage('[sound:https://e.test/a.ogg]', sounds).html).toBe(
      '[sound:https://e.test/a.ogg]',
    );
  });
});
