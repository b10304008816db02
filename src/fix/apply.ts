/**
 * Applies the fixes the parser attaches to its diagnostics (`Diagnostic.fix`) to one source text,
 * to a fixpoint, keeping the cards. Pure: text in, text out.
 *
 * A pass parses the text, takes every fix whose edits overlap no fix taken before it (in source
 * order) and applies them at once; the next pass parses the result, which may offer fixes that
 * waited (a closer inserted after its glued terminator moved away). The invariant, checked after
 * every pass: the text parses to the same cards as the original — meta, and each card's title,
 * context, question, answer and id — so the same deck, tags and GUIDs. A pass that would break it
 * is retried fix by fix, and a fix that breaks it alone is dropped (`rejected`), never applied.
 * Every byte outside the edits is kept: the BOM, line endings, trailing spaces, front matter.
 */
import { parseFile } from '../parse/parse-file.js';
import type { Diagnostic } from '../validate/schema.js';

export type Fix = NonNullable<Diagnostic['fix']>;

export interface FixTextResult {
  /** The fixed text (the input itself when nothing applied). */
  text: string;
  /** Fixes applied, by rule. */
  applied: Record<string, number>;
  /**
   * Fixes left in the fixed text, by rule: each would change a card there (or overlaps one
   * that would), so none is applied.
   */
  rejected: Record<string, number>;
  /** Diagnostics of the fixed text (what a build would report on the file). */
  diagnostics: Diagnostic[];
}

/** Passes before giving up; real files settle in two or three. */
const MAX_PASSES = 20;

/** A text's cards as a string (equal strings, equal cards) and its diagnostics. */
function analyse(text: string, path: string): { cards: string; diagnostics: Diagnostic[] } {
  const { file, diagnostics } = parseFile(text, path);
  const cards = JSON.stringify([
    file.meta,
    file.children.map((c) => [
      c.title?.value ?? null,
      c.context?.value ?? null,
      c.question.value,
      c.answer.value,
      c.id,
    ]),
  ]);
  return { cards, diagnostics };
}

/** Applies every fix of `text` (a decoded source, BOM included or not) that keeps its cards. */
export function fixText(source: string, path: string): FixTextResult {
  const bom = source.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  let text = bom ? source.slice(1) : source;
  const applied: Record<string, number> = {};
  let current = analyse(text, path);
  const want = current.cards;
  /** The analysis of `candidate` when it keeps the cards, else null. */
  const keeps = (candidate: string) => {
    const a = analyse(candidate, path);
    return a.cards === want ? a : null;
  };
  const dropped = new Set<string>();

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const fixable = current.diagnostics.filter((d) => d.fix && !dropped.has(fixKey(d)));
    if (fixable.length === 0) break;
    let taken = disjoint(text, fixable);
    let next = applyFixes(
      text,
      taken.map((d) => d.fix!),
    );
    let after = keeps(next);
    if (!after) {
      // Find the fixes that keep the cards on their own, then take them together, or the first.
      const alone = taken.filter((d) => keeps(applyFixes(text, [d.fix!])));
      for (const d of taken) if (!alone.includes(d)) dropped.add(fixKey(d));
      taken = alone;
      if (taken.length === 0) continue;
      next = applyFixes(
        text,
        taken.map((d) => d.fix!),
      );
      after = keeps(next);
      if (!after) {
        taken = taken.slice(0, 1);
        next = applyFixes(text, [taken[0]!.fix!]);
        after = keeps(next)!;
      }
    }
    for (const d of taken) applied[d.rule] = (applied[d.rule] ?? 0) + 1;
    text = next;
    current = after;
    // A dropped fix names places of the old text; in the new one it is judged afresh.
    dropped.clear();
  }
  const rejected: Record<string, number> = {};
  for (const d of current.diagnostics) if (d.fix) rejected[d.rule] = (rejected[d.rule] ?? 0) + 1;
  return { text: bom + text, applied, rejected, diagnostics: current.diagnostics };
}

/** Whether applying `fixes` (non-overlapping, on `text`) leaves the same cards. */
export function keepsCards(text: string, path: string, fixes: readonly Fix[]): boolean {
  return analyse(applyFixes(text, fixes), path).cards === analyse(text, path).cards;
}

/** A fix's identity within one text (its rule and edits). */
const fixKey = (d: Diagnostic) => `${d.rule}\u0000${JSON.stringify(d.fix)}`;

type Range = [start: number, end: number];

/** Line starts of `text`, as the parser splits lines (LF, CRLF, lone CR). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (c === 10 || c === 13) starts.push(i + 1);
  }
  return starts;
}

/** Offset of a 1-based line and UTF-16 column; a line past the last is the end of the text. */
function offsetOf(starts: readonly number[], text: string, line: number, column: number): number {
  const start = starts[line - 1];
  if (start === undefined) return text.length;
  return Math.min(start + column - 1, text.length);
}

function rangesOf(starts: readonly number[], text: string, fix: Fix): Range[] {
  return fix.edits.map((e) => [
    offsetOf(starts, text, e.line, e.column),
    offsetOf(starts, text, e.endLine, e.endColumn),
  ]);
}

/** Two ranges overlap when they share a character, or are both insertions at one place. */
const overlaps = ([s, e]: Range, [t, f]: Range) =>
  (s < f && t < e) || (s === e && t === f && s === t);

/** The diagnostics whose fixes, in source order, overlap no fix before them. */
export function disjoint(text: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const starts = lineStarts(text);
  const withRanges = diagnostics
    .map((d) => ({ d, ranges: rangesOf(starts, text, d.fix!) }))
    .sort(
      (a, b) => Math.min(...a.ranges.map((r) => r[0])) - Math.min(...b.ranges.map((r) => r[0])),
    );
  const taken: Range[] = [];
  const out: Diagnostic[] = [];
  for (const { d, ranges } of withRanges) {
    if (ranges.some((r) => taken.some((t) => overlaps(r, t)))) continue;
    taken.push(...ranges);
    out.push(d);
  }
  return out;
}

/** Applies non-overlapping fixes to `text` (positions refer to `text`). */
export function applyFixes(text: string, fixes: readonly Fix[]): string {
  const starts = lineStarts(text);
  const edits = fixes
    .flatMap((fix) =>
      fix.edits.map((e, k) => ({ range: rangesOf(starts, text, fix)[k]!, text: e.text })),
    )
    // From the end backwards; at one start, the longer edit first, so an insertion lands before it.
    .sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1]);
  let out = text;
  for (const { range, text: replacement } of edits)
    out = out.slice(0, range[0]) + replacement + out.slice(range[1]);
  return out;
}
