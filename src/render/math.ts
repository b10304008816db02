/**
 * Math pre-tokeniser. Runs on a field's Markdown source before micromark sees it and swaps every
 * math span for an opaque placeholder, so Markdown never interprets `_`, `*`, `\\` or `|` inside
 * TeX, display math may span blank lines, and `$` inside code stays text.
 *
 * Why not remark-math: it pairs `$` like code-span backticks (so `$5 and $10` becomes math and an
 * unbalanced `$` silently pairs with the next one), it knows nothing of `\( \)` / `\[ \]` (Markdown
 * eats those backslashes), and `$$` display blocks end at a blank line. Measured on the real corpus
 * by `scripts/bench-render.ts`.
 *
 * Rules, tuned on the real corpus (`scripts/bench-render.ts`; counts over its 308 files):
 * - `$$…$$` display; may span lines and blank lines, but not a code fence.
 * - `$…$` inline: `$` signs pair in order inside one paragraph, and a pair never crosses a line
 *   that starts another block (list item, heading, quote, table row). No Pandoc-style space rule:
 *   the corpus writes `$z $`, `input$x $` and `takes$ z $as` all the time (Pandoc's rule left
 *   358 `$` unpaired on the corpus; pairing in order leaves 4, all genuinely ambiguous).
 * - `\(…\)` inline (one paragraph), `\[…\]` display (may span lines).
 * - Prices: an opener followed by a digit whose span holds a prose word and no TeX
 *   (`$5 and $10`), or that has no partner (`$3.50 per mile`), is text, without a warning.
 * - Code: fenced blocks (any indentation, inside lists and quotes) and backtick code spans are
 *   skipped, so `$` there is text. Where Markdown still disagrees (an indented code block), the
 *   renderer puts the original source back (see `replaceMath`).
 * - Any other `$` or `$$` without a partner is text plus an `unbalanced-math` problem at it.
 * - Anki's own markup is read as tokens too, never left for `$` pairing: `[$]…[/$]`,
 *   `[$$]…[/$$]` and `[latex]…[/latex]` (typeset by Anki's LaTeX, case as Anki reads it:
 *   insensitively) and `[sound:file]` (a media reference). An opener without its closer is text
 *   plus an `unbalanced-math` problem.
 */

/** A math span found in the source. Offsets are 0-based UTF-16 offsets into the original text. */
export interface MathToken {
  /**
   * `math`: MathJax TeX; `latex`: Anki's LaTeX (`[$]`, `[$$]`, `[latex]`, named by `display`…);
   * `sound`: `[sound:…]`, whose `tex` is the file name.
   */
  kind: 'math' | 'latex' | 'sound';
  /** `true` for `$$…$$` and `\[…\]`, rendered as `\[…\]` (and for `[$$]`). */
  display: boolean;
  /** For `latex`: the Anki opener as Anki names it: `[$]`, `[$$]` or `[latex]`. */
  open?: string;
  /** The TeX between the delimiters, untouched. */
  tex: string;
  /** Offset of `tex` in the original text. */
  texStart: number;
  /** The original source of the whole span, delimiters included. */
  source: string;
  start: number;
  end: number;
}

export interface MathProblem {
  /** 0-based offset of the unpartnered delimiter in the original text. */
  offset: number;
  length: number;
  message: string;
}

export interface TokenizedMath {
  /** The source with each math span replaced by `PLACEHOLDER_OPEN + index + PLACEHOLDER_CLOSE`. */
  text: string;
  tokens: MathToken[];
  problems: MathProblem[];
}

/** Private-use characters: micromark treats them like letters, and no real text contains them. */
export const PLACEHOLDER_OPEN = '\uE000';
export const PLACEHOLDER_CLOSE = '\uE001';
export const PLACEHOLDER_PATTERN = /\uE000(\d+)\uE001/g;

const FENCE_OPEN = /^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+|>[ \t]?)*(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(?:>[ \t]?)*(`{3,}|~{3,})[ \t]*$/;
/** Characters that show a `$…$` span starting with a digit is TeX, not two prices. */
const TEX_HINT = /[\\^_{}=<>+*/]/;
/** A word of prose after a space: `$5 and $10` pairs `5 and `, which is not math. */
const PROSE_WORD = /\s\p{L}{2,}/u;

/** Splits text into code-fence and prose regions (fence lines belong to the code region). */
export function proseRegions(text: string): Array<[number, number]> {
  const regions: Array<[number, number]> = [];
  let proseStart = 0;
  let fence: { char: string; length: number } | null = null;
  let offset = 0;
  while (offset <= text.length) {
    let lineEnd = text.indexOf('\n', offset);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(offset, lineEnd);
    if (fence) {
      const close = FENCE_CLOSE.exec(line);
      if (close?.[1] && close[1][0] === fence.char && close[1].length >= fence.length) {
        fence = null;
        proseStart = lineEnd + 1;
      }
    } else {
      const open = FENCE_OPEN.exec(line);
      const marker = open?.[1];
      if (marker && !(marker[0] === '`' && open[2]?.includes('`'))) {
        if (offset > proseStart) regions.push([proseStart, offset]);
        fence = { char: marker[0]!, length: marker.length };
      }
    }
    offset = lineEnd + 1;
  }
  if (!fence && proseStart < text.length) regions.push([proseStart, text.length]);
  return regions;
}

/** A paragraph break: a blank line. */
const PARAGRAPH_END = /\n[ \t]*(?:\r?\n|$)/g;
/**
 * Where inline math must end: a paragraph break, or a line that starts another block (list item,
 * heading, quote, table row), so an unpartnered `$` cannot pair with one in the next list item.
 */
const INLINE_END = /\n[ \t]*(?:\r?\n|$|[-*+][ \t]|\d{1,9}[.)][ \t]|#|>|\|)/g;

/**
 * `find(from)`: the offset of the first match of `pattern` at or after `from` (Infinity when
 * none), remembered, so that asking again from anywhere before that match costs nothing: a field
 * of n `$` signs in one paragraph scans it once, not n times (issue 15).
 */
function nextMatch(text: string, pattern: RegExp): (from: number) => number {
  const re = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  let known = { from: Number.POSITIVE_INFINITY, at: Number.POSITIVE_INFINITY };
  return (from) => {
    if (from >= known.from && from <= known.at) return known.at;
    re.lastIndex = from;
    const m = re.exec(text);
    known = { from, at: m ? m.index : Number.POSITIVE_INFINITY };
    return known.at;
  };
}

function isEscaped(text: string, at: number, floor: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= floor && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** First element of a sorted list at or after `from`, or Infinity. */
function firstAtOrAfter(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo]! : Number.POSITIVE_INFINITY;
}

/** Offsets of every unescaped `$$` (overlapping: `$$$` holds two). */
function displayDollars(text: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf('$$'); i !== -1; i = text.indexOf('$$', i + 1)) {
    if (!isEscaped(text, i, 0)) at.push(i);
  }
  return at;
}

/** Start offsets of the maximal backtick runs of each length. */
function backtickRuns(text: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let i = text.indexOf('`'); i !== -1; ) {
    let n = 1;
    while (text[i + n] === '`') n++;
    const list = runs.get(n);
    if (list) list.push(i);
    else runs.set(n, [i]);
    i = text.indexOf('`', i + n);
  }
  return runs;
}

/** Anki markup openers (Anki reads them without regard to case). */
const ANKI_MARKUP = /\[(?:sound:|latex\]|\$\$?\])/i;
const ANKI_OPEN = /^\[(?:sound:|latex\]|\$\$?\])/i;
/** A `[sound:…]` reference: a file name on one line, no `]`. */
const SOUND = /^\[sound:([^\]\n\r]{1,500})\]/i;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Finds the closer of an inline `$` opened at `open`, in [open+1, end), or -1. */
function findDollarCloser(text: string, open: number, end: number): number {
  for (let j = open + 1; j < end; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c !== '$') continue;
    if (text[j + 1] === '$') {
      j++;
      continue;
    }
    return j;
  }
  return -1;
}

/** Whether `text` may hold a math span or Anki markup at all (most fields do not). */
function mayHoldMath(text: string): boolean {
  return (
    text.includes('$') || text.includes('\\(') || text.includes('\\[') || ANKI_MARKUP.test(text)
  );
}

/**
 * What one tokenizeMath run keeps: the text, what it found so far, and its lookups of the text
 * (each remembers its last answer; the sorted lists are built on first use), so that the scan
 * stays linear however many openers have no closer (issue 15). Each step below reads the
 * delimiter at `i` and returns the offset the scan goes on from.
 */
interface Scan {
  text: string;
  tokens: MathToken[];
  problems: MathProblem[];
  paragraphEnd: (from: number) => number;
  inlineEnd: (from: number) => number;
  /** The next `\)` and `\]`. */
  mathCloser: { ')': (from: number) => number; ']': (from: number) => number };
  /** The next Anki closer (`[/$]`, `[/$$]`, `[/latex]`), or -1. */
  ankiCloser: (closer: string, from: number) => number;
  dollars: number[] | null;
  backticks: Map<number, number[]> | null;
}

function addToken(
  s: Scan,
  start: number,
  end: number,
  open: number,
  close: number,
  display: boolean,
  kind: MathToken['kind'] = 'math',
  ankiOpen?: string,
): void {
  s.tokens.push({
    kind,
    display,
    ...(ankiOpen ? { open: ankiOpen } : {}),
    tex: s.text.slice(start + open, end - close),
    texStart: start + open,
    source: s.text.slice(start, end),
    start,
    end,
  });
}

/**
 * The next case-insensitive `closer` at or after `from`, or -1, remembered per closer so that n
 * unclosed openers cost one scan, not n.
 */
function ankiCloser(text: string): (closer: string, from: number) => number {
  const closers = new Map<string, { from: number; at: number }>();
  return (closer, from) => {
    const known = closers.get(closer);
    if (known && from >= known.from && (known.at === -1 || known.at >= from)) return known.at;
    const re = new RegExp(closer.replace(/[[\]$/]/g, '\\$&'), 'gi');
    re.lastIndex = from;
    const at = re.exec(text)?.index ?? -1;
    closers.set(closer, { from, at });
    return at;
  };
}

/** A backslash at `i`: `\(…\)` or `\[…\]` math, else an escape skipped. */
function backslashMath(s: Scan, i: number, regionEnd: number): number {
  const next = s.text[i + 1];
  if (next === '(' || next === '[') {
    const limit = next === '(' ? Math.min(s.paragraphEnd(i), regionEnd) : regionEnd;
    const close = s.mathCloser[next === '(' ? ')' : ']'](i + 2);
    if (close + 2 <= limit) {
      addToken(s, i, close + 2, 2, 2, next === '[');
      return close + 2;
    }
  }
  return i + 2;
}

/** A `[` at `i`: Anki's `[sound:…]`, `[$]…[/$]`, `[$$]…[/$$]` or `[latex]…[/latex]`, else text. */
function ankiMarkup(s: Scan, i: number, regionEnd: number): number {
  const { text } = s;
  const opener = ANKI_OPEN.exec(text.slice(i, i + 8));
  if (!opener) return i + 1;
  const open = opener[0].toLowerCase();
  if (open === '[sound:') {
    const name = SOUND.exec(text.slice(i, Math.min(regionEnd, i + 512)));
    if (!name) return i + 1;
    addToken(s, i, i + name[0].length, 7, 1, false, 'sound');
    return i + name[0].length;
  }
  const closer = `[/${open.slice(1)}`;
  const close = s.ankiCloser(closer, i + open.length);
  if (close !== -1 && close + closer.length <= regionEnd) {
    const end = close + closer.length;
    addToken(s, i, end, open.length, closer.length, open === '[$$]', 'latex', open);
    return end;
  }
  s.problems.push({ offset: i, length: open.length, message: unclosedLatex(opener[0], closer) });
  return i + open.length;
}

/** A backtick run at `i`: a code span skipped whole (its `$` are text), else the run alone. */
function codeSpan(s: Scan, i: number, regionEnd: number): number {
  let n = 1;
  while (s.text[i + n] === '`') n++;
  const limit = Math.min(s.paragraphEnd(i), regionEnd);
  s.backticks ??= backtickRuns(s.text);
  const close = firstAtOrAfter(s.backticks.get(n) ?? [], i + n);
  return close < limit ? close + n : i + n;
}

/** `$$` at `i`: display math to the next `$$` of the region, else a problem. */
function displayMath(s: Scan, i: number, regionEnd: number): number {
  s.dollars ??= displayDollars(s.text);
  const close = firstAtOrAfter(s.dollars, i + 2);
  if (close + 2 <= regionEnd) {
    addToken(s, i, close + 2, 2, 2, true);
    return close + 2;
  }
  s.problems.push({
    offset: i,
    length: 2,
    message: "Unexpected '$$' with no closing '$$', expected display math to end (kept as text)",
  });
  return i + 2;
}

/** One `$` at `i`: inline math to its partner in the paragraph, a price, or a problem. */
function inlineMath(s: Scan, i: number, regionEnd: number): number {
  const { text } = s;
  const limit = Math.min(s.inlineEnd(i), regionEnd);
  const close = findDollarCloser(text, i, limit);
  const looksLikePrice = isDigit(text[i + 1]);
  if (close !== -1) {
    const inner = text.slice(i + 1, close);
    if (looksLikePrice && PROSE_WORD.test(inner) && !TEX_HINT.test(inner.replace(/\\\$/g, '')))
      return i + 1;
    addToken(s, i, close + 1, 1, 1, false);
    return close + 1;
  }
  if (!looksLikePrice) {
    s.problems.push({
      offset: i,
      length: 1,
      message:
        "Unexpected '$' with no closing '$' in its paragraph, expected inline math to end (kept as text; write '\\$' for a literal dollar)",
    });
  }
  return i + 1;
}

/** The text with each token's span replaced by its placeholder. */
function withPlaceholders(text: string, tokens: readonly MathToken[]): string {
  let out = '';
  let last = 0;
  tokens.forEach((t, index) => {
    out += text.slice(last, t.start) + PLACEHOLDER_OPEN + index + PLACEHOLDER_CLOSE;
    last = t.end;
  });
  return out + text.slice(last);
}

/**
 * `max`: stop once tokens and problems number more than this (a field beyond the math-span
 * limit is shown as text anyway): 175,000 unclosed `[$]` otherwise held as many problems, ~75 MB.
 */
export function tokenizeMath(text: string, max = Number.POSITIVE_INFINITY): TokenizedMath {
  const tokens: MathToken[] = [];
  const problems: MathProblem[] = [];
  if (!mayHoldMath(text)) return { text, tokens, problems };
  const s: Scan = {
    text,
    tokens,
    problems,
    paragraphEnd: nextMatch(text, PARAGRAPH_END),
    inlineEnd: nextMatch(text, INLINE_END),
    mathCloser: { ')': nextMatch(text, /\\\)/g), ']': nextMatch(text, /\\\]/g) },
    ankiCloser: ankiCloser(text),
    dollars: null,
    backticks: null,
  };
  const full = () => tokens.length + problems.length > max;
  for (const [regionStart, regionEnd] of proseRegions(text)) {
    if (full()) break;
    let i = regionStart;
    while (i < regionEnd && !full()) {
      const c = text[i];
      if (c === '\\') i = backslashMath(s, i, regionEnd);
      else if (c === '[') i = ankiMarkup(s, i, regionEnd);
      else if (c === '`') i = codeSpan(s, i, regionEnd);
      else if (c !== '$') i++;
      else if (text[i + 1] === '$') i = displayMath(s, i, regionEnd);
      else i = inlineMath(s, i, regionEnd);
    }
  }
  if (tokens.length === 0) return { text, tokens, problems };
  return { text: withPlaceholders(text, tokens), tokens, problems };
}

/** Maps offsets in the placeholder text back to offsets in the original text. */
export function offsetMapper(tokens: readonly MathToken[]): (offset: number) => number {
  if (tokens.length === 0) return (offset) => offset;
  // Start offset of each placeholder in the placeholder text, and the shift after it.
  const starts: number[] = [];
  const shifts: number[] = [];
  let shift = 0;
  tokens.forEach((t, index) => {
    const placeholderLength = 2 + String(index).length;
    starts.push(t.start - shift);
    shift += t.end - t.start - placeholderLength;
    shifts.push(shift);
  });
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found === -1) return offset;
    const token = tokens[found]!;
    const placeholderEnd = starts[found]! + 2 + String(found).length;
    if (offset < placeholderEnd) return token.start;
    return offset + shifts[found]!;
  };
}

/**
 * Stands for `[` in Anki markup deckc writes itself, until the whole field is stringified: every
 * other `[sound:`, `[latex]`, `[$]`… (in code, in attributes, in math) is then disarmed
 * (`disarmAnkiMarkup`), and this one becomes `[` again.
 */
export const ANKI_BRACKET = '\uE002';

/**
 * The Anki form of a token: MathJax `\(…\)` inline, `\[…\]` display; Anki LaTeX and sound as
 * Anki markup (with ANKI_BRACKET for `[`); a token whose `tex` was refused (null) is nothing.
 */
export function ankiMath(token: MathToken): string {
  if (token.kind === 'sound') return `${ANKI_BRACKET}sound:${token.tex}]`;
  if (token.kind === 'latex') {
    const open = token.open ?? '[$]';
    return `${ANKI_BRACKET}${open.slice(1)}${token.tex}${ANKI_BRACKET}/${open.slice(1)}`;
  }
  return token.display ? `\\[${token.tex}\\]` : `\\(${token.tex}\\)`;
}

/** Anki markup in finished field HTML (Anki finds it anywhere in a field, case-insensitively). */
const ANKI_MARKUP_IN_HTML = /\[(?=sound:|\/?latex\]|\/?\$\$?\])/gi;

/** Disarms Anki markup deckc did not write (`&#91;` shows `[`), then restores deckc's own. */
export function finishAnkiMarkup(html: string): string {
  if (!html.includes('[') && !html.includes(ANKI_BRACKET)) return html;
  return html.replace(ANKI_MARKUP_IN_HTML, '&#91;').replaceAll(ANKI_BRACKET, '[');
}

const unclosedMessages = new Map<string, string>();
/** One message string per opener and closer, shared by every problem that reports it. */
function unclosedLatex(opener: string, closer: string): string {
  const key = `${opener}\u0000${closer}`;
  let message = unclosedMessages.get(key);
  if (message === undefined) {
    message = `Unexpected '${opener}' with no closing '${closer}', expected Anki LaTeX to end (kept as text)`;
    unclosedMessages.set(key, message);
  }
  return message;
}
