/**
 * Limits on a field's Markdown structure, checked in one linear pass before remark sees the
 * field. micromark, mdast and hast are superlinear or recursive on some shapes (issue 15):
 * unmatched emphasis delimiters (`*a_ ` runs) and brackets are matched by scanning back over
 * every earlier one (quadratic in a paragraph), backtick runs by scanning ahead for a closer of
 * the same length, containers and HTML elements nest by recursion (`- `×1000 on one line or
 * `<b>`×3000 overflow the stack), and a table row is padded to the header's width (a
 * 4,000-column header makes every row 4,000 cells). A field beyond a limit is shown as escaped
 * text with a `markdown-limit` diagnostic where the limit was passed; no real card comes near one.
 */
import { proseRegions } from './math.js';
import { HTML_TAG_NAMES } from './sanitize.js';

/** The limits, documented in the README's list of rules. */
export const LIMITS = {
  /** Blocks inside blocks: `>` quotes and list items, on one line or by indentation. */
  nesting: 32,
  /** HTML elements open inside each other. */
  htmlDepth: 128,
  /** Cells of the tables of one field (rows × header columns). */
  tableCells: 10_000,
  /** Math spans and unpaired math delimiters of one field (each a token and a placeholder). */
  mathSpans: 5_000,
  /**
   * Inline matching work micromark will do, estimated (see `inlineWork`), allowed per field: a
   * fixed allowance plus this much per character, so that the work stays linear in the field.
   */
  workBase: 20_000,
  workPerChar: 25,
} as const;

export interface LimitExceeded {
  /** 0-based offset where the limit was passed. */
  offset: number;
  length: number;
  message: string;
}

const VOID = new Set(
  'area base br col embed hr img input link meta param source track wbr'.split(' '),
);

/** A container marker at the start of (what is left of) a line. */
const CONTAINER = /[ \t]*(?:>|[-+*](?:[ \t]+|$)|\d{1,9}[.)](?:[ \t]+|$))/y;
/** A GFM table delimiter row. */
const DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const TAG = /<(\/?)([A-Za-z][A-Za-z0-9-]*)(?:[^<>]*?)(\/?)>/g;

const count = (n: number) => n.toLocaleString('en-US');

/** Cells of a table row: its unescaped pipes, edge pipes aside (an estimate is enough here). */
function columns(line: string): number {
  const trimmed = line.trim().replace(/^\||\|$/g, '');
  let n = 1;
  for (let i = 0; i < trimmed.length; i++) {
    if (trimmed[i] === '\\') i++;
    else if (trimmed[i] === '|') n++;
  }
  return n;
}

/**
 * The first limit the field passes, or null. Linear in the field's length. Code fences are left
 * out (their text is never parsed as Markdown).
 */
export function checkLimits(text: string): LimitExceeded | null {
  for (const [start, end] of proseRegions(text)) {
    const exceeded = checkRegion(text, start, end);
    if (exceeded) return exceeded;
  }
  return null;
}

function checkRegion(text: string, start: number, stop: number): LimitExceeded | null {
  let tableCells = 0;
  let tableColumns = 0;
  let previous = '';
  let offset = start;
  let work = 0;
  let paragraph = start;
  while (offset < stop) {
    let end = text.indexOf('\n', offset);
    if (end === -1 || end > stop) end = stop;
    const line = text.slice(offset, end);
    if (line.trim() === '') {
      work += inlineWork(text, paragraph, offset);
      paragraph = end + 1;
      tableColumns = 0;
    } else {
      // Containers: chained on the line, and nested by indentation (about 2 columns a level).
      let depth = 0;
      CONTAINER.lastIndex = 0;
      while (depth <= LIMITS.nesting && CONTAINER.test(line)) depth++;
      if (depth > 0 || line.trimStart().startsWith('#')) {
        // A list item, quote or heading starts a paragraph of its own.
        work += inlineWork(text, paragraph, offset);
        paragraph = offset;
      }
      const indent = /^[ \t]*/.exec(line)![0].length;
      if (depth > LIMITS.nesting || (depth > 0 && indent / 2 > LIMITS.nesting)) {
        return {
          offset,
          length: line.length,
          message: `Unexpected blocks nested more than ${LIMITS.nesting} deep, expected at most ${LIMITS.nesting} ('>' quotes and list items)`,
        };
      }
      if (tableColumns > 0) tableCells += tableColumns;
      else if (DELIMITER_ROW.test(line) && previous.includes('|')) {
        tableColumns = columns(previous);
        tableCells += 2 * tableColumns;
      }
      if (tableCells > LIMITS.tableCells) {
        return {
          offset,
          length: line.length,
          message: `Unexpected tables of more than ${count(LIMITS.tableCells)} cells in one field, expected at most ${count(LIMITS.tableCells)} (rows × header columns)`,
        };
      }
      if (tableColumns > 0) {
        // micromark reads each cell's inline content apart: a row is a paragraph of its own.
        work += inlineWork(text, paragraph, end);
        paragraph = end + 1;
      }
    }
    previous = line;
    offset = end + 1;
  }
  work += inlineWork(text, paragraph, stop);
  const budget = LIMITS.workBase + LIMITS.workPerChar * (stop - start);
  if (work > budget) {
    return {
      offset: start,
      length: 0,
      message: `Unexpected inline Markdown that would take ${count(work)} matching steps, expected at most ${count(budget)} for its length (unmatched '*', '_', '[', ']' or backtick runs)`,
    };
  }
  return checkHtmlDepth(text, start, stop);
}

/**
 * The steps micromark takes to match the inline delimiters of one paragraph [from, to), as it
 * takes them: a closing `*`/`_` run looks back over every earlier run until an opener of its kind
 * (without one, back to the paragraph's start); a `]` looks back over the open `[`; an opening
 * backtick run looks ahead to the next run of its length (without one, to the paragraph's end).
 * Matched delimiters are cheap, unmatched ones are what is quadratic. Linear itself.
 */
export function inlineWork(text: string, from: number, to: number): number {
  let work = 0;
  let runs = 0;
  let labels = 0;
  let escapes = 0;
  /** Backtick runs of the paragraph ([start, length]), and their indices by length. */
  const tickRuns: Array<[number, number]> = [];
  const ticks = new Map<number, number[]>();
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '\\') {
      // GFM's tokenizers are superlinear in escapes (`\\( a ` repeated): a quarter step each.
      escapes++;
      work += 1 + (escapes >> 2);
      i++;
      continue;
    }
    if (c === '*' || c === '_') {
      const start = i;
      while (text[i + 1] === c) i++;
      const before = text[start - 1] ?? ' ';
      const after = text[i + 1] ?? ' ';
      const space = (x: string) => /\s/.test(x);
      const closes = !space(before) && (c === '*' || space(after) || /\p{P}/u.test(after));
      const opens = !space(after) && (c === '*' || space(before) || /\p{P}/u.test(before));
      runs++;
      // Every closer may walk back to the paragraph's start, and every match splices micromark's
      // event list: a run costs every run before it, matched or not.
      if (closes || opens) work += runs;
    } else if (c === '[' || c === ']') {
      // Label starts and ends (GFM's footnotes and links) cost the labels before them.
      labels++;
      work += 1 + (labels >> 2);
    } else if (c === '`') {
      let n = 1;
      while (text[i + n] === '`') n++;
      const list = ticks.get(n);
      if (list) list.push(tickRuns.length);
      else ticks.set(n, [tickRuns.length]);
      tickRuns.push([i, n]);
      i += n - 1;
    }
  }
  // Backticks: each opener scans to the next run of its length; a pair is a code span, and the
  // runs inside it are its content.
  const seen = new Map<number, number>();
  for (let k = 0; k < tickRuns.length; ) {
    const [at, n] = tickRuns[k]!;
    const list = ticks.get(n)!;
    let p = seen.get(n) ?? 0;
    while (p < list.length && list[p]! <= k) p++;
    seen.set(n, p);
    const closer = list[p];
    if (closer === undefined) {
      work += to - at;
      k++;
    } else {
      work += tickRuns[closer]![0] - at;
      k = closer + 1;
    }
  }
  return work;
}

function checkHtmlDepth(text: string, start: number, stop: number): LimitExceeded | null {
  const region = text.slice(start, stop);
  if (!region.includes('<')) return null;
  let depth = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(region); m; m = TAG.exec(region)) {
    const name = m[2]!.toLowerCase();
    if (!HTML_TAG_NAMES.has(name) || VOID.has(name) || m[3]) continue;
    depth = m[1] ? Math.max(0, depth - 1) : depth + 1;
    if (depth > LIMITS.htmlDepth) {
      return {
        offset: start + m.index,
        length: m[0].length,
        message: `Unexpected HTML elements nested more than ${LIMITS.htmlDepth} deep, expected at most ${LIMITS.htmlDepth}`,
      };
    }
  }
  return null;
}
