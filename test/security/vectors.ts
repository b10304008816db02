/**
 * The hostile inputs of issue 15 that reach card HTML, deck names or tags, one row each: a file
 * (path below the input root and its Markdown), the rules deckc must report, and the text a
 * channel must still carry (so a vector "passes" by being handled, not by vanishing). Shared by
 * test/security/channels.test.ts (fields, .apkg, CSV, JSON, preview) and the chromium test.
 */

import type { RuleId } from '../../src/diagnostics/rules.js';
import { compileFile, emitPackage, linkProject } from '../../src/index.js';

export interface Vector {
  name: string;
  /** The file, relative to the input root. */
  path: string;
  markdown: string;
  /** Rules that must be reported (at least once each). */
  rules: RuleId[];
  /** Text the answer HTML must contain after deckc's treatment. */
  keeps?: string;
  /** Media files of the input root (path → bytes). */
  media?: Record<string, Uint8Array>;
}

const card = (answer: string, question = 'What is this?') =>
  `#### Card\n:p ${question}\n??x\n${answer}\nx??\n`;

export const VECTORS: Vector[] = [
  {
    name: 'TeX \\href around a full-screen \\style',
    path: 'Math/a.md',
    markdown: card(
      '$\\href{javascript:void(0)}{\\style{position:fixed;top:0;left:0;width:100vw;height:100vh;display:block;opacity:0}{X}}$',
    ),
    rules: ['unsafe-math'],
    keeps: '\\({{X}}\\)',
  },
  {
    name: 'TeX \\class, \\cssId, \\url, \\unicode, \\require, \\data, \\mmlToken, \\bbox CSS',
    path: 'Math/b.md',
    markdown: card(
      '$$\\class{x}{a} \\cssId{i}{b} \\url{javascript:x} \\unicode[Arial]{x41} \\require{html} \\data{x=1}{c} \\mmlToken{mi}[href="javascript:x"]{d} \\bbox[position:fixed]{e}$$',
    ),
    rules: ['unsafe-math'],
    keeps: '{a}',
  },
  {
    name: 'KaTeX \\htmlStyle, \\htmlClass, \\htmlId, \\htmlData, \\includegraphics',
    path: 'Math/c.md',
    markdown: card(
      '\\(\\htmlStyle{color:red}{a}\\htmlClass{c}{b}\\htmlId{i}{c}\\htmlData{k=v}{d}\\includegraphics{x.png}\\)',
    ),
    rules: ['unsafe-math'],
  },
  {
    name: 'TeX in raw HTML, out of deckc’s math spans',
    path: 'Math/d.md',
    markdown: card('<span>\\(\\href{javascript:alert(1)}{X}\\)</span>'),
    rules: ['unsafe-math'],
  },
  {
    name: 'TeX delimiters made of character references',
    path: 'Math/e.md',
    markdown: card('&#92;(\\href{javascript:alert(1)}{X}&#92;)'),
    rules: ['unsafe-math'],
  },
  {
    name: 'a command split by <wbr>',
    path: 'Math/f.md',
    markdown: card('<span>&#92;(\\hr<wbr>ef{javascript:alert(1)}{X}&#92;)</span>'),
    rules: ['unsafe-math'],
  },
  {
    name: 'code made typeset by tex2jax_process',
    path: 'Math/g.md',
    markdown: card('<code class="tex2jax_process">&#92;(\\href{javascript:x}{X}&#92;)</code>'),
    rules: ['unsafe-html'],
  },
  {
    name: 'a span swallowed by an unbalanced brace',
    path: 'Math/h.md',
    markdown: card('$${a$$ \\href{javascript:x}{X} $$b$$'),
    rules: ['unsafe-math'],
  },
  {
    name: 'Anki LaTeX with file and shell commands',
    path: 'Markup/a.md',
    markdown: card(
      '[latex]\\input{/etc/passwd}[/latex] [$]\\write18{rm -rf ~}[/$] [$$]\\def\\x{1}[/$$]',
    ),
    rules: ['unsafe-math'],
  },
  {
    name: 'Anki inline LaTeX kept, not mangled into [\\(]',
    path: 'Markup/b.md',
    markdown: card(
      'Inline [$]x^2[/$] and display [$$]\\frac{1}{2}[/$$] and [latex]\\LaTeX[/latex].',
    ),
    rules: [],
    keeps: '[$]x^2[/$] and display [$$]\\frac{1}{2}[/$$] and [latex]\\LaTeX[/latex]',
  },
  {
    name: '[sound:] leaving the root, at a URL, or missing',
    path: 'Markup/c.md',
    markdown: card(
      '[sound:../../x.mp3] [sound:/etc/passwd] [sound:http://e.test/x.mp3] [sound:no.mp3]',
    ),
    rules: ['media-outside-root', 'missing-media'],
  },
  {
    name: '[sound:] of a local file, packaged by content',
    path: 'Markup/d.md',
    markdown: card('Listen: [sound:hello.mp3]'),
    rules: [],
    keeps: '[sound:deckc-',
    media: { 'Markup/hello.mp3': new Uint8Array([73, 68, 51, 4]) },
  },
  {
    name: 'Anki markup in code and math stays text',
    path: 'Markup/e.md',
    markdown: card('`[sound:../../x]` and $[sound:../y]$ and `[latex]\\input{z}[/latex]`'),
    rules: [],
  },
  {
    name: 'card HTML: script, handlers, script URLs',
    path: 'Html/a.md',
    markdown: card(
      '<script>alert(1)</script><img src=x onerror=alert(1)><a href="java\tscript:alert(1)">x</a>[l](javascript:alert(1))<svg onload=alert(1)><details open ontoggle=alert(1)>',
    ),
    rules: ['unsafe-html'],
  },
  {
    name: 'audio and video with handlers, script URLs and a poster',
    path: 'Media/a.md',
    markdown: card(
      '<audio controls src="javascript:alert(1)" onplay="alert(1)"></audio><video src="clip.mp4" poster="javascript:alert(2)" onloadstart=alert(3)><source src="  JaVaScRiPt:alert(4)" onerror="alert(5)"></video>',
    ),
    rules: ['unsafe-html'],
    keeps: '<video src="_deckc-',
    media: { 'Media/clip.mp4': new Uint8Array([0, 0, 0, 24]) },
  },
  {
    name: 'embeds and sounds leaving the root, at a URL, or missing',
    path: 'Media/b.md',
    markdown: card(
      '![[../../etc/passwd.png]] ![[/etc/x.mp3]] ![[https://e.test/x.ogg]] ![](../../x.mp3) ![[no.png]]',
    ),
    rules: ['media-outside-root', 'missing-media'],
  },
  {
    name: 'an embedded picture and sound, packaged by content',
    path: 'Media/c.md',
    markdown: card('![[pic.png|40]] ![[hello.ogg]]'),
    rules: [],
    keeps: '[sound:deckc-',
    media: {
      'Media/pic.png': new Uint8Array([137, 80, 78, 71]),
      'hello.ogg': new Uint8Array([79, 103, 103, 83]),
    },
  },
  {
    name: 'a folder named F<svg onload=alert(1)>',
    path: 'F<svg onload=alert(1)>/a.md',
    markdown: card('A.'),
    rules: ['unsafe-name'],
  },
  {
    name: 'HTML and control characters in front matter deck and tags',
    path: 'Names/a.md',
    markdown: `---\ndeck: "X<img src=x onerror=alert(1)>::Y\\u001b[2J"\ntags: [a<b>, "c\\u0000d", '"q"']\n---\n${card('A.')}`,
    rules: ['unsafe-name'],
  },
  {
    name: 'a chapter line with HTML (it becomes a tag)',
    path: 'Names/b.md',
    markdown: `**Starting Chapter:** <img src=x onerror=alert(1)>\n\n${card('A.')}`,
    rules: [],
  },
  {
    name: 'a front matter deck that normalises to nothing',
    path: 'Names/c.md',
    markdown: `---\ndeck: " :: "\n---\n${card('A.')}`,
    rules: ['front-matter'],
  },
  {
    name: 'a YAML alias bomb in front matter',
    path: 'Names/d.md',
    markdown: `---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\n${card('A.')}`,
    rules: ['front-matter'],
  },
  {
    name: 'NUL, U+001F and escape characters in fields',
    path: 'Fields/a.md',
    markdown: card('Field\u001fsplit, NUL \u0000, <b>&#31;</b> and \u001b[31mred', 'Q\u0000?'),
    rules: ['control-character'],
  },
];

/** One vector through the whole library: compile, link, and every output format. */
export async function buildVector(v: Vector) {
  const compiled = compileFile(
    new TextEncoder().encode(v.markdown),
    v.path,
    (p) => v.media?.[p] ?? null,
    { rootDeck: 'Default' },
  );
  const linked = linkProject([compiled], null, { now: 1_700_000_000, project: 'security' });
  const pkg = linked.packages[0]!;
  const out = await emitPackage(pkg, ['apkg', 'csv', 'json', 'html'], linked.lock);
  return { compiled, pkg, out, diagnostics: [...compiled.diagnostics, ...linked.diagnostics] };
}

const MATHJAX_UNSAFE =
  /\\(?:href|url|style|class|cssId|data|unicode|require|mmlToken|htmlClass|htmlId|htmlStyle|htmlData|includegraphics)(?![A-Za-z])|\\bbox\s*\[[^\]]*[:;]/;
const LATEX_UNSAFE =
  /\[(?:latex|\$\$?)\](?:(?!\[\/(?:latex|\$\$?)\])[\s\S])*\\(?:write18|readline|input|include|catcode|openout|write|loop|def|shipout)(?![A-Za-z])/i;

/** Decodes the character references a browser would (enough for the checks below). */
const decodeRefs = (html: string) =>
  html
    .replace(/&#(\d+);?/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);?/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/**
 * What in a piece of card HTML could run a script or restyle the page, as Anki would run it:
 * elements and attributes a browser executes, MathJax commands in text MathJax reads, Anki
 * markup that reads files outside the media folder or runs LaTeX file commands.
 */
export function unsafeIn(html: string): string[] {
  const found: string[] = [];
  if (/<(?:script|iframe|object|embed|svg|math|style|frame|base|meta|link)\b/i.test(html))
    found.push('element');
  if (/<[a-z][^>]*\son[a-z]+\s*=/i.test(html)) found.push('handler');
  if (
    /<[a-z][^>]*\s(?:href|src|action|formaction)\s*=\s*["']?\s*(?:javascript|vbscript):/i.test(html)
  )
    found.push('script URL');
  if (/class="[^"]*(?:tex2jax_process|mathjax_process)/i.test(html)) found.push('process class');
  // The text MathJax reads (outside <code>/<pre>), with references decoded.
  const text = decodeRefs(
    html
      .replace(/<(code|pre)\b[\s\S]*?<\/\1>/gi, '')
      .replace(/<wbr\s*\/?>/gi, '')
      .replace(/<[^>]*>/g, ' '),
  );
  if (MATHJAX_UNSAFE.test(text)) found.push('MathJax command');
  // Anki reads its markup in the raw field HTML, code and attributes included.
  if (/\[sound:[^\]]*(?:\.\.|^\/|:\/\/|\[sound:\/)/i.test(html) || /\[sound:\//i.test(html))
    found.push('sound path');
  if (/\[sound:(?!deckc-[0-9a-f]{16}(?:\.[a-z0-9]+)?\])/i.test(html))
    found.push('unpackaged sound');
  if (LATEX_UNSAFE.test(html)) found.push('LaTeX command');
  if (/\[\\\(\]|\[\/\\\)\]/.test(html)) found.push('mangled [$]');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(html)) found.push('control');
  return found;
}

/** What in a deck name or tag Anki 2.1.15 would write into its HTML, or a terminal obey. */
export function unsafeInName(name: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
  return /[<>"\u0000-\u001f\u007f-\u009f]/.test(name) ? [name] : [];
}
