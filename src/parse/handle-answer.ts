/**
 * Lines of an answer: a closer (or a closer misspelling) ends it; a `??x` ends it when only
 * structure follows, and is a stray left out otherwise; the next `:p`, and a `---` or `####`
 * with no closer still to come, end it unclosed (with a warning), so no answer swallows the
 * next card.
 */
import type { Assembler } from './assemble-state.js';
import { trackFence } from './fence-track.js';
import { attach } from './fixes.js';
import { paragraphAnswer } from './handle-dialect.js';
import { STRONG } from './lookahead.js';
import { CLOSE, classifyLine, type Marker } from './markers.js';
import { isRatingLine } from './meta.js';

/** Handles line i of an answer; true when the line is to be handled again in the new mode. */
export function handleAnswer(s: Assembler, i: number, m: Marker | null): boolean {
  if (s.card!.paragraph) return paragraphAnswer(s, i, m);
  const line = s.lines[i]!;
  if (m === null) {
    // `**Rating: 8/10**` sits between cards; in an answer it means the closer is missing.
    if (isRatingLine(line.text)) s.card!.aHoles.push([line.start, line.next]);
    else trackFence(s, i, 0);
    return false;
  }
  switch (m.kind) {
    case 'close':
    case 'either':
      s.closeWith(i, m, 'closer');
      return false;
    case 'open':
      openerInAnswer(s, i, m);
      return false;
    case 'short':
    case 'group':
      return false;
    case 'question':
    case 'prompt': {
      const cut = m.glued ? line.start + m.start : line.start;
      s.closeMissing(s.loc.at(i, m.start), "':p'", cut, i);
      s.restartContext(cut);
      return true;
    }
    case 'heading':
    case 'header':
    case 'separator':
      return ruleOrTitle(s, i, m);
  }
}

/**
 * `??x` closes the answer when only structure follows it (usually `---`); with more text after
 * it the answer goes on and the marker is a stray.
 */
function openerInAnswer(s: Assembler, i: number, m: Marker) {
  const line = s.lines[i]!;
  const n = s.lines.length;
  const j = s.ahead.nextNonBlank[i + 1]!;
  const k = j < n ? s.ahead.marks[j]?.kind : undefined;
  const ends =
    m.rest < 0 &&
    (j >= n || k === 'separator' || k === 'heading' || k === 'question' || k === 'open');
  if (ends) {
    s.closeWith(i, m, 'opener-as-closer');
    return;
  }
  const d = s.sink.report(
    'stray-opener',
    s.spanOf(i, m),
    `Unexpected '${m.spelling}' inside an answer, expected '${CLOSE}' or answer text; the marker is left out`,
  );
  const part = m.glued || m.rest >= 0;
  s.card!.aHoles.push(part ? [line.start + m.start, line.start + m.end] : [line.start, line.next]);
  // The fix deletes what the parser leaves out, unless what stays is then a marker
  // (`??x $x$ x??`: the `x??` would close the answer there).
  const kept = line.text.slice(0, m.start) + line.text.slice(m.end);
  if (!part || !classifyLine(kept))
    attach(d, `Delete the stray '${m.spelling}'`, [
      part ? s.fixer.onLine(i, m.start, m.end, '') : s.fixer.deleteLine(i),
    ]);
}

/** A `---` or `####` in an answer: content when a closer is still to come, else the answer's end. */
function ruleOrTitle(s: Assembler, i: number, m: Marker): boolean {
  const line = s.lines[i]!;
  // A closer still to come (before any `:p` or `??x`): a rule or heading in the answer.
  if (i + 1 < s.lines.length && s.ahead.nextMarker[i + 1] === STRONG.close) {
    trackFence(s, i, 0);
    return false;
  }
  const cut = m.glued ? line.start + m.start : line.start;
  s.closeMissing(s.loc.at(i, m.start), `'${m.spelling}'`, cut, i);
  if (m.glued && m.kind === 'separator') {
    s.gluedSeparator(i, m);
    s.restartContext(line.next);
    s.endSection();
    return false;
  }
  s.restartContext(cut);
  return true;
}
