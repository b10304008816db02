/**
 * The second dialect's steps (dialect.ts), called by the per-mode handlers in files that use it:
 * a `?x` answer and where its prompt comes from (the header, the line above, or nowhere: then a
 * `missing-prompt` warning), the paragraph such an answer runs to, one-line `term::answer`
 * cards and `:d` groups.
 */
import type { Assembler } from './assemble-state.js';
import { splitTerm } from './dialect.js';
import { trackFence } from './fence-track.js';
import { fenceOpener } from './fences.js';
import { makeField } from './fields.js';
import type { Marker } from './markers.js';

/** A `?x` (or a clean `??x`, `paragraph` false) answering the section's header. */
export function headerPrompted(s: Assembler, i: number, m: Marker, paragraph: boolean) {
  const { loc, text } = s;
  const line = s.lines[i]!;
  s.card = {
    line: i,
    // The card is the answer's: its problems are reported at the `?x`.
    marker: loc.at(i, m.start),
    spelling: '',
    paragraph,
    ownContext: null,
    cardStart: s.titleStart,
    // The header is the question: not shown a second time as the title.
    title: null,
    context: makeField(text, s.ctxStart, line.start, s.ctxHoles, loc),
    qStart: line.start,
    qHoles: [],
    question: s.title,
    id: null,
    aStart: line.next,
    aHoles: [],
    opener: loc.at(i, m.start),
  };
  s.titlePrompted = true;
  s.questions++;
  s.preamble = false;
  s.mode = 'answer';
}

/** Whether the section's header may still be the prompt of the next answer. */
export function headerCanPrompt(s: Assembler): boolean {
  return s.title !== null && s.sectionCards.length === 0 && !s.titlePrompted;
}

/**
 * A `?x` outside a card: the header prompts the section's first one; otherwise the line just
 * above is the prompt (the rest of its paragraph the context); with neither, the answer is left
 * out with a warning.
 */
export function shortAnswer(s: Assembler, i: number, m: Marker) {
  if (headerCanPrompt(s)) {
    headerPrompted(s, i, m, true);
    return;
  }
  const line = s.lines[i]!;
  const j = i - 1;
  if (
    j >= 0 &&
    s.lines[j]!.start >= s.ctxStart &&
    s.lineText(j).trim() !== '' &&
    !s.ahead.marks[j]
  ) {
    // Only the prompt's own paragraph is its context; prose before it belongs to no card.
    const p = s.questionParagraph(i, m);
    s.ctxStart = s.lines[p]!.start;
    const indent = /^[ \t]*/.exec(s.lineText(j))![0].length;
    s.startQuestion(
      j,
      {
        kind: 'question',
        start: indent,
        end: indent,
        spelling: '',
        glued: false,
        rest: indent,
        spaced: false,
        tight: false,
      },
      false,
    );
    s.card!.paragraph = true;
    s.openAnswer(line.start, line.next, s.loc.at(i, m.start));
    return;
  }
  s.sink.report(
    'missing-prompt',
    s.spanOf(i, m),
    "Unexpected '?x' with no prompt before it, expected a header, '?p: <prompt>' or the prompt on the line above; this answer is left out",
  );
  s.mode = 'orphan';
  s.orphanParagraph = true;
}

/** A `?x` right after a `:p`, `?p:` or `p:` question opens its paragraph answer. */
export function openParagraph(s: Assembler, i: number, m: Marker) {
  const line = s.lines[i]!;
  s.openAnswer(line.start, line.next, s.loc.at(i, m.start));
  s.card!.paragraph = true;
}

/**
 * A line of a `?x` answer: a blank line ends it (no closer expected), so does `x??`; a marker
 * ends it before its line, and a `?x` before the line above it (that line prompts the next
 * card). True when the line is to be handled again.
 */
export function paragraphAnswer(s: Assembler, i: number, m: Marker | null): boolean {
  const line = s.lines[i]!;
  if (m === null) {
    if (line.text.trim() !== '') {
      trackFence(s, i, 0);
      return false;
    }
    s.finishCard(line.start, null);
    s.restartContext(line.next);
    return false;
  }
  switch (m.kind) {
    case 'close':
      s.closeWith(i, m, 'closer');
      return false;
    case 'either':
    case 'group':
      return false;
    case 'short': {
      // Answer lines run from the one after the opener to i - 1; keep at least one.
      const cut = i - 1 >= s.card!.opener.line + 1 ? s.lines[i - 1]!.start : line.start;
      s.finishCard(cut, null);
      s.restartContext(cut);
      return true;
    }
    default: {
      const cut = m.glued ? line.start + m.start : line.start;
      s.finishCard(cut, null);
      s.restartContext(cut);
      return true;
    }
  }
}

/** A `term::answer` line outside a card becomes a card of its own; false when it is not one. */
export function termCard(s: Assembler, i: number): boolean {
  const { text, loc } = s;
  const line = s.lines[i]!;
  const group = s.group && i < s.group.until ? s.group : null;
  const split = splitTerm(line.text, group !== null, s.dialect === 'mixed');
  if (!split) return false;
  const [ts, te] = split.term;
  const [as, ae] = split.answer;
  const term = te > ts ? makeField(text, line.start + ts, line.start + te, [], loc) : null;
  // In a `:d` group the group's text is the context, or the prompt of a `:: answer` line.
  const question = term ?? group?.field ?? null;
  const answer = makeField(text, line.start + as, line.start + ae, [], loc);
  if (!question || !answer) return false;
  s.questions++;
  s.preamble = false;
  s.addCard(
    {
      type: 'card',
      title: null,
      context: term ? (group?.field ?? null) : null,
      question,
      answer,
      id: null,
      position: { start: loc.at(i, ts), end: loc.at(i, ae) },
    },
    loc.at(i, ts),
    null,
    true,
  );
  s.restartContext(line.next);
  return true;
}

/**
 * A `:d <text>` line opens a group when `term::answer` lines follow it in its paragraph; false
 * otherwise (a coding-puzzle note's `:d easy` metadata, say), and the line is text.
 */
export function startGroup(s: Assembler, i: number, m: Marker): boolean {
  const line = s.lines[i]!;
  let scan = s.groupScan;
  if (!scan || i < scan.from || i >= scan.until) {
    // One scan per paragraph, however many `:d` lines it holds.
    let k = i + 1;
    let lastTerm = -1;
    // A code fence ends the paragraph: its lines are code, never a group's.
    while (k < s.lines.length && s.lineText(k).trim() !== '' && !fenceOpener(s.lineText(k), k)) {
      if (splitTerm(s.lineText(k), true, s.dialect === 'mixed')) lastTerm = k;
      k++;
    }
    scan = { from: i, until: k, lastTerm };
    s.groupScan = scan;
  }
  if (scan.lastTerm <= i) return false;
  s.group = {
    field: makeField(s.text, line.start + m.rest, line.end, [], s.loc),
    until: scan.until,
  };
  s.ctxHoles.push([line.start, line.next]);
  return true;
}
