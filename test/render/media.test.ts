/**
 * Media that users write (issue 14), where a fixture folder cannot show it: a Markdown file below
 * the input root, so that an Obsidian embed's two places (beside the file, then the root) differ,
 * and the packaged names and diagnostics that the fixtures pin as text.
 */
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { renderCard } from '../../src/render/render-card.js';
import { cardWithAnswer } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

function render(answer: string, files: Record<string, string>, file = 'notes/deck.md') {
  const sink = new DiagnosticSink(file);
  const read: string[] = [];
  const result = renderCard(cardWithAnswer(answer), {
    sink,
    file,
    readMedia: (path) => {
      read.push(path);
      return path in files ? bytes(files[path]!) : null;
    },
  });
  return { html: result.fields.Answer, media: result.media, messages: sink.messages, read };
}

describe('Obsidian embeds', () => {
  it('are looked up beside the Markdown file first', () => {
    const r = render('![[pic.png]]', { 'notes/pic.png': 'beside', 'pic.png': 'root' });
    expect(r.read).toEqual(['notes/pic.png']);
    expect(r.media.map((m) => new TextDecoder().decode(m.data))).toEqual(['beside']);
  });

  it('then from the input root', () => {
    const r = render('![[img/pic.png]] ![[a.mp3]]', { 'img/pic.png': 'root', 'a.mp3': 'ID3' });
    expect(r.read).toEqual(['notes/img/pic.png', 'img/pic.png', 'notes/a.mp3', 'a.mp3']);
    expect(r.html).toMatch(
      /^<p><img src="deckc-[0-9a-f]{16}\.png" alt="pic.png"> \[sound:deckc-[0-9a-f]{16}\.mp3\]<\/p>$/,
    );
    expect(r.messages).toEqual([]);
  });

  it('name both places when the file is in neither', () => {
    const r = render('x ![[pic.png]]', {});
    expect(r.messages.map((m) => [m.rule, m.column, m.endColumn, m.message])).toEqual([
      [
        'missing-media',
        3,
        15,
        "Unexpected missing image ![[pic.png]] (looked for 'notes/pic.png' and 'pic.png' in the input root), expected an existing file",
      ],
    ]);
  });

  it('never leave the input root', () => {
    const r = render('![[../../secret.png]]', { 'secret.png': 'x' });
    expect(r.read).toEqual([]);
    expect(r.messages.map((m) => m.rule)).toEqual(['media-outside-root']);
  });
});

describe('sounds', () => {
  it('![](x.mp3), [sound:x.mp3] and ![[x.mp3]] are one packaged sound', () => {
    const r = render('![](x.mp3) [sound:x.mp3] ![[x.mp3]]', { 'notes/x.mp3': 'ID3' });
    expect(r.media).toHaveLength(1);
    const name = r.media[0]!.name;
    expect(r.html).toBe(`<p>[sound:${name}] [sound:${name}] [sound:${name}]</p>`);
  });

  it('an extension is read without regard to case', () => {
    const r = render('![](X.MP3)', { 'notes/X.MP3': 'ID3' });
    expect(r.html).toMatch(/^<p>\[sound:deckc-[0-9a-f]{16}\.mp3\]<\/p>$/);
  });
});

describe('remote media', () => {
  it('is an info for http(s) only, never for a data: image', () => {
    const r = render(
      '![](https://e.test/a.png) ![](data:image/png;base64,iVBORw0KGgo=) <audio src="http://e.test/a.mp3"></audio>',
      {},
    );
    expect(r.messages.map((m) => [m.rule, m.severity])).toEqual([
      ['remote-media', 'info'],
      ['remote-media', 'info'],
    ]);
    expect(r.html).toContain('src="https://e.test/a.png"');
    expect(r.html).toContain('src="http://e.test/a.mp3"');
  });
});
