/**
 * Marker recognition on one line of text, without context: which card marker a line carries,
 * where it sits, and how it strays from the clean form (misspelled, spaced, glued to text, text
 * after it). The card state machine decides what a marker means where it appears.
 */

export type MarkerKind =
  /** `:p` question marker. */
  | 'question'
  /** `??x` and misspellings whose `x` is on the right (`???x`). */
  | 'open'
  /** `x??` and misspellings whose `x` is on the left (`x?`, `:x?`, `:x??`, `x???`). */
  | 'close'
  /** `??`, `???`, `????`: an opener or a closer depending on where it appears. */
  | 'either'
  /** `#### Title` (exactly four hashes). */
  | 'heading'
  /** `---` section separator. */
  | 'separator'
  // The format author's second dialect (dialect.ts), recognised only in files that use it:
  /** `?p: <prompt>` or `p: <prompt>`: a one-line prompt. */
  | 'prompt'
  /** `?x` alone on a line: opens an answer that runs to the next blank line. */
  | 'short'
  /** `## Title` or `### Title`: a header, like `####`. */
  | 'header'
  /** `:d <text>`: the shared context (or prompt) of the `term::answer` lines after it. */
  | 'group';

export interface Marker {
  kind: MarkerKind;
  /** 0-based index in the line text where the marker starts. */
  start: number;
  /** Index just past the marker. */
  end: number;
  /** The marker as written, for messages. */
  spelling: string;
  /** Text stands before the marker on the same line (`…$$x??`). */
  glued: boolean;
  /** Index where non-blank text after the marker starts, or -1 when there is none. */
  rest: number;
  /** A whole-line marker with leading or trailing whitespace. */
  spaced: boolean;
  /** A heading with no space after its hashes (`####$\epsilon$`). */
  tight: boolean;
}

export const OPEN = '??x';
export const CLOSE = 'x??';

const SEPARATOR = /^ {0,3}---[ \t]*$/;
const OPEN_RE = /^\?{2,4}x$/;
const CLOSE_RE = /^:?x\?{1,3}$/;
const EITHER_RE = /^\?{2,4}$/;
/** A marker word at the start of a trimmed line, followed by text (`??x The answer…`). */
const LEAD_RE = /^(\?{2,3}x|:?x\?\?)[ \t]+\S/;
const HEADING_RE = /^[ \t]{0,3}####(?!#)/;
/** Glued at the end of a text line: the character before must not be a letter or digit. */
const GLUED_END_RE = /(^|[^\p{L}\p{N}_])(\?{2,4}x|:?x\?{2,3})[ \t]*$/u;
const GLUED_QUESTION_RE = /[^\s\p{L}\p{N}_`]:p(?=[ \t]|$)/u;
const GLUED_SEPARATOR_RE = /\$---[ \t]*$/;
const GLUED_HEADING_RE = /[^\s\p{L}\p{N}_#`]####[ \t]+\S/u;

function wordKind(word: string): MarkerKind | null {
  if (OPEN_RE.test(word)) return 'open';
  if (CLOSE_RE.test(word)) return 'close';
  if (EITHER_RE.test(word)) return 'either';
  return null;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Recognises the card marker a line carries, if any. */
export function classifyLine(text: string): Marker | null {
  // Fast path: most lines are prose and start with a letter.
  let lead = 0;
  while (lead < text.length && isSpace(text.charCodeAt(lead))) lead++;
  if (lead === text.length) return null;
  let tail = text.length;
  while (isSpace(text.charCodeAt(tail - 1))) tail--;
  const spaced = lead > 0 || tail < text.length;
  const first = text.charCodeAt(lead);

  if (first === 45 /* - */ && SEPARATOR.test(text)) {
    return marker('separator', lead, tail, '---', false, -1, false, false);
  }
  if (first === 58 /* : */ && text.charCodeAt(lead + 1) === 112 /* p */) {
    const after = lead + 2;
    if (after === text.length || isSpace(text.charCodeAt(after))) {
      let rest = after;
      while (rest < tail && isSpace(text.charCodeAt(rest))) rest++;
      return marker('question', lead, after, ':p', false, rest < tail ? rest : -1, lead > 0, false);
    }
  }
  if (first === 63 /* ? */ || first === 120 /* x */ || first === 58 /* : */) {
    const word = text.slice(lead, tail);
    const kind = wordKind(word);
    if (kind) return marker(kind, lead, tail, word, false, -1, spaced, false);
    // `??$42.00`: a short opener with the answer glued right after it.
    if (/^\?\?[^?x\s]/.test(word)) {
      return marker('either', lead, lead + 2, '??', false, lead + 2, lead > 0, false);
    }
    const m = LEAD_RE.exec(word);
    if (m) {
      const w = m[1]!;
      const k = wordKind(w)!;
      let rest = lead + w.length;
      while (isSpace(text.charCodeAt(rest))) rest++;
      return marker(k, lead, lead + w.length, w, false, rest, lead > 0, false);
    }
  }
  if (first === 35 /* # */ && HEADING_RE.test(text)) {
    const hashes = lead + 4;
    let rest = hashes;
    while (rest < tail && isSpace(text.charCodeAt(rest))) rest++;
    const tight = hashes < tail && !isSpace(text.charCodeAt(hashes));
    return marker('heading', lead, hashes, '####', false, rest < tail ? rest : -1, false, tight);
  }
  return classifyGlued(text);
}

const PROMPT_RE = /^([ \t]*)(\?p:|p:(?=[ \t]|$))[ \t]*/;
const SHORT_RE = /^([ \t]*)\?x[ \t]*$/;
const HEADER_RE = /^( {0,3})(#{2,3})[ \t]+(?=\S)/;
const GROUP_RE = /^([ \t]*):d[ \t]+(?=\S)/;

/**
 * The marker of the second dialect a line carries, if any (`classifyLine` first: a line that is
 * a marker of the main form is never one of these).
 */
export function classifyDialectLine(text: string): Marker | null {
  const c = text.charCodeAt(text.search(/\S/));
  if (c === 63 /* ? */ || c === 112 /* p */) {
    const p = PROMPT_RE.exec(text);
    if (p) {
      const start = p[1]!.length;
      const rest = p[0].length < text.trimEnd().length ? p[0].length : -1;
      return marker('prompt', start, start + p[2]!.length, p[2]!, false, rest, start > 0, false);
    }
    const x = SHORT_RE.exec(text);
    if (x) {
      const start = x[1]!.length;
      const spaced = start > 0 || text.length > start + 2;
      return marker('short', start, start + 2, '?x', false, -1, spaced, false);
    }
  } else if (c === 35 /* # */) {
    const h = HEADER_RE.exec(text);
    if (h) {
      const start = h[1]!.length;
      return marker('header', start, start + h[2]!.length, h[2]!, false, h[0].length, false, false);
    }
  } else if (c === 58 /* : */) {
    const g = GROUP_RE.exec(text);
    if (g) {
      const start = g[1]!.length;
      return marker('group', start, start + 2, ':d', false, g[0].length, start > 0, false);
    }
  }
  return null;
}

/** An answer marker glued to the end of a text line (`…$$x??`, `…?$$??x`), or null. */
export function gluedEnd(text: string): Marker | null {
  const tail = text.trimEnd().length;
  // A cheap pre-check keeps the regex off ordinary prose.
  const last = text.charCodeAt(tail - 1);
  if (last !== 63 /* ? */ && last !== 120 /* x */) return null;
  const m = GLUED_END_RE.exec(text.slice(0, tail));
  if (!m) return null;
  const w = m[2]!;
  const start = m.index + m[1]!.length;
  if (text.slice(0, start).trim() === '') return null;
  return marker(wordKind(w)!, start, start + w.length, w, true, -1, false, false);
}

/** A marker glued to the end of a text line, or a `:p` / `####` glued after text. */
function classifyGlued(text: string): Marker | null {
  const end = gluedEnd(text);
  if (end) return end;
  const question = gluedQuestion(text, 0);
  if (question) return question;
  // `$$…$$---`: a separator glued to display math.
  const rule = GLUED_SEPARATOR_RE.exec(text);
  if (rule)
    return marker('separator', rule.index + 1, rule.index + 4, '---', true, -1, false, false);
  if (text.includes('####')) {
    const m = GLUED_HEADING_RE.exec(text);
    if (m) {
      const start = m.index + 1;
      let rest = start + 4;
      while (isSpace(text.charCodeAt(rest))) rest++;
      return marker('heading', start, start + 4, '####', true, rest, false, false);
    }
  }
  return null;
}

/** A `:p` glued after text from index `from` on (`#### Title $:p Why…?`), as a question marker. */
export function gluedQuestion(text: string, from: number): Marker | null {
  if (!text.includes(':p', from)) return null;
  const m = GLUED_QUESTION_RE.exec(text.slice(from));
  if (!m) return null;
  const start = from + m.index + 1;
  const tail = text.trimEnd().length;
  let rest = start + 2;
  while (rest < tail && isSpace(text.charCodeAt(rest))) rest++;
  return marker('question', start, start + 2, ':p', true, rest < tail ? rest : -1, false, false);
}

function marker(
  kind: MarkerKind,
  start: number,
  end: number,
  spelling: string,
  glued: boolean,
  rest: number,
  spaced: boolean,
  tight: boolean,
): Marker {
  return { kind, start, end, spelling, glued, rest, spaced, tight };
}

/** Language-model control tokens that leaked into the text. */
const CONTROL_RE =
  /\[(?:END_OF_TEXT|END_OF_TURN|EOS|EOT|\/?INST)\]|<\|(?:endoftext|end_of_text|im_start|im_end|eot_id|end|start_header_id|end_header_id|assistant|user|system)\|>/;

/**
 * A control token that ends the line, alone or right after the end of a sentence, as [start,
 * end) indices, or null. Tokens inside prose (`the [EOS] token marks…`) are text: books about
 * language models discuss them.
 */
export function findControlToken(text: string): [number, number] | null {
  if (!text.includes('[') && !text.includes('<|')) return null;
  const m = CONTROL_RE.exec(text);
  if (!m) return null;
  const end = m.index + m[0].length;
  if (text.slice(end).trim() !== '') return null;
  const before = text.slice(0, m.index).trimEnd();
  if (before !== '' && !/[.!?)\]*_`]$/.test(before)) return null;
  return [m.index, end];
}

export interface ExplicitId {
  /** Index in the line text of `{`. */
  start: number;
  /** Index just past `}`. */
  end: number;
  id: string;
  valid: boolean;
}

const ID_RE = /[ \t]*\{#([^{}]*)\}[ \t]*$/;
const ID_CHARS = /^[A-Za-z0-9_-]+$/;

/** An explicit card id `{#some-id}` at the end of `text` (from index `from`), or null. */
export function findExplicitId(text: string, from: number): ExplicitId | null {
  if (!text.includes('{#')) return null;
  const m = ID_RE.exec(text.slice(from));
  if (!m) return null;
  const start = from + m.index + m[0].indexOf('{');
  return {
    start,
    end: start + m[1]!.length + 3,
    id: m[1]!,
    valid: ID_CHARS.test(m[1]!),
  };
}
