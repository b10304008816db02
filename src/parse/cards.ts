/**
 * The card state machine: walks the lines once, outside / question / answer, and assembles cards.
 *
 * - Each `:p` starts a card. Cards in one section (between `---` separators or `####` titles)
 *   share its title. A card's context is the text between the previous card (or the title) and
 *   its `:p`; a card with no text of its own there shares the section's latest context.
 * - An answer ends at `x??`, or (with a warning) at a closer misspelling, at a `??x` followed
 *   only by structure (a `??x` with more answer text after it is a stray and is left out), at the
 *   next `:p`, at `---` or `####` (unless an `x??` still follows before any `:p` or `??x`: then
 *   the rule or heading is part of the answer), or at the end of the file. Nothing after the
 *   answer's end is ever part of it, so no answer swallows the next card.
 * - A `??x` with no `:p` before it takes the paragraph before it as the question (often a
 *   misspelled prompt such as `: Why…?`), with a warning.
 * - Markers inside code fences are content, unless the fence is distrusted as runaway (see
 *   `distrusts` in fence-track.ts).
 * Every `:p` ends as a card or an error diagnostic at its line. Lookaheads use tables built in
 * one backward pass (lookahead.ts), so the whole pass is linear in the number of lines.
 *
 * This file is the loop; the state and the steps of a card's life are in assemble-state.ts, and
 * what a line means in each mode in handle-outside.ts, handle-question.ts and handle-answer.ts.
 */
import type { DiagnosticSink } from '../diagnostics/report.js';
import type { Card, FileMeta, Point } from '../validate/schema.js';
import { Assembler, type Mode } from './assemble-state.js';
import { type Dialect, detectDialect } from './dialect.js';
import { inFence, unclosedAtEnd } from './fence-track.js';
import { attach } from './fixes.js';
import { handleAnswer } from './handle-answer.js';
import { handleOrphan, handleOutside } from './handle-outside.js';
import { handleQuestion } from './handle-question.js';
import type { Line, Locator } from './lines.js';
import { findControlToken, type Marker } from './markers.js';

export interface Assembled {
  cards: Card[];
  /** The `:p` marker of each card, parallel to `cards`. */
  markers: Point[];
  /** How many `:p` questions were seen (cards plus those reported as errors). */
  questions: number;
  /** Which form the file is written in (see dialect.ts). */
  dialect: Dialect;
}

/** One handler per mode: true when the line is to be handled again, in the mode it set. */
const HANDLERS: Record<Mode, (s: Assembler, i: number, m: Marker | null) => boolean> = {
  outside: handleOutside,
  question: handleQuestion,
  answer: handleAnswer,
  orphan: handleOrphan,
};

export function assembleCards(
  text: string,
  lines: readonly Line[],
  firstLine: number,
  loc: Locator,
  meta: FileMeta,
  sink: DiagnosticSink,
): Assembled {
  const s = new Assembler(text, lines, firstLine, loc, meta, sink, detectDialect(lines, firstLine));
  for (let i = firstLine; i < lines.length; i++) {
    const m = s.ahead.marks[i] ?? null;
    if (s.fence && inFence(s, i, m)) continue;
    if (leaveOutControlToken(s, i)) continue;
    while (HANDLERS[s.mode](s, i, m));
  }
  endOfFile(s);
  s.dropDuplicateIds();
  return { cards: s.cards, markers: s.markers, questions: s.questions, dialect: s.dialect };
}

/**
 * A language-model control token at the end of line i is left out of whatever field the line
 * belongs to (the whole line when it is alone there); true when nothing else is left on the line.
 */
function leaveOutControlToken(s: Assembler, i: number): boolean {
  const line = s.lines[i]!;
  const token = findControlToken(line.text);
  if (!token) return false;
  const d = s.sink.report(
    'control-token',
    { start: s.loc.at(i, token[0]), end: s.loc.at(i, token[1]) },
    `Unexpected control token '${line.text.slice(token[0], token[1])}', expected text; it is left out`,
  );
  const alone = line.text.trim() === line.text.slice(token[0], token[1]);
  // The fix deletes what the parser leaves out: the line, or the token.
  attach(d, 'Delete the control token', [
    alone ? s.fixer.deleteLine(i) : s.fixer.onLine(i, token[0], token[1], ''),
  ]);
  if (alone) {
    s.holesFor().push([line.start, line.next]);
    return true;
  }
  s.holesFor().push([line.start + token[0], line.start + token[1]]);
  return false;
}

/** The end of the file ends the open fence, question or answer, and the last section. */
function endOfFile(s: Assembler) {
  const { text } = s;
  unclosedAtEnd(s);
  if (s.mode === 'question') {
    s.missingAnswer('Unexpected end of file', text.length);
  } else if (s.mode === 'answer' && s.card!.paragraph) {
    s.finishCard(text.length, null);
  } else if (s.mode === 'answer') {
    s.closeMissing(s.loc.point(text.length), 'end of file', text.length, null);
  } else if (s.mode === 'outside') {
    s.leftover(text.length);
  }
  s.endSection();
}
