/**
 * Lines outside any card: metadata, context text, separators and titles that end sections, a
 * `:p` that starts a question, and the recoveries for answer markers with no question (an
 * opener whose question is the paragraph before it, a closer with nothing open). Also the
 * `orphan` mode: an answer left out, skipped up to its end.
 */
import type { Assembler } from './assemble-state.js';
import { quote } from './assemble-state.js';
import { trackFence } from './fence-track.js';
import { type Hole, makeField } from './fields.js';
import { attach } from './fixes.js';
import {
  headerCanPrompt,
  headerPrompted,
  shortAnswer,
  startGroup,
  termCard,
} from './handle-dialect.js';
import { gluedQuestion, type Marker, OPEN } from './markers.js';
import { isRatingLine, readChapter, readTitle } from './meta.js';

/** Handles line i outside a card; true when the line is to be handled again in the new mode. */
export function handleOutside(s: Assembler, i: number, m: Marker | null): boolean {
  const line = s.lines[i]!;
  if (m === null) {
    if (s.preamble && s.meta.title === null && readTitle(line.text, s.meta)) {
      s.ctxHoles.push([line.start, line.next]);
    } else if (readChapter(line.text, s.meta) || isRatingLine(line.text)) {
      s.ctxHoles.push([line.start, line.next]);
    } else if (!(s.terms && termCard(s, i))) {
      trackFence(s, i, 0);
    }
    return false;
  }
  switch (m.kind) {
    case 'separator':
      if (m.glued) s.gluedSeparator(i, m);
      s.leftover(line.start + m.start);
      s.endSection();
      s.restartContext(line.next);
      return false;
    case 'heading':
    case 'header':
      startTitle(s, i, m);
      return false;
    case 'question':
    case 'prompt':
      s.startQuestion(i, m);
      return false;
    case 'short':
      shortAnswer(s, i, m);
      return false;
    case 'group':
      startGroup(s, i, m);
      return false;
    case 'open':
      // In the second dialect a clean `??x` answers the header above it, as `?x` does.
      if (s.terms && isClean(m) && headerCanPrompt(s)) {
        headerPrompted(s, i, m, false);
        return false;
      }
      return orphanOpener(s, i, m);
    case 'close':
    case 'either': {
      const d = s.sink.report(
        'orphan-closer',
        s.spanOf(i, m),
        `Unexpected '${m.spelling}' with no open answer, expected '??x' before it`,
      );
      attach(d, `Delete the extra '${m.spelling}'`, [
        m.glued ? s.fixer.onLine(i, m.start, m.end, '') : s.fixer.deleteLine(i),
      ]);
      s.ctxHoles.push(
        m.glued ? [line.start + m.start, line.start + m.end] : [line.start, line.next],
      );
      return false;
    }
  }
}

const isClean = (m: Marker) => m.spelling === OPEN && !m.glued && !m.spaced && m.rest < 0;

/** A `####` title (or a dialect's `##`/`###` header): ends the section before it and starts a new one. */
function startTitle(s: Assembler, i: number, m: Marker) {
  const { sink, fixer, loc, text } = s;
  const line = s.lines[i]!;
  s.leftover(line.start + m.start);
  s.endSection();
  s.preamble = false;
  if (m.tight) {
    const d = sink.report(
      'heading-space',
      s.spanOf(i, m),
      `Unexpected ${quote(line.text.slice(m.end, m.end + 1))} right after '####', expected a space`,
    );
    attach(d, "Insert a space after '####'", [fixer.onLine(i, m.end, m.end, ' ')]);
  }
  if (m.glued) {
    const d = sink.report(
      'glued-marker',
      s.spanOf(i, m),
      "Unexpected '####' after text on the same line, expected the title on a line of its own",
    );
    attach(d, "Move '####' to a line of its own", [fixer.breakBefore(i, m.start)]);
  }
  // `#### Title $:p Why…?`: the title ends where the glued question starts.
  const q = m.rest >= 0 ? gluedQuestion(line.text, m.rest) : null;
  const titleEnd = q ? line.start + q.start : line.end;
  const holes: Hole[] = [];
  s.titleId = m.rest >= 0 && !q ? s.readId(i, m.rest, holes) : null;
  s.title = m.rest >= 0 ? makeField(text, line.start + m.rest, titleEnd, holes, loc) : null;
  s.titleStart = line.start + m.start;
  s.restartContext(q ? titleEnd : line.next);
  if (q) s.startQuestion(i, q);
}

/**
 * An opener with no `:p`: the paragraph right before it (often a misspelled `:` or `:w`
 * prompt) is taken as the question; without one the answer is left out. True when the
 * question was started (the opener is then handled again, in question mode).
 */
function orphanOpener(s: Assembler, i: number, m: Marker): boolean {
  const { sink, fixer } = s;
  const p = s.questionParagraph(i, m);
  if (p < 0) {
    sink.report(
      'orphan-answer',
      s.spanOf(i, m),
      `Unexpected '${m.spelling}' with no ':p' question before it, expected ':p <question>' first; this answer is left out`,
    );
    s.mode = 'orphan';
    return false;
  }
  const orphan = sink.report(
    'orphan-answer',
    s.spanOf(i, m),
    `Unexpected '${m.spelling}' with no ':p' question before it, expected ':p <question>' first; the text before it is taken as the question`,
  );
  // A misspelled prompt (`: Why…`, `:w Why…`) at the paragraph start or glued after
  // math on its last line (`$$…$$: Why…`) starts the question there.
  const last = m.glued ? i : i - 1;
  const glued = /\$:[A-Za-z]?[ \t]+(?=\S)/.exec(s.lineText(last));
  const q = glued ? last : p;
  const start = glued ? glued.index + 1 : 0;
  const rest = glued
    ? start + glued[0].length - 1
    : /^[ \t]*(?::(?:[A-Za-z](?=[ \t]))?)?[ \t]*/.exec(s.lineText(p))![0].length;
  // A misspelled prompt (`: Why…`) is the author's `:p`; a plain paragraph may be
  // context that lost its question, which only the author can tell: no fix.
  if (!m.glued && (glued || s.lineText(p).trimStart().startsWith(':'))) {
    attach(orphan, "Write the prompt as ':p'", [
      glued ? fixer.onLine(q, start, rest, `${fixer.eol(q)}:p `) : fixer.onLine(q, 0, rest, ':p '),
    ]);
  }
  s.startQuestion(q, {
    kind: 'question',
    start,
    end: rest,
    spelling: ':p',
    glued: false,
    rest,
    spaced: false,
    tight: false,
  });
  return true;
}

/** Skips a left-out answer up to its closer, or up to the next structure marker. */
export function handleOrphan(s: Assembler, i: number, m: Marker | null): boolean {
  const line = s.lines[i]!;
  if (s.orphanParagraph) {
    // A `?x` answer left out: up to a blank line, or a marker.
    if (m === null && line.text.trim() !== '') trackFence(s, i, 0);
    if (m === null && line.text.trim() !== '') return false;
    s.orphanParagraph = false;
    s.mode = 'outside';
    s.restartContext(m === null ? line.next : line.start);
    return m !== null;
  }
  if (m === null || m.kind === 'open') {
    if (m === null) trackFence(s, i, 0);
    return false;
  }
  s.mode = 'outside';
  if (m.kind === 'close' || m.kind === 'either') {
    s.restartContext(line.next);
    return false;
  }
  s.restartContext(line.start);
  return true;
}
