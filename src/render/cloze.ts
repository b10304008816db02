/**
 * Anki cloze markup (`{{c1::hidden}}`, `{{c1::hidden::hint}}`) in a card's question and answer.
 *
 * Anki finds clozes in a field's finished HTML with one regular expression, anywhere in the text:
 * `{{c(\d+)::(.*?)(::(.*?))?}}`, case-insensitive, the first `}}` closing (Anki 2.1.15
 * `anki/template/template.py` clozeReg and `clozeText`; `rslib/src/cloze.rs` before 2.1.56 the
 * same, later a tokenizer that also nests). So deckc reads the markup on the Markdown source,
 * where it can report a malformed cloze at its place, and then makes the HTML say exactly that:
 *
 * - `scanClozes` (before remark, on the text with math swapped for placeholders, see math.ts):
 *   the clozes outside code and raw HTML tags, their numbers, the math spans inside a cloze, and
 *   the malformed markers (`{{c0::`, `{{cx::`, an unclosed `{{c1::`, a cloze inside a cloze, an
 *   empty `{{c1::}}`), each a `cloze-markup` error at its offset. The renderer disarms those
 *   markers with DISARMED_OPEN / DISARMED_CLOSE (same length: offsets hold), so no card shows
 *   Anki's garbled reading of them.
 * - `splitTexBraces`: Anki's `}}` trap. A `}}` in TeX inside a cloze would close the cloze
 *   (`{{c1::$\frac{1}{x_{2}}$}}`), so it is split into `} }` as Anki's own editor does when it
 *   wraps MathJax in a cloze; TeX reads both the same.
 * - `finishClozes` (on the field's finished HTML): markup Anki would read in code, in `<pre>` or
 *   inside a tag (an attribute value) is written as character references (`{&#123;`, `}&#125;`,
 *   `:&#58;`), which show the same text and which Anki's regular expression does not match;
 *   the disarmed markers become references too.
 *
 * Markdown itself never touches the markup: `{`, `}`, `c`, digits and `:` mean nothing to
 * CommonMark or GFM, so the markers reach the HTML as written and what is inside a cloze is
 * rendered and sanitized like any other Markdown.
 */
import { PLACEHOLDER_CLOSE, PLACEHOLDER_OPEN, proseRegions } from './math.js';

/** Stands for the second `{` of a disarmed opener until the field's HTML is finished. */
export const DISARMED_OPEN = '\uE003';
/** Stands for the second `}` of a disarmed closer until the field's HTML is finished. */
export const DISARMED_CLOSE = '\uE004';

/** A malformed piece of cloze markup, at a 0-based offset of the scanned text. */
export interface ClozeProblem {
  offset: number;
  length: number;
  message: string;
}

export interface ClozeScan {
  /** The numbers of the well-formed clozes (math spans included), ascending, each once. */
  numbers: number[];
  /** Indexes of the math placeholders that lie inside a cloze (their `}}` must be split). */
  mathInCloze: Set<number>;
  problems: ClozeProblem[];
  /** Offsets of the second character of each marker to disarm (`{` of `{{`, `}` of `}}`). */
  disarm: number[];
}

/** Whether a field could hold cloze markup at all (a cheap test before scanning it). */
export const CLOZE_CANDIDATE = /\{\{c/i;

/** A well-formed opener: `{{c` (either case, as Anki reads it), a number, `::`. */
const OPENER = /\{\{c(\d+)::/iy;
/** Anything else shaped like an opener: `{{c0::`, `{{cx::`, `{{c::`. */
const BAD_OPENER = /\{\{c([^\s:{}]{0,20})::/iy;
/** A raw HTML tag, comment or declaration in Markdown (not `a < b`). */
const TAG = /<[A-Za-z/!?][^>\n]*>/y;
/** Clozes inside TeX (Anki hides them too, `_removeFormattingFromMathjax`). */
const CLOZE_IN_TEX = /\{\{c(\d+)::[\s\S]+?\}\}/gi;

interface Frame {
  start: number;
  length: number;
  number: number;
  /** A malformed or nested opener: its closer is disarmed with it. */
  bad: boolean;
  contentStart: number;
}

/**
 * Finds the cloze markup of `text` (a field's Markdown after tokenizeMath: math spans are
 * placeholders, `tex` gives each one's TeX), outside fenced code, backtick code spans and raw
 * HTML tags.
 */
export function scanClozes(text: string, tex: readonly string[] = []): ClozeScan {
  const numbers = new Set<number>();
  const scan: ClozeScan = { numbers: [], mathInCloze: new Set(), problems: [], disarm: [] };
  if (!CLOZE_CANDIDATE.test(text) && !tex.some((t) => CLOZE_CANDIDATE.test(t))) return scan;
  const stack: Frame[] = [];
  const problem = (offset: number, length: number, message: string) =>
    scan.problems.push({ offset, length, message });
  for (const [start, end] of proseRegions(text)) {
    let i = start;
    while (i < end) {
      const c = text[i];
      if (c === '`') {
        i = skipCodeSpan(text, i, end);
        continue;
      }
      if (c === '<') {
        TAG.lastIndex = i;
        const tag = TAG.exec(text);
        i = tag && tag.index + tag[0].length <= end ? i + tag[0].length : i + 1;
        continue;
      }
      if (c === PLACEHOLDER_OPEN) {
        const close = text.indexOf(PLACEHOLDER_CLOSE, i);
        const index = Number(text.slice(i + 1, close));
        if (stack.some((f) => !f.bad)) scan.mathInCloze.add(index);
        i = close + 1;
        continue;
      }
      if (c === '{' && text[i + 1] === '{') {
        OPENER.lastIndex = i;
        BAD_OPENER.lastIndex = i;
        const good = OPENER.exec(text);
        const number = good ? Number(good[1]) : 0;
        const marker = good ?? BAD_OPENER.exec(text);
        if (marker) {
          const length = marker[0].length;
          const shown = marker[0];
          let bad = true;
          if (!good || number < 1) {
            problem(
              i,
              length,
              `Unexpected cloze number '${marker[1]}' in '${shown}', expected a number from 1 ('{{c1::…}}')`,
            );
          } else if (stack.length > 0) {
            problem(
              i,
              length,
              `Unexpected cloze '${shown}' inside another cloze, expected clozes side by side (Anki before 2.1.56 cannot nest them)`,
            );
          } else bad = false;
          if (bad) scan.disarm.push(i + 1);
          stack.push({ start: i, length, number, bad, contentStart: i + length });
          i += length;
          continue;
        }
      }
      if (c === '}' && text[i + 1] === '}' && stack.length > 0) {
        const frame = stack.pop()!;
        if (frame.bad) scan.disarm.push(i + 1);
        else if (text.slice(frame.contentStart, i).trim() === '') {
          problem(
            frame.start,
            i + 2 - frame.start,
            `Unexpected empty cloze '${text.slice(frame.start, i + 2)}', expected the text to hide`,
          );
          scan.disarm.push(frame.start + 1, i + 1);
        } else numbers.add(frame.number);
        i += 2;
        continue;
      }
      i++;
    }
  }
  for (const frame of stack) {
    problem(
      frame.start,
      frame.length,
      `Unexpected '${text.slice(frame.start, frame.start + frame.length)}' with no closing '}}', expected the cloze to end`,
    );
    if (!frame.bad) scan.disarm.push(frame.start + 1);
  }
  for (const t of tex) {
    for (const m of t.matchAll(CLOZE_IN_TEX)) if (Number(m[1]) >= 1) numbers.add(Number(m[1]));
  }
  scan.numbers = [...numbers].sort((a, b) => a - b);
  scan.disarm.sort((a, b) => a - b);
  return scan;
}

/** The end of a backtick code span opened at `i` (as math.ts pairs them: within a paragraph). */
function skipCodeSpan(text: string, i: number, end: number): number {
  let n = 1;
  while (text[i + n] === '`') n++;
  const run = '`'.repeat(n);
  const paragraph = /\n[ \t]*(?:\r?\n|$)/g;
  paragraph.lastIndex = i;
  const limit = Math.min(paragraph.exec(text)?.index ?? end, end);
  for (let j = text.indexOf(run, i + n); j !== -1 && j < limit; j = text.indexOf(run, j + 1)) {
    let m = n;
    while (text[j + m] === '`') m++;
    if (m === n && text[j - 1] !== '`') return j + n;
    j += m - 1;
  }
  return i + n;
}

/** Replaces the characters at `offsets` (sorted) with their disarmed stand-ins. */
export function applyDisarm(text: string, offsets: readonly number[]): string {
  if (offsets.length === 0) return text;
  let out = '';
  let last = 0;
  for (const at of offsets) {
    out += text.slice(last, at) + (text[at] === '{' ? DISARMED_OPEN : DISARMED_CLOSE);
    last = at + 1;
  }
  return out + text.slice(last);
}

/** Anki's `}}` trap: every `}` followed by `}` in TeX inside a cloze gets a space after it. */
export const splitTexBraces = (tex: string): string => tex.replace(/\}(?=\})/g, '} ');

/** A tag of finished HTML (quoted attribute values may hold `>`). */
const HTML_TAG = /<(?:[^>"']|"[^"]*"|'[^']*')*>/g;
const CODE_TAG = /^<\/?(code|pre)[\s>]/i;
/** What Anki's cloze expression would read in code or in a tag. */
const INERT = /\{\{|\}\}|::/g;
const inert = (s: string) =>
  s.replace(INERT, (m) => (m === '{{' ? '{&#123;' : m === '}}' ? '}&#125;' : ':&#58;'));

/**
 * A cloze card's finished field HTML as Anki must read it: markup in code, `<pre>` and tags made
 * inert, the disarmed markers written as `&#123;` / `&#125;`.
 */
export function finishClozes(html: string): string {
  let out = '';
  let last = 0;
  let code = 0;
  for (const m of html.matchAll(HTML_TAG)) {
    const text = html.slice(last, m.index);
    out += code > 0 ? inert(text) : text;
    const tag = m[0];
    const name = CODE_TAG.exec(tag);
    if (name) code = Math.max(0, code + (tag[1] === '/' ? -1 : 1));
    out += inert(tag);
    last = m.index + tag.length;
  }
  const rest = html.slice(last);
  out += code > 0 ? inert(rest) : rest;
  return out.replaceAll(DISARMED_OPEN, '&#123;').replaceAll(DISARMED_CLOSE, '&#125;');
}

/** A MathJax span in field HTML (cloze.rs MATHJAX). */
const MATHJAX = /\\[([][\s\S]*?\\[\])]/g;

/** Anki's cloze expression (template.py clozeReg; rslib cloze.rs CLOZE). */
const CLOZE = /\{\{(c)(\d+)::([\s\S]*?)(?:::([\s\S]*?))?\}\}/gi;

/**
 * The cloze numbers of a field's HTML, as Anki generates cards for them (one per number; rslib
 * `cloze_numbers_in_string`, 2.1.15 `_availClozeOrds` with `.+?`): ascending, each once.
 */
export function clozeNumbers(html: string): number[] {
  const numbers = new Set<number>();
  for (const m of html.matchAll(CLOZE)) {
    const n = Number(m[2]);
    if (n >= 1 && m[3] !== '') numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b);
}

/**
 * What Anki's `{{cloze:Field}}` shows on card `number` (template.py `clozeText`, cloze.rs
 * `reveal_cloze_text`): that cloze as `[...]` (or `[hint]`) on the question side and as its
 * text on the answer side, in `<span class=cloze>`; the other clozes as their text; nothing when
 * the field has no cloze of that number.
 */
export function revealCloze(html: string, number: number, question: boolean): string {
  let found = false;
  // A cloze inside MathJax gets no <span> (it would break the TeX): template.py
  // _removeFormattingFromMathjax writes its `c` as `C`.
  const text = html.includes('\\')
    ? html.replace(MATHJAX, (span) => span.replace(/\{\{c(?=\d+::)/g, '{{C'))
    : html;
  const out = text.replace(CLOZE, (_all, c: string, n: string, text: string, hint?: string) => {
    if (Number(n) !== number) return text;
    found = true;
    const shown = question ? `[${hint ?? '...'}]` : text;
    // Uppercase `C`: no formatting (Anki writes it for clozes inside MathJax).
    return c === 'c' ? `<span class=cloze>${shown}</span>` : shown;
  });
  return found ? out : '';
}
