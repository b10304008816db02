/**
 * Lines of a question (after `:p`, before its answer): an opener starts the answer (answer text
 * on the opener line and an answer closed on that same line included), a closer means the
 * opener is missing, and the next question, title or separator leaves this one unanswered.
 */
import type { Assembler } from './assemble-state.js';
import { trackFence } from './fence-track.js';
import { attach } from './fixes.js';
import { openParagraph } from './handle-dialect.js';
import { classifyLine, gluedEnd, type Marker, OPEN } from './markers.js';

/** Handles line i of a question; true when the line is to be handled again in the new mode. */
export function handleQuestion(s: Assembler, i: number, m: Marker | null): boolean {
  if (m === null) {
    trackFence(s, i, 0);
    return false;
  }
  const line = s.lines[i]!;
  switch (m.kind) {
    case 'open':
    case 'either':
      openWith(s, i, m);
      return false;
    case 'close':
      missingOpener(s, i, m);
      return false;
    case 'question':
      s.missingAnswer(`Unexpected ':p' at line ${i + 1}`, line.start);
      return true;
    case 'heading':
      s.missingAnswer(`Unexpected '####' at line ${i + 1}`, line.start);
      return true;
    case 'separator':
      s.missingAnswer(`Unexpected '---' at line ${i + 1}`, line.start);
      return true;
    case 'short':
      openParagraph(s, i, m);
      return false;
    case 'prompt':
    case 'header':
      s.missingAnswer(`Unexpected '${m.spelling}' at line ${i + 1}`, line.start);
      return true;
    case 'group':
      return false;
  }
}

/** Opens the answer at the opener-like marker `m` on line i. */
function openWith(s: Assembler, i: number, m: Marker) {
  const { sink, fixer, loc } = s;
  const line = s.lines[i]!;
  s.markerWarnings(i, m, 'opener');
  if (m.rest >= 0) {
    const d = sink.report(
      'answer-on-opener',
      { start: loc.at(i, m.rest), end: loc.at(i, line.text.trimEnd().length) },
      `Unexpected answer text after '${m.spelling}', expected it on the next line`,
    );
    // Not when the text, on a line of its own, would be a marker (`??x ---`).
    if (!classifyLine(line.text.slice(m.rest))) {
      attach(d, 'Move the answer text to the next line', [
        m.rest === m.end
          ? fixer.onLine(i, m.start, m.rest, OPEN + fixer.eol(i))
          : fixer.onLine(i, m.end, m.rest, fixer.eol(i)),
      ]);
    }
  }
  const cut = m.glued ? line.start + m.start : line.start;
  s.openAnswer(cut, m.rest >= 0 ? line.start + m.rest : line.next, loc.at(i, m.start));
  if (m.rest >= 0) {
    // `??x The whole answer.x??` on one line.
    const g = gluedEnd(line.text);
    if (g && g.start > m.rest && g.kind === 'close') s.closeWith(i, g, 'closer');
    else trackFence(s, i, m.rest);
  }
}

/** A closer after the question with no opener: the `:p` line is the question, what follows it the answer. */
function missingOpener(s: Assembler, i: number, m: Marker) {
  const c = s.card!;
  const qLine = s.lines[c.line]!;
  const d = s.sink.report(
    'missing-opener',
    { start: s.loc.at(Math.min(c.line + 1, i)) },
    `Unexpected answer text after the question, expected '${OPEN}' on the line after ':p'; the answer is taken to start here`,
  );
  if (c.line + 1 < i) {
    const at = s.lines[c.line + 1]!.start;
    attach(d, `Insert '${OPEN}' after the question`, [
      s.fixer.offsets(at, at, OPEN + s.fixer.eol(c.line)),
    ]);
  }
  s.openAnswer(qLine.end, qLine.next, s.loc.at(Math.min(c.line + 1, i)));
  s.closeWith(i, m, 'closer');
}
