/**
 * The format author's second dialect (the card language's looser form, in the README's card
 * language section; the reference parser is `NeneWang/mastery-cli`'s `src/md_terms_parser.js`): `?p:` / `p:` prompts, `?x` answers that run
 * to the next blank line, `##`–`####` headers as default prompts, a `?x` prompted by the line
 * above it, one-line `term::answer` cards and `:d` groups.
 *
 * Which files use it is decided once per file, so that a file of the main form reads exactly as
 * it always has: `?x` and `?p:` lines never occur in the main form and mark the dialect anywhere;
 * the weaker signs (`p:`, `:d`, a `term::answer` line) count only in a file with no `:p` at all,
 * because `:p` files carry `std::vector` and `Deck::Sub` in their prose.
 */
import type { Line } from './lines.js';

/** `main`: the `:p` form only; `terms`: the dialect only; `mixed`: both. */
export type Dialect = 'main' | 'terms' | 'mixed';

const QUESTION_RE = /^[ \t]*:p(?:[ \t]|$)|\$:p(?:[ \t]|$)/;
const STRONG_RE = /^[ \t]*(?:\?x[ \t]*$|\?p:)/;
const WEAK_RE = /^[ \t]*(?:p:[ \t]+\S|:d[ \t]+\S)/;
const FENCE_RE = /^[ \t]*(?:`{3,}|~{3,})/;

/** The dialect of a file, from its lines (after any front matter). */
export function detectDialect(lines: readonly Line[], from = 0): Dialect {
  let main = false;
  let strong = false;
  let weak = false;
  let fenced = false;
  for (let i = from; i < lines.length; i++) {
    const t = lines[i]!.text;
    if (FENCE_RE.test(t)) fenced = !fenced;
    if (QUESTION_RE.test(t)) main = true;
    else if (STRONG_RE.test(t)) strong = true;
    else if (!fenced && !weak && (WEAK_RE.test(t) || splitTerm(t) !== null)) weak = true;
  }
  if (strong) return main ? 'mixed' : 'terms';
  return main || !weak ? 'main' : 'terms';
}

/** A `term::answer` line: [start, end) of the term and of the answer, 0-based in the line. */
export interface TermSplit {
  term: [number, number];
  answer: [number, number];
}

const WORD = /[\p{L}\p{N}_]/u;

/** A list bullet (`- `, `* `, `+ `, `1. `) before a term. */
const BULLET_RE = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/;

/**
 * Splits a `term::answer` line: the term is the text before the first `::`, the answer the text
 * after the last one, both non-empty (`emptyTerm`: the term may be empty). `::` inside inline code, math (`$…$`, `$$…$$`, `\(…\)`,
 * `\[…\]`), Anki cloze markup (`{{c1::…}}`), a wiki link (`[[…]]`) or a link target never splits
 * a line; nor does a line that is indented code, a table row, a heading or HTML. `strict` (a
 * file that mixes both forms, whose prose is the main form's): nor does a `::` between two word
 * characters, a path such as `std::vector` or `Deck::Sub` (write `term:: answer` there).
 */
export function splitTerm(text: string, emptyTerm = false, strict = false): TermSplit | null {
  if (!text.includes('::')) return null;
  const bullet = BULLET_RE.exec(text);
  const from = bullet ? bullet[0].length : (/^[ \t]*/.exec(text)?.[0].length ?? 0);
  if (!bullet && /^(?: {4}|\t)/.test(text)) return null; // indented code
  const first = text.charCodeAt(from);
  if (first === 124 /* | */ || first === 60 /* < */ || first === 35 /* # */) return null;
  const free = unmasked(text);
  let firstSep = -1;
  let lastSep = -1;
  for (let k = text.indexOf('::', from); k >= 0; k = text.indexOf('::', k + 1)) {
    if (!free[k] || !free[k + 1]) continue;
    if (strict && WORD.test(text[k - 1] ?? '') && WORD.test(text[k + 2] ?? '')) continue;
    if (firstSep < 0) firstSep = k;
    lastSep = k;
  }
  if (firstSep < 0) return null;
  // `a:::b` or `::::`: a run of colons is not a separator.
  const run = (k: number) => text[k - 1] === ':' || text[k + 2] === ':';
  if (run(firstSep) || run(lastSep)) return null;
  const termEnd = text.slice(0, firstSep).trimEnd().length;
  let answerStart = lastSep + 2;
  while (text[answerStart] === ' ' || text[answerStart] === '\t') answerStart++;
  const answerEnd = text.trimEnd().length;
  if ((termEnd <= from && !emptyTerm) || answerEnd <= answerStart) return null;
  return { term: [from, Math.max(from, termEnd)], answer: [answerStart, answerEnd] };
}

/** Per character of `text`: true when it is outside code, math, cloze markup and link targets. */
function unmasked(text: string): boolean[] {
  const free = new Array<boolean>(text.length).fill(true);
  const mask = (from: number, to: number) => {
    for (let k = from; k < to; k++) free[k] = false;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    let end = -1;
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const close = text.indexOf('`'.repeat(run), i + run);
      end = close < 0 ? -1 : close + run;
      if (end < 0) i += run - 1;
    } else if (c === '$') {
      const delim = text[i + 1] === '$' ? '$$' : '$';
      const close = text.indexOf(delim, i + delim.length);
      end = close < 0 ? -1 : close + delim.length;
    } else if (c === '\\' && (text[i + 1] === '(' || text[i + 1] === '[')) {
      const close = text.indexOf(text[i + 1] === '(' ? '\\)' : '\\]', i + 2);
      end = close < 0 ? -1 : close + 2;
    } else if (c === '{' && text[i + 1] === '{') {
      const close = text.indexOf('}}', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (c === '[' && text[i + 1] === '[') {
      const close = text.indexOf(']]', i + 2);
      end = close < 0 ? -1 : close + 2;
    } else if (c === ']' && text[i + 1] === '(') {
      const close = text.indexOf(')', i + 2);
      end = close < 0 ? -1 : close + 1;
    }
    if (end > i) {
      mask(i, end);
      i = end;
    } else {
      i++;
    }
  }
  return free;
}
