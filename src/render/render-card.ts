import type { Element, RootContent as HastContent, Root as HastRoot } from 'hast';
import { raw } from 'hast-util-raw';
import type { RootContent as MdastContent, Root as MdastRoot } from 'mdast';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { VFile } from 'vfile';
import type { DiagnosticSink } from '../diagnostics/report.js';
import type { Card, Field, MediaFile, Point } from '../validate/schema.js';
import {
  applyDisarm,
  CLOZE_CANDIDATE,
  type ClozeScan,
  finishClozes,
  scanClozes,
  splitTexBraces,
} from './cloze.js';
import { type Embed, embedCandidates, markEmbeds } from './embeds.js';
import { escapeHtml } from './escape.js';
import { highlightCode } from './highlight.js';
import { checkLimits, LIMITS } from './limits.js';
import {
  ANKI_BRACKET,
  ankiMath,
  finishAnkiMarkup,
  type MathToken,
  offsetMapper,
  PLACEHOLDER_PATTERN,
  tokenizeMath,
} from './math.js';
import { addMedia, HTML_MEDIA_PREFIX, mediaKind, mediaName, resolveImage } from './media.js';
import { looksLikeHtml, sanitize } from './sanitize.js';
import { disarmTex, guardTex, unsafeAnkiLatex } from './tex-guard.js';

export interface RenderContext {
  /** Where render problems are reported (file path already set). */
  sink: DiagnosticSink;
  /** The Markdown file's path relative to the input root, `/` separators. */
  file: string;
  /** Reads a file by path relative to the input root; null when it does not exist. Injected: render does no I/O. */
  readMedia: MediaRead;
}

/**
 * A media reader, with why it refused a file it did not read (io/input.ts mediaReader: a link
 * out of the root, not a regular file, over the size limit), so that the card using it gets one
 * diagnostic that says so instead of "missing".
 */
export type MediaRead = ((path: string) => Uint8Array | null) & {
  refusal?: (path: string) => { rule: string; why: string } | null;
};

/** The rule and message of a media file `ctx.readMedia` refused; null when it is just missing. */
function refused(
  ctx: RenderContext,
  path: string,
  what: string,
): { rule: 'media-outside-root' | 'missing-media'; message: string } | null {
  const why = ctx.readMedia.refusal?.(path);
  if (!why) return null;
  return {
    rule: why.rule === 'outside-root' ? 'media-outside-root' : 'missing-media',
    message: `Unexpected ${what} ${why.why}`,
  };
}

export interface RenderedCard {
  /** Anki HTML of each Markdown field ('' when the card has none). */
  fields: { Question: string; Answer: string; Title: string; Context: string };
  /** Media the fields reference, named by content hash. */
  media: MediaFile[];
  /**
   * Whether the question or the answer holds a well-formed Anki cloze: the card is then a cloze
   * note, whose Question field is its cloze text (see renderCard).
   */
  cloze: boolean;
}

/**
 * Built once: constructing a unified processor (and micromark's GFM extensions) per field costs
 * more than rendering a typical answer. Raw HTML is kept (`allowDangerousHtml`) so that benign
 * tags survive; it is reparsed with hast-util-raw and cut down by `sanitize`.
 */
const makeProcessor = () =>
  unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, { allowDangerousHtml: true })
    // Named references, so `<` in math reads `&lt;` (the default `&#x3C;` is valid but opaque).
    .use(rehypeStringify, { characterReferences: { useNamedReferences: true } })
    .freeze();
const processor = makeProcessor();

/**
 * The same parser without GFM's autolink-literal transform, which runs four regular expressions
 * over every text node (9 % of compiling a library). Used only for text in which they cannot
 * match: no `@`, no `www.` and no `http://` or `https://` in any case, and no character reference
 * (`&#64;` decodes to `@`). Tokenizing is untouched, so such text parses to the same tree.
 */
const lean = makeProcessor();
for (const extension of (lean.data('fromMarkdownExtensions') ?? []).flat())
  if (extension.enter && 'literalAutolink' in extension.enter) extension.transforms = [];
const AUTOLINK_CANDIDATE = /[@&]|www\.|https?:\/\//i;

/**
 * Renders a card's Markdown fields to Anki HTML: GFM, math as MathJax `\(…\)` / `\[…\]`,
 * highlighted code, sanitized raw HTML, local images packaged by content hash. Problems go to
 * `ctx.sink` at their place in the source file.
 */
export function renderCard(card: Card, ctx: RenderContext): RenderedCard {
  const media: MediaFile[] = [];
  const cloze = hasCloze(card.question) || hasCloze(card.answer);
  const question = renderFieldChecked(card.question, ctx, media, false, cloze ? 'cloze' : 'scan');
  const answer = renderFieldChecked(card.answer, ctx, media, false, cloze ? 'cloze' : 'scan');
  // Anki's `{{cloze:Field}}` is empty on a card whose number the field lacks (template.py
  // clozeText, cloze.rs reveal_cloze_text), so every cloze must sit in the one field the cloze
  // template shows: an answer that holds clozes joins the question there, and the Answer field
  // (Anki's "Back Extra", shown on the back) keeps only an answer without clozes.
  const answerHolds = cloze && hasCloze(card.answer);
  return {
    fields: {
      Question:
        answerHolds && answer !== '' ? (question ? `${question}\n${answer}` : answer) : question,
      Answer: answerHolds ? '' : answer,
      Title: renderFieldChecked(card.title, ctx, media, true),
      Context: renderFieldChecked(card.context, ctx, media, false),
    },
    media,
    cloze,
  };
}

/** Whether a field holds a well-formed cloze outside code (scanned as renderFieldHtml will). */
function hasCloze(field: Field): boolean {
  if (!CLOZE_CANDIDATE.test(field.value)) return false;
  const { text, tokens } = tokenizeMath(field.value.replace(PRIVATE, '\uFFFD'));
  return (
    scanClozes(
      text,
      tokens.map((t) => t.source),
    ).numbers.length > 0
  );
}

/**
 * How a field treats cloze markup: not at all (title, context), checked and reported (`scan`:
 * the question and answer of a basic card, where Anki shows it as text), or checked, reported
 * and made exactly what Anki will read (`cloze`: the question and answer of a cloze card).
 */
type ClozeMode = 'none' | 'scan' | 'cloze';

/** Maps offsets in a field's value to points in the source file. */
function fieldLocator(field: Field): (offset: number) => Point {
  const lineStarts = [0];
  for (let i = field.value.indexOf('\n'); i !== -1; i = field.value.indexOf('\n', i + 1)) {
    lineStarts.push(i + 1);
  }
  const start = field.position.start;
  return (offset) => {
    if (!(offset >= 0 && offset <= field.value.length)) return start;
    let k = 0;
    while (k + 1 < lineStarts.length && lineStarts[k + 1]! <= offset) k++;
    const column = offset - lineStarts[k]!;
    const line = start.line + k;
    // Defensive: a value that is not an exact slice of the file must not point past the field.
    if (line > field.position.end.line) return start;
    return {
      line,
      column: k === 0 ? start.column + column : column + 1,
      offset: start.offset + offset,
    };
  };
}

/**
 * A title is one line of inline Markdown: a leading `1.`, `-`, `>` or `#` would turn it into a
 * list, quote or heading, so it is escaped.
 */
function inlineOnly(source: string): string {
  return source.replace(/^(\d+)([.)])/, '$1\\$2').replace(/^([-+*>#=|])/, '\\$1');
}

/**
 * Fast path: one line with no character Markdown, GFM, HTML or math could act on renders to
 * itself in a paragraph, exactly as micromark would render it (a test pins the equivalence).
 * On the real corpus 97% of titles and 88% of questions take it, nearly half of all fields.
 */
const PLAIN_LINE = /^[^\n\r\t\\`*_[\]<>&#|~$!{}@]*$/;
/** Starts of a list item, thematic break, heading, quote or indented code. */
const BLOCK_START = /^\s*(?:\d{1,9}[.)]|[-+=>]|\s{4})/;
/** GFM autolink literals. */
const AUTOLINK = /www\.|:\/\//i;
export function isPlainLine(value: string): boolean {
  return PLAIN_LINE.test(value) && !BLOCK_START.test(value) && !AUTOLINK.test(value);
}

function renderFieldChecked(
  field: Field | null,
  ctx: RenderContext,
  media: MediaFile[],
  inline: boolean,
  clozes: ClozeMode = 'none',
): string {
  if (!field || field.value.trim() === '') return '';
  const control = CONTROL.exec(field.value);
  if (control) {
    const at = fieldLocator(field)(control.index);
    ctx.sink.report(
      'control-character',
      { start: at, end: { ...at, column: at.column + 1, offset: at.offset + 1 } },
      `Unexpected control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} in a field, expected text (removed, with any others in the field: Anki splits fields at U+001F)`,
    );
  }
  // Also what raw HTML's character references (`&#31;`) decode to; Markdown's are U+FFFD already.
  let html: string;
  try {
    html = renderFieldHtml(field, ctx, media, inline, clozes);
  } catch (error) {
    // Recursion deeper than checkLimits foresaw: the field as text, never a lost file.
    if (!(error instanceof RangeError)) throw error;
    ctx.sink.report(
      'markdown-limit',
      { start: field.position.start },
      'Unexpected Markdown nested too deep to render, expected shallower nesting (shown as plain text)',
    );
    html = plainText(field.value, inline);
  }
  return CONTROL.test(html) ? html.replace(CONTROLS, '') : html;
}

/** C0 controls but tab and line breaks, DEL and the C1 controls: never part of a field. */
/**
 * A field as escaped text, one `<br>` per line break: what a field beyond the limits becomes. TeX
 * in it is disarmed and Anki markup too, since MathJax and Anki read text as well as markup.
 */
function plainText(value: string, inline: boolean): string {
  const text = escapeHtml(disarmTex(value.replace(PRIVATE, '\uFFFD')).text).replace(
    /\r?\n/g,
    '<br>\n',
  );
  return finishAnkiMarkup(inline ? text : `<p>${text}</p>`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

function renderFieldHtml(
  field: Field,
  ctx: RenderContext,
  media: MediaFile[],
  inline: boolean,
  clozes: ClozeMode,
): string {
  if (isPlainLine(field.value)) {
    const text = field.value.trim();
    return inline ? text : `<p>${text}</p>`;
  }
  const locate = fieldLocator(field);
  // The private-use characters deckc uses as placeholders never come from the author (same
  // length, so offsets hold).
  const escaped = inline ? inlineOnly(field.value) : field.value;
  const shifted = escaped !== field.value;
  const source = escaped.replace(PRIVATE, '\uFFFD');
  const math = tokenizeMath(source, LIMITS.mathSpans);
  const { tokens, problems } = math;
  const toOriginal = offsetMapper(tokens);
  const place = (startOffset: number | undefined, endOffset: number | undefined) => {
    if (shifted || startOffset === undefined) return { start: field.position.start };
    const start = locate(toOriginal(startOffset));
    const end = endOffset === undefined ? start : locate(toOriginal(endOffset));
    return { start, end: end.line >= start.line ? end : start };
  };
  const at = (offset: number, length: number) =>
    shifted
      ? { start: field.position.start }
      : { start: locate(offset), end: locate(offset + length) };
  const cloze: ClozeScan | null =
    clozes !== 'none' && CLOZE_CANDIDATE.test(source)
      ? scanClozes(
          math.text,
          tokens.map((t) => t.source),
        )
      : null;
  for (const p of cloze?.problems ?? []) {
    const start = toOriginal(p.offset);
    ctx.sink.report('cloze-markup', at(start, toOriginal(p.offset + p.length) - start), p.message);
  }
  // A cloze card's malformed markers are disarmed (same length: offsets hold).
  const text = clozes === 'cloze' && cloze ? applyDisarm(math.text, cloze.disarm) : math.text;
  const exceeded =
    tokens.length + problems.length > LIMITS.mathSpans
      ? {
          offset: 0,
          length: 0,
          message: `Unexpected more than ${LIMITS.mathSpans.toLocaleString('en-US')} math spans and '$' signs in one field, expected at most ${LIMITS.mathSpans.toLocaleString('en-US')}`,
        }
      : checkLimits(text);
  if (exceeded) {
    const start = toOriginal(exceeded.offset);
    ctx.sink.report(
      'markdown-limit',
      at(start, toOriginal(exceeded.offset + exceeded.length) - start),
      `${exceeded.message} (the field is shown as plain text)`,
    );
    return plainText(field.value, inline);
  }
  const mdast = (AUTOLINK_CANDIDATE.test(text) ? processor : lean).parse(text);
  const { embeds, problems: embedProblems } = markEmbeds(mdast, text);
  for (const p of embedProblems) ctx.sink.report(p.rule, place(p.start, p.end), p.message);
  // A '$' that Markdown reads as code (an indented block the tokeniser cannot tell) is no problem.
  const code = problems.length > 0 ? codeRanges(mdast, toOriginal) : [];
  for (const p of problems) {
    if (code.some(([from, to]) => p.offset >= from && p.offset < to)) continue;
    const start = shifted ? field.position.start : locate(p.offset);
    const end = shifted ? start : locate(p.offset + p.length);
    ctx.sink.report('unbalanced-math', { start, end }, p.message);
  }

  const outputs = tokens.map((token, i) =>
    tokenOutput(token, ctx, media, at, clozes === 'cloze' && cloze?.mathInCloze.has(i) === true),
  );

  const hasHtml = replaceMath(mdast, tokens, outputs);
  let tree = processor.runSync(mdast) as HastRoot;
  // The file lets hast-util-raw keep positions, so removals are reported where they were written.
  if (hasHtml) tree = raw(tree, { file: new VFile(text) }) as HastRoot;

  for (const removal of sanitize(tree)) {
    const pos = removal.node.position;
    ctx.sink.report(
      'unsafe-html',
      place(pos?.start.offset, pos?.end.offset),
      `Unexpected ${removal.what}, expected safe HTML (removed: Anki runs card HTML as a web page)`,
    );
  }
  disarmStrayTex(tree, (node) => {
    const pos = node.position;
    ctx.sink.report(
      'unsafe-math',
      place(pos?.start.offset, pos?.end.offset),
      'Unexpected MathJax command that writes links, CSS or HTML attributes outside a math span, expected plain TeX (disarmed)',
    );
  });
  packageMedia(tree, ctx, media, place, embeds);
  highlightCode(tree);

  let html = finishAnkiMarkup(processor.stringify(tree));
  if (clozes === 'cloze') html = finishClozes(html);
  if (inline) html = html.replace(/^<p>([\s\S]*)<\/p>$/, '$1');
  return html;
}

const PRIVATE = /[\uE000-\uE004]/g;

type At = (offset: number, length: number) => { start: Point; end?: Point };

/**
 * What a token becomes in the field: checked MathJax TeX, Anki LaTeX unless Anki would refuse it,
 * a packaged sound. Unsafe parts are removed and reported where they were written.
 */
function tokenOutput(
  given: MathToken,
  ctx: RenderContext,
  media: MediaFile[],
  at: At,
  inCloze: boolean,
): string {
  // Anki's `}}` trap: TeX inside a cloze must not close it (see cloze.ts).
  const token =
    inCloze && given.kind !== 'sound' ? { ...given, tex: splitTexBraces(given.tex) } : given;
  if (token.kind === 'math') {
    const { tex, removed } = guardTex(token.tex);
    for (const r of removed) {
      ctx.sink.report(
        'unsafe-math',
        at(token.texStart + r.offset, r.length),
        `Unexpected '${r.command}' in math, expected TeX that writes no links, CSS or HTML attributes (removed: Anki's MathJax would put it in the page)`,
      );
    }
    return ankiMath(removed.length > 0 ? { ...token, tex } : token);
  }
  if (token.kind === 'latex') {
    const command = unsafeAnkiLatex(token.tex) ?? guardTex(token.tex).removed[0]?.command;
    if (command === undefined) return ankiMath(token);
    ctx.sink.report(
      'unsafe-math',
      at(token.start, token.end - token.start),
      `Unexpected '${command}' in Anki LaTeX, expected LaTeX without file, shell or definition commands (removed: Anki refuses it)`,
    );
    return '';
  }
  const name = packageSound(token.tex, ctx, media, at(token.start, token.end - token.start));
  return name === null ? '' : ankiMath({ ...token, tex: name });
}

/** A `[sound:…]` file, packaged like an image; null (reported) when it cannot be. */
function packageSound(
  src: string,
  ctx: RenderContext,
  media: MediaFile[],
  place: { start: Point; end?: Point },
): string | null {
  const resolved = resolveImage(src.trim(), ctx.file);
  if (resolved.kind !== 'local') {
    ctx.sink.report(
      'media-outside-root',
      place,
      `Unexpected sound '${src}' ${resolved.kind === 'remote' ? 'at a URL' : 'outside the input root'}, expected a file inside the input root relative to the Markdown file (removed)`,
    );
    return null;
  }
  const data = ctx.readMedia(resolved.path);
  if (!data) {
    const refusal = refused(ctx, resolved.path, `sound '${src}'`);
    ctx.sink.report(
      refusal?.rule ?? 'missing-media',
      place,
      refusal?.message ??
        `Unexpected missing sound '${src}' (looked for '${resolved.path}' in the input root), expected an existing file (removed)`,
    );
    return null;
  }
  const name = mediaName(resolved.path, data);
  addMedia(media, { name, data: data as MediaFile['data'] });
  return name;
}

/** Elements whose text MathJax never typesets (its `skipHtmlTags`; the sanitizer drops the rest). */
const NO_TEX = new Set(['code', 'pre']);

/**
 * Disarms unsafe MathJax commands in text outside deckc's math spans (see tex-guard.ts). MathJax
 * reads the text of a run of text nodes, `<wbr>` and comments as one string, so a run holding a
 * `<wbr>` is joined (the `<wbr>` dropped) before it is checked.
 */
function disarmStrayTex(tree: HastRoot, report: (node: HastContent) => void) {
  const visit = (parent: HastRoot | Element) => {
    const children = parent.children as HastContent[];
    let changed = false;
    const out: HastContent[] = [];
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (child.type === 'element' && !NO_TEX.has(child.tagName)) visit(child);
      const prev = out.at(-1);
      if (prev?.type === 'text') {
        const next = children[i + 1];
        const wbr = child.type === 'element' && child.tagName === 'wbr';
        if (wbr && next?.type === 'text' && `${prev.value}${next.value}`.includes('\\')) {
          changed = true;
          continue;
        }
        if (child.type === 'text') {
          const start = prev.position?.start;
          const end = child.position?.end;
          out[out.length - 1] = {
            type: 'text',
            value: prev.value + child.value,
            ...(start && end ? { position: { start, end } } : {}),
          };
          changed = true;
          continue;
        }
      }
      out.push(child);
    }
    for (const node of out) {
      if (node.type !== 'text') continue;
      const { text, count } = disarmTex(node.value);
      if (count > 0) {
        node.value = text;
        report(node);
      }
    }
    if (changed) parent.children = out as typeof parent.children;
  };
  visit(tree);
}

/**
 * Puts math back into the Markdown tree: as `outputs` (`\(…\)`, `\[…\]`, Anki markup) text in
 * prose (escaped like any text when stringified), and as the original source wherever Markdown disagreed with the tokeniser
 * about code (code spans, fences, raw HTML, URLs, alt text). Turns pseudo-tags such as `<T>` into
 * text. Returns whether real raw HTML occurs.
 */
function replaceMath(
  tree: MdastRoot,
  tokens: readonly MathToken[],
  outputs: readonly string[],
): boolean {
  let hasHtml = false;
  const restore = (value: string) =>
    value.replace(PLACEHOLDER_PATTERN, (_, i: string) => tokens[Number(i)]?.source ?? '');
  const expand = (value: string) =>
    value.replace(PLACEHOLDER_PATTERN, (_, i: string) => outputs[Number(i)] ?? '');
  const visit = (node: MdastRoot | MdastContent, flow = false) => {
    if (node.type === 'html') {
      if (looksLikeHtml(node.value)) hasHtml = true;
      else {
        // `List<T>` is prose, not an element: keep it as text (escaped when stringified); a
        // block-level pseudo-tag becomes a paragraph.
        const text = { type: 'text', value: node.value, position: node.position };
        Object.assign(node, flow ? { type: 'paragraph', children: [text] } : text);
        if (flow) delete (node as { value?: string }).value;
      }
    }
    if (tokens.length > 0) {
      const record = node as unknown as Record<string, unknown>;
      for (const key of ['value', 'url', 'alt', 'title'] as const) {
        const value = record[key];
        if (typeof value === 'string' && value.includes('\uE000')) {
          record[key] = node.type === 'text' && key === 'value' ? expand(value) : restore(value);
        }
      }
    }
    if ('children' in node) {
      const childrenFlow = FLOW_PARENTS.has(node.type);
      for (const child of node.children) visit(child, childrenFlow);
    }
  };
  visit(tree);
  return hasHtml;
}

/** Original-text offset ranges of code and raw HTML in a Markdown tree. */
function codeRanges(tree: MdastRoot, toOriginal: (offset: number) => number) {
  const ranges: Array<[number, number]> = [];
  const visit = (node: MdastRoot | MdastContent) => {
    const pos = node.position;
    if ((node.type === 'code' || node.type === 'inlineCode' || node.type === 'html') && pos) {
      ranges.push([toOriginal(pos.start.offset ?? 0), toOriginal(pos.end.offset ?? 0)]);
    }
    if ('children' in node) for (const child of node.children) visit(child);
  };
  visit(tree);
  return ranges;
}

/** mdast parents whose children are blocks (an `html` child there is an HTML block). */
const FLOW_PARENTS = new Set(['root', 'blockquote', 'listItem', 'footnoteDefinition']);

type Placer = (start: number | undefined, end: number | undefined) => { start: Point; end?: Point };

/** Elements whose `src` names media: images, and HTML audio and video (with their sources). */
const MEDIA_ELEMENTS = new Set(['img', 'audio', 'video', 'source']);

/**
 * Packages the media the field references, in place: `<img>` files (a sound file becomes Anki's
 * `[sound:name]`, the form its players and the preview read), `<audio>`, `<video>` and `<source>`
 * files (under HTML_MEDIA_PREFIX names, see media.ts), and Obsidian embeds (`embeds`, keyed by the
 * start offset their `<img>` keeps). Remote files stay remote, with an info.
 */
function packageMedia(
  tree: HastRoot,
  ctx: RenderContext,
  media: MediaFile[],
  place: Placer,
  embeds: ReadonlyMap<number, Embed>,
) {
  const visit = (node: HastRoot | Element) => {
    const children = node.children as HastContent[];
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (child.type !== 'element') continue;
      if (MEDIA_ELEMENTS.has(child.tagName) && typeof child.properties.src === 'string') {
        const start = child.position?.start.offset;
        const embed =
          child.tagName === 'img' && start !== undefined ? embeds.get(start) : undefined;
        const sound = packageElement(child, ctx, media, place, embed);
        if (sound !== null) {
          children[i] = { type: 'text', value: `${ANKI_BRACKET}sound:${sound}]` };
          continue;
        }
      }
      visit(child);
    }
  };
  visit(tree);
}

/** What an element's media is called in messages. */
const MEDIA_NOUN: Record<string, string> = {
  img: 'image',
  audio: 'audio',
  video: 'video',
  source: 'media source',
};

/**
 * Packages one element's `src` and points it at the packaged name; returns the name instead when
 * the element is an `<img>` of a sound, which becomes a `[sound:]` tag. Problems are reported
 * (`missing-media`, `media-outside-root`, `unsupported-media`, `remote-media`) and leave the
 * element as written.
 */
function packageElement(
  element: Element,
  ctx: RenderContext,
  media: MediaFile[],
  place: Placer,
  embed: Embed | undefined,
): string | null {
  const src = embed?.target ?? String(element.properties.src);
  const at = embed
    ? place(embed.start, embed.end)
    : place(element.position?.start.offset, element.position?.end.offset);
  const tag = element.tagName;
  const written = embed ? `![[${src}]]` : `'${src}'`;
  const resolved = resolveImage(src, ctx.file);
  if (resolved.kind === 'remote' && !embed) {
    if (/^(?:https?:)?\/\//i.test(src.trim()))
      ctx.sink.report(
        'remote-media',
        at,
        `Remote ${MEDIA_NOUN[tag]} '${src}' kept as a link: Anki shows it only when online (download it beside the Markdown file to package it)`,
      );
    return null;
  }
  const kind = mediaKind(resolved.kind === 'local' ? resolved.path : src);
  // An <img> of a sound is Anki's sound tag; <audio>/<video> may hold any file Anki can play.
  const sound = tag === 'img' && kind === 'sound';
  if (kind === 'unsupported' || (tag !== 'img' && kind === 'image')) {
    ctx.sink.report(
      'unsupported-media',
      at,
      `Unexpected ${MEDIA_NOUN[tag]} ${written} of a kind Anki ${tag === 'img' ? 'shows neither as an image nor as a sound' : 'cannot play'}, expected ${tag === 'img' ? 'an image (png, jpg, gif, svg, webp…) or a sound (mp3, ogg, wav, m4a…)' : 'an audio or video file (mp3, ogg, wav, m4a, mp4, webm…)'}`,
    );
    return null;
  }
  const candidates = embed
    ? embedCandidates(src, ctx.file)
    : resolved.kind === 'local'
      ? [resolved.path]
      : null;
  if (candidates === null) {
    ctx.sink.report(
      'media-outside-root',
      at,
      `Unexpected ${sound ? 'sound' : MEDIA_NOUN[tag]} path ${written} outside the input root, expected a path inside it relative to the Markdown file`,
    );
    return null;
  }
  let path = candidates[0]!;
  let data: Uint8Array | null = null;
  for (const candidate of candidates) {
    data = ctx.readMedia(candidate);
    path = candidate;
    if (data) break;
  }
  if (!data) {
    const noun = sound ? 'sound' : MEDIA_NOUN[tag];
    const refusal = candidates
      .map((candidate) => refused(ctx, candidate, `${noun} ${written}`))
      .find((r) => r !== null);
    ctx.sink.report(
      refusal?.rule ?? 'missing-media',
      at,
      refusal?.message ??
        `Unexpected missing ${noun} ${written} (looked for ${candidates.map((c) => `'${c}'`).join(' and ')} in the input root), expected an existing file`,
    );
    return null;
  }
  const name = mediaName(path, data, tag === 'img' ? '' : HTML_MEDIA_PREFIX);
  addMedia(media, { name, data: data as MediaFile['data'] });
  if (sound) return name;
  element.properties.src = name;
  return null;
}
