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
 *   `distrusts`).
 * Every `:p` ends as a card or an error diagnostic at its line. Lookaheads use tables built in
 * one backward pass, so the whole pass is linear in the number of lines.
 */
import type { DiagnosticSink } from '../diagnostics/report.js';
import type { Card, Field, FileMeta, Point } from '../validate/schema.js';
import {
  bareFenceChar,
  type FenceOpen,
  fenceCloser,
  fenceOpener,
  isMarkdownFence,
} from './fences.js';
import { type Hole, makeField } from './fields.js';
import { attach, Fixer } from './fixes.js';
import type { Line, Locator } from './lines.js';
import {
  CLOSE,
  classifyLine,
  type ExplicitId,
  findControlToken,
  findExplicitId,
  gluedEnd,
  gluedQuestion,
  type Marker,
  type MarkerKind,
  OPEN,
} from './markers.js';
import { isRatingLine, readChapter, readTitle } from './meta.js';

export interface Assembled {
  cards: Card[];
  /** The `:p` marker of each card, parallel to `cards`. */
  markers: Point[];
  /** How many `:p` questions were seen (cards plus those reported as errors). */
  questions: number;
}

/** Where an explicit id was written, for duplicate reports. */
interface IdAt {
  id: string;
  at: Point;
}

interface Pending {
  line: number;
  marker: Point;
  /** Offset where the card's span starts (title, context or `:p`). */
  cardStart: number;
  title: Field | null;
  context: Field | null;
  qStart: number;
  qHoles: Hole[];
  question: Field | null;
  id: IdAt | null;
  /** Answer span start, opener place. */
  aStart: number;
  aHoles: Hole[];
  opener: Point;
}

type Mode = 'outside' | 'question' | 'answer' | 'orphan';

const STRONG: Partial<Record<MarkerKind, number>> = {
  question: 1,
  open: 2,
  close: 3,
  either: 3,
  heading: 4,
};
const NONE = 0;

export function assembleCards(
  text: string,
  lines: readonly Line[],
  firstLine: number,
  loc: Locator,
  meta: FileMeta,
  sink: DiagnosticSink,
): Assembled {
  const n = lines.length;
  const marks: (Marker | null)[] = lines.map((l) => classifyLine(l.text));

  // Lookahead tables, built backwards so every lookahead is O(1) and the pass stays linear.
  /** Kind code of the first strong marker at or after line i (fences ignored). */
  const nextStrong = new Int8Array(n + 1);
  /** Index of that marker's line (n when none). */
  const nextStrongAt = new Int32Array(n + 1);
  nextStrongAt[n] = n;
  /** The same, with `####` titles not counted. */
  const nextMarker = new Int8Array(n + 1);
  /** First non-blank line at or after i. */
  const nextNonBlank = new Int32Array(n + 1);
  /** First bare fence line of each character at or after i, or -1. */
  const nextTick = new Int32Array(n + 1);
  const nextTilde = new Int32Array(n + 1);
  nextNonBlank[n] = n;
  nextTick[n] = -1;
  nextTilde[n] = -1;
  for (let i = n - 1; i >= 0; i--) {
    const m = marks[i];
    nextStrong[i] = (m && STRONG[m.kind]) || nextStrong[i + 1]!;
    nextStrongAt[i] = m && STRONG[m.kind] ? i : nextStrongAt[i + 1]!;
    nextMarker[i] = (m && m.kind !== 'heading' && STRONG[m.kind]) || nextMarker[i + 1]!;
    nextNonBlank[i] = lines[i]!.text.trim() === '' ? nextNonBlank[i + 1]! : i;
    const bare = bareFenceChar(lines[i]!.text);
    nextTick[i] = bare === '`' ? i : nextTick[i + 1]!;
    nextTilde[i] = bare === '~' ? i : nextTilde[i + 1]!;
  }
  const strongAfter = (i: number) => (i < n ? nextStrong[i]! : NONE);
  const fixer = new Fixer(text, lines, loc);

  const cards: Card[] = [];
  const markers: Point[] = [];
  const ids: (IdAt | null)[] = [];

  let mode = 'outside' as Mode;
  let fence: FenceOpen | null = null;
  /** Nothing but file metadata seen yet (the `# title` line is accepted only then). */
  let preamble = true;

  // Section state.
  let title: Field | null = null;
  let titleStart = -1;
  let titleId: IdAt | null = null;
  let sectionCards: number[] = [];
  let sectionContext: Field | null = null;
  let ctxStart = firstLine < n ? lines[firstLine]!.start : text.length;
  let ctxHoles: Hole[] = [];

  let card: Pending | null = null;
  let questions = 0;

  const lineText = (i: number) => lines[i]!.text;
  const spanOf = (i: number, m: Marker) => ({
    start: loc.at(i, m.start),
    end: loc.at(i, m.end),
  });
  const quote = (s: string) => `'${s.length > 40 ? `${s.slice(0, 37)}...` : s}'`;

  const holesFor = (): Hole[] =>
    mode === 'question' && card ? card.qHoles : mode === 'answer' && card ? card.aHoles : ctxHoles;

  function endSection() {
    if (titleId) {
      if (sectionCards.length === 1) {
        const k = sectionCards[0]!;
        if (ids[k] === null) {
          cards[k]!.id = titleId.id;
          ids[k] = titleId;
        }
      } else if (sectionCards.length > 1) {
        sink.report(
          'title-id-shared',
          { start: titleId.at },
          `Unexpected '{#${titleId.id}}' on a title with ${sectionCards.length} cards, expected it on one ':p' line; no card gets this id`,
        );
      }
    }
    title = null;
    titleStart = -1;
    titleId = null;
    sectionCards = [];
    sectionContext = null;
  }

  /**
   * Text after a section's last card, up to `end` (the section's end), belongs to no card: a
   * context with no question after it, often model chatter ("I hope this helps!") or answer text
   * written after `x??`. Sections with context only (no `:p` at all) are normal and not reported.
   */
  function leftover(end: number) {
    if (sectionCards.length === 0) return;
    const unused = makeField(text, ctxStart, end, ctxHoles, loc);
    if (!unused) return;
    sink.report(
      'unused-text',
      unused.position,
      `Unexpected text ${quote(unused.value.split(/\r?\n|\r/)[0]!.trim())} after the last card of its section, expected ':p' before it or '---' above it; it belongs to no card`,
    );
  }

  function readId(i: number, from: number, holes: Hole[]): IdAt | null {
    const id: ExplicitId | null = findExplicitId(lineText(i), from);
    if (!id) return null;
    const line = lines[i]!;
    holes.push([line.start + id.start, line.start + id.end]);
    const at = loc.at(i, id.start);
    if (!id.valid) {
      sink.report(
        'invalid-id',
        { start: at, end: loc.at(i, id.end) },
        `Unexpected id '${id.id}', expected letters, digits, '-' and '_' only; the id is ignored`,
      );
      return null;
    }
    return { id: id.id, at };
  }

  function startQuestion(i: number, m: Marker) {
    const line = lines[i]!;
    const cut = line.start + m.start;
    if (m.glued) {
      const d = sink.report(
        'glued-marker',
        spanOf(i, m),
        "Unexpected ':p' after text on the same line, expected it at the start of a line",
      );
      attach(d, "Move ':p' to a line of its own", [fixer.breakBefore(i, m.start)]);
    } else if (m.spaced) {
      const d = sink.report(
        'marker-whitespace',
        { start: loc.at(i), end: loc.at(i, m.start) },
        "Unexpected whitespace before ':p', expected it at the start of the line",
      );
      attach(d, "Remove the whitespace before ':p'", [fixer.onLine(i, 0, m.start, '')]);
    }
    const own = makeField(text, ctxStart, cut, ctxHoles, loc);
    if (own) sectionContext = own;
    const qHoles: Hole[] = [];
    const qStart = m.rest >= 0 ? line.start + m.rest : line.next;
    const id = m.rest >= 0 ? readId(i, m.rest, qHoles) : null;
    const first = sectionCards.length === 0 && title && titleStart >= 0;
    card = {
      line: i,
      marker: loc.at(i, m.start),
      cardStart: first ? titleStart : own ? own.position.start.offset : cut,
      title,
      context: own ?? sectionContext,
      qStart,
      qHoles,
      question: null,
      id,
      aStart: 0,
      aHoles: [],
      opener: loc.at(i),
    };
    preamble = false;
    questions++;
    mode = 'question';
    // `:p Why…?$$…$$??x`: the opener glued at the end of the question line.
    const g = m.rest >= 0 ? gluedEnd(line.text) : null;
    if (g && g.start > m.rest && (g.kind === 'open' || g.kind === 'either')) {
      markerWarnings(i, g, 'opener');
      card.qHoles.push([line.start + g.start, line.end]);
      openAnswer(line.start + g.start, line.next, loc.at(i, g.start));
    }
  }

  /** Reports the pending question as unanswered; context restarts at `resume`. */
  function missingAnswer(why: string, resume: number) {
    const c = card!;
    sink.report(
      'missing-answer',
      {
        start: c.marker,
        end: { ...c.marker, column: c.marker.column + 2, offset: c.marker.offset + 2 },
      },
      `${why}, expected '??x' opening the answer of this question; no card is made`,
    );
    card = null;
    mode = 'outside';
    ctxStart = resume;
    ctxHoles = [];
  }

  /** Ends the question at `cut` and opens the answer at `aStart`. */
  function openAnswer(cut: number, aStart: number, opener: Point) {
    const c = card!;
    c.question = makeField(text, c.qStart, cut, c.qHoles, loc);
    c.aStart = aStart;
    c.opener = opener;
    mode = 'answer';
  }

  /** Finishes the card: the answer runs to `cut`; the card's span ends at `end` (or the answer's). */
  function finishCard(cut: number, end: number | null) {
    const c = card!;
    card = null;
    mode = 'outside';
    const answer = makeField(text, c.aStart, cut, c.aHoles, loc);
    let question = c.question;
    if (!question) {
      const from = c.title ? 'title' : c.context ? 'context' : null;
      const source = c.title ?? c.context;
      if (!source || !from) {
        sink.report(
          'missing-question',
          { start: c.marker },
          "Unexpected empty ':p' with no title or context to ask about, expected a question; no card is made",
        );
        return;
      }
      sink.report(
        'empty-question',
        { start: c.marker },
        `Unexpected empty ':p', expected a question; the ${from} ${quote(source.value)} is used as the question`,
      );
      question = { ...source, position: source.position };
    }
    // A context promoted to the question is not shown a second time as background.
    const context = question === c.context || (!c.question && !c.title) ? null : c.context;
    if (!answer) {
      sink.report(
        'empty-answer',
        { start: c.marker },
        `Unexpected empty answer (opened at line ${c.opener.line}), expected answer text after '??x'; no card is made`,
      );
      return;
    }
    const endOffset = end ?? answer.position.end.offset;
    sectionCards.push(cards.length);
    cards.push({
      type: 'card',
      title: c.title,
      context,
      question,
      answer,
      id: c.id?.id ?? null,
      position: { start: loc.point(Math.min(c.cardStart, endOffset)), end: loc.point(endOffset) },
    });
    markers.push(c.marker);
    ids.push(c.id);
  }

  function markerWarnings(i: number, m: Marker, role: 'opener' | 'closer') {
    const want = role === 'opener' ? OPEN : CLOSE;
    if (m.kind === 'either' || m.spelling !== want) {
      const d = sink.report(
        'marker-spelling',
        spanOf(i, m),
        `Unexpected '${m.spelling}', expected '${want}' ${role === 'opener' ? 'opening' : 'closing'} the answer`,
      );
      // `??$42.00`: the answer glued to the marker; answer-on-opener's fix respells it too.
      if (m.rest !== m.end)
        attach(d, `Replace '${m.spelling}' with '${want}'`, [
          fixer.onLine(i, m.start, m.end, want),
        ]);
    }
    if (m.glued) {
      const d = sink.report(
        'glued-marker',
        spanOf(i, m),
        `Unexpected '${m.spelling}' after text on the same line, expected it on a line of its own`,
      );
      attach(d, `Move '${m.spelling}' to a line of its own`, [fixer.breakBefore(i, m.start)]);
    } else if (m.spaced) {
      const d = sink.report(
        'marker-whitespace',
        spanOf(i, m),
        `Unexpected whitespace around '${m.spelling}', expected it alone at the start of the line`,
      );
      const edits = m.start > 0 ? [fixer.onLine(i, 0, m.start, '')] : [];
      const tail = lineText(i).length;
      if (m.rest < 0 && tail > m.end) edits.push(fixer.onLine(i, m.end, tail, ''));
      attach(d, `Remove the whitespace around '${m.spelling}'`, edits);
    }
  }

  /** Closes the answer with the closer-like marker `m` on line i. */
  function closeWith(i: number, m: Marker, role: 'closer' | 'opener-as-closer') {
    const line = lines[i]!;
    if (role === 'opener-as-closer') {
      const d = sink.report(
        'answer-closer',
        spanOf(i, m),
        `Unexpected '${m.spelling}' closing an answer, expected '${CLOSE}'`,
      );
      attach(d, `Replace '${m.spelling}' with '${CLOSE}'`, [
        fixer.onLine(i, m.start, m.end, CLOSE),
      ]);
      if (m.glued) markerWarnings(i, { ...m, spelling: OPEN, kind: 'open' }, 'opener');
    } else {
      markerWarnings(i, m, 'closer');
    }
    if (m.rest >= 0) {
      sink.report(
        'text-after-closer',
        { start: loc.at(i, m.rest), end: loc.at(i, line.text.trimEnd().length) },
        `Unexpected text ${quote(line.text.slice(m.rest).trim())} after '${m.spelling}', expected the end of the line; the text is not part of the answer`,
      );
    }
    finishCard(m.glued ? line.start + m.start : line.start, line.start + m.end);
    ctxStart = line.next;
    ctxHoles = [];
  }

  /**
   * Reports the open answer as unclosed at `place` (line `at`, or the end of the file when null)
   * and finishes its card at `cut`. The fix writes `x??` on a line of its own after the answer's
   * last line, when that line is above the one that ended the answer.
   */
  function closeMissing(place: Point, what: string, cut: number, at: number | null) {
    const c = card!;
    const d = sink.report(
      'missing-closer',
      { start: place },
      `Unexpected ${what}, expected '${CLOSE}' closing the answer opened at line ${c.opener.line}`,
    );
    const made = cards.length;
    finishCard(cut, null);
    const answer = cards.length > made ? cards[made]!.answer : null;
    if (!answer) return;
    const last = answer.position.end.line - 1;
    if (at !== null && last >= at) return;
    const end = lines[last]!.end;
    attach(d, `Insert '${CLOSE}' after the answer`, [
      fixer.offsets(end, end, fixer.eol(last) + CLOSE),
    ]);
  }

  /** Whether a fence open at line i should be taken as runaway, given the marker there. */
  function distrusts(i: number, m: Marker | null, f: FenceOpen): boolean {
    if (!m || isMarkdownFence(f)) return false;
    switch (m.kind) {
      case 'close':
        return !m.glued && m.rest < 0 && m.spelling.endsWith('??');
      case 'open':
        return !m.glued && m.rest < 0;
      case 'question':
        return !m.glued && !m.spaced && strongAfter(i + 1) === STRONG.open;
      case 'separator': {
        const j = nextNonBlank[i + 1]!;
        const k = j < n ? marks[j]?.kind : undefined;
        return k === 'heading' || k === 'question';
      }
      case 'heading': {
        // `#### …` is a common comment in code: distrusted only before a `:p` with an answer.
        const q = nextStrongAt[i + 1]!;
        return (
          !m.glued &&
          !m.tight &&
          q < n &&
          marks[q]!.kind === 'question' &&
          strongAfter(q + 1) === STRONG.open
        );
      }
      default:
        return false;
    }
  }

  function reportDistrust(i: number, f: FenceOpen, m: Marker) {
    const fenceAt = { start: loc.at(f.line, f.column), end: loc.at(f.line, f.column + f.length) };
    const closes = f.char === '`' ? nextTick[i]! : nextTilde[i]!;
    const label = quote(`${f.char.repeat(f.length)}${f.info}`);
    const what = `'${m.spelling}' at line ${i + 1}`;
    if (closes >= 0) {
      sink.report(
        'runaway-fence',
        fenceAt,
        `Unexpected ${what} inside the code fence ${label} opened here, expected a closing '${f.char.repeat(f.length)}' first; the fence would run to line ${closes + 1}, so it is taken as closed before line ${i + 1}`,
      );
    } else {
      sink.report(
        'unclosed-fence',
        fenceAt,
        `Unexpected ${what} inside the code fence ${label} opened here, expected a closing '${f.char.repeat(f.length)}' first; the fence is taken as closed before line ${i + 1}`,
      );
    }
  }

  /**
   * The first line of the paragraph that ends right before the opener on line i (or on line i,
   * before a glued opener), within the current context; -1 when there is none.
   */
  function questionParagraph(i: number, m: Marker): number {
    let j = m.glued ? i : i - 1;
    const blank = (k: number) => lineText(k).trim() === '';
    if (j < 0 || blank(j) || lines[j]!.start < ctxStart || marks[j]?.kind === 'separator')
      return -1;
    while (j > 0 && !blank(j - 1) && lines[j - 1]!.start >= ctxStart && !marks[j - 1]) j--;
    return j;
  }

  function gluedSeparator(i: number, m: Marker) {
    const d = sink.report(
      'glued-marker',
      spanOf(i, m),
      "Unexpected '---' after text on the same line, expected it on a line of its own",
    );
    attach(d, "Move '---' to a line of its own", [fixer.breakBefore(i, m.start)]);
  }

  /** Opens a fence if the content of line i (from column `from`) starts one. */
  function trackFence(i: number, from: number) {
    const t = lineText(i);
    const f = fenceOpener(from > 0 ? t.slice(from) : t, i);
    if (!f) return;
    f.column += from;
    if (f.glued) {
      sink.report(
        'glued-fence',
        { start: loc.at(i, f.column), end: loc.at(i, f.column + f.length) },
        `Unexpected code fence '${'`'.repeat(f.length)}${f.info}' after text on the same line, expected it at the start of a line`,
      );
    }
    fence = f;
  }

  // The main pass. `redo` re-handles the same line after a state change.
  for (let i = firstLine; i < n; i++) {
    const line = lines[i]!;
    const m = marks[i] ?? null;

    if (fence) {
      const f: FenceOpen = fence;
      const closer = fenceCloser(line.text, f);
      if (closer) {
        if (closer === 'glued') {
          const at = line.text.trimEnd().length - f.length;
          sink.report(
            'glued-fence',
            { start: loc.at(i, at), end: loc.at(i, at + f.length) },
            `Unexpected closing fence '${f.char.repeat(f.length)}' after text on the same line, expected it on a line of its own`,
          );
        }
        fence = null;
        continue;
      }
      if (!distrusts(i, m, f)) continue;
      reportDistrust(i, f, m!);
      fence = null;
    }

    const token = findControlToken(line.text);
    if (token) {
      const d = sink.report(
        'control-token',
        { start: loc.at(i, token[0]), end: loc.at(i, token[1]) },
        `Unexpected control token '${line.text.slice(token[0], token[1])}', expected text; it is left out`,
      );
      const alone = line.text.trim() === line.text.slice(token[0], token[1]);
      // The fix deletes what the parser leaves out: the line, or the token.
      attach(d, 'Delete the control token', [
        alone ? fixer.deleteLine(i) : fixer.onLine(i, token[0], token[1], ''),
      ]);
      if (alone) {
        holesFor().push([line.start, line.next]);
        continue;
      }
      holesFor().push([line.start + token[0], line.start + token[1]]);
    }

    for (let redo = true; redo; ) {
      redo = false;
      switch (mode) {
        case 'outside': {
          if (m === null) {
            if (preamble && meta.title === null && readTitle(line.text, meta)) {
              ctxHoles.push([line.start, line.next]);
            } else if (readChapter(line.text, meta) || isRatingLine(line.text)) {
              ctxHoles.push([line.start, line.next]);
            } else {
              trackFence(i, 0);
            }
            break;
          }
          switch (m.kind) {
            case 'separator':
              if (m.glued) gluedSeparator(i, m);
              leftover(line.start + m.start);
              endSection();
              ctxStart = line.next;
              ctxHoles = [];
              break;
            case 'heading': {
              leftover(line.start + m.start);
              endSection();
              preamble = false;
              if (m.tight) {
                const d = sink.report(
                  'heading-space',
                  spanOf(i, m),
                  `Unexpected ${quote(line.text.slice(m.end, m.end + 1))} right after '####', expected a space`,
                );
                attach(d, "Insert a space after '####'", [fixer.onLine(i, m.end, m.end, ' ')]);
              }
              if (m.glued) {
                const d = sink.report(
                  'glued-marker',
                  spanOf(i, m),
                  "Unexpected '####' after text on the same line, expected the title on a line of its own",
                );
                attach(d, "Move '####' to a line of its own", [fixer.breakBefore(i, m.start)]);
              }
              // `#### Title $:p Why…?`: the title ends where the glued question starts.
              const q = m.rest >= 0 ? gluedQuestion(line.text, m.rest) : null;
              const titleEnd = q ? line.start + q.start : line.end;
              const holes: Hole[] = [];
              titleId = m.rest >= 0 && !q ? readId(i, m.rest, holes) : null;
              title =
                m.rest >= 0 ? makeField(text, line.start + m.rest, titleEnd, holes, loc) : null;
              titleStart = line.start + m.start;
              ctxStart = q ? titleEnd : line.next;
              ctxHoles = [];
              if (q) startQuestion(i, q);
              break;
            }
            case 'question':
              startQuestion(i, m);
              break;
            case 'open': {
              // No `:p`: the paragraph right before the opener (often a misspelled `:` or `:w`
              // prompt) is taken as the question; without one the answer is left out.
              const p = questionParagraph(i, m);
              if (p < 0) {
                sink.report(
                  'orphan-answer',
                  spanOf(i, m),
                  `Unexpected '${m.spelling}' with no ':p' question before it, expected ':p <question>' first; this answer is left out`,
                );
                mode = 'orphan';
                break;
              }
              const orphan = sink.report(
                'orphan-answer',
                spanOf(i, m),
                `Unexpected '${m.spelling}' with no ':p' question before it, expected ':p <question>' first; the text before it is taken as the question`,
              );
              // A misspelled prompt (`: Why…`, `:w Why…`) at the paragraph start or glued after
              // math on its last line (`$$…$$: Why…`) starts the question there.
              const last = m.glued ? i : i - 1;
              const glued = /\$:[A-Za-z]?[ \t]+(?=\S)/.exec(lineText(last));
              const q = glued ? last : p;
              const start = glued ? glued.index + 1 : 0;
              const rest = glued
                ? start + glued[0].length - 1
                : /^[ \t]*(?::(?:[A-Za-z](?=[ \t]))?)?[ \t]*/.exec(lineText(p))![0].length;
              // A misspelled prompt (`: Why…`) is the author's `:p`; a plain paragraph may be
              // context that lost its question, which only the author can tell: no fix.
              if (!m.glued && (glued || lineText(p).trimStart().startsWith(':'))) {
                attach(orphan, "Write the prompt as ':p'", [
                  glued
                    ? fixer.onLine(q, start, rest, `${fixer.eol(q)}:p `)
                    : fixer.onLine(q, 0, rest, ':p '),
                ]);
              }
              startQuestion(q, {
                kind: 'question',
                start,
                end: rest,
                spelling: ':p',
                glued: false,
                rest,
                spaced: false,
                tight: false,
              });
              redo = true;
              break;
            }
            case 'close':
            case 'either': {
              const d = sink.report(
                'orphan-closer',
                spanOf(i, m),
                `Unexpected '${m.spelling}' with no open answer, expected '??x' before it`,
              );
              attach(d, `Delete the extra '${m.spelling}'`, [
                m.glued ? fixer.onLine(i, m.start, m.end, '') : fixer.deleteLine(i),
              ]);
              ctxHoles.push(
                m.glued ? [line.start + m.start, line.start + m.end] : [line.start, line.next],
              );
              break;
            }
          }
          break;
        }
        case 'orphan': {
          if (m === null || m.kind === 'open') {
            if (m === null) trackFence(i, 0);
            break;
          }
          mode = 'outside';
          if (m.kind === 'close' || m.kind === 'either') {
            ctxStart = line.next;
            ctxHoles = [];
          } else {
            ctxStart = line.start;
            ctxHoles = [];
            redo = true;
          }
          break;
        }
        case 'question': {
          const c = card!;
          if (m === null) {
            trackFence(i, 0);
            break;
          }
          switch (m.kind) {
            case 'open':
            case 'either': {
              markerWarnings(i, m, 'opener');
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
              openAnswer(cut, m.rest >= 0 ? line.start + m.rest : line.next, loc.at(i, m.start));
              if (m.rest >= 0) {
                // `??x The whole answer.x??` on one line.
                const g = gluedEnd(line.text);
                if (g && g.start > m.rest && g.kind === 'close') closeWith(i, g, 'closer');
                else trackFence(i, m.rest);
              }
              break;
            }
            case 'close': {
              // No opener: the `:p` line is the question, what follows it is the answer.
              const qLine = lines[c.line]!;
              const d = sink.report(
                'missing-opener',
                { start: loc.at(Math.min(c.line + 1, i)) },
                `Unexpected answer text after the question, expected '${OPEN}' on the line after ':p'; the answer is taken to start here`,
              );
              if (c.line + 1 < i) {
                const at = lines[c.line + 1]!.start;
                attach(d, `Insert '${OPEN}' after the question`, [
                  fixer.offsets(at, at, OPEN + fixer.eol(c.line)),
                ]);
              }
              openAnswer(qLine.end, qLine.next, loc.at(Math.min(c.line + 1, i)));
              closeWith(i, m, 'closer');
              break;
            }
            case 'question':
              missingAnswer(`Unexpected ':p' at line ${i + 1}`, line.start);
              redo = true;
              break;
            case 'heading':
              missingAnswer(`Unexpected '####' at line ${i + 1}`, line.start);
              redo = true;
              break;
            case 'separator':
              missingAnswer(`Unexpected '---' at line ${i + 1}`, line.start);
              redo = true;
              break;
          }
          break;
        }
        case 'answer': {
          if (m === null) {
            // `**Rating: 8/10**` sits between cards; in an answer it means the closer is missing.
            if (isRatingLine(line.text)) card!.aHoles.push([line.start, line.next]);
            else trackFence(i, 0);
            break;
          }
          switch (m.kind) {
            case 'close':
            case 'either':
              closeWith(i, m, 'closer');
              break;
            case 'open': {
              // `??x` closes the answer when only structure follows it (usually `---`); with
              // more text after it the answer goes on and the marker is a stray.
              const j = nextNonBlank[i + 1]!;
              const k = j < n ? marks[j]?.kind : undefined;
              const ends =
                m.rest < 0 &&
                (j >= n ||
                  k === 'separator' ||
                  k === 'heading' ||
                  k === 'question' ||
                  k === 'open');
              if (!ends) {
                const d = sink.report(
                  'stray-opener',
                  spanOf(i, m),
                  `Unexpected '${m.spelling}' inside an answer, expected '${CLOSE}' or answer text; the marker is left out`,
                );
                const part = m.glued || m.rest >= 0;
                card!.aHoles.push(
                  part ? [line.start + m.start, line.start + m.end] : [line.start, line.next],
                );
                // The fix deletes what the parser leaves out, unless what stays is then a marker
                // (`??x $x$ x??`: the `x??` would close the answer there).
                const kept = line.text.slice(0, m.start) + line.text.slice(m.end);
                if (!part || !classifyLine(kept))
                  attach(d, `Delete the stray '${m.spelling}'`, [
                    part ? fixer.onLine(i, m.start, m.end, '') : fixer.deleteLine(i),
                  ]);
              } else {
                closeWith(i, m, 'opener-as-closer');
              }
              break;
            }
            case 'question': {
              const cut = m.glued ? line.start + m.start : line.start;
              closeMissing(loc.at(i, m.start), "':p'", cut, i);
              ctxStart = cut;
              ctxHoles = [];
              redo = true;
              break;
            }
            case 'heading':
            case 'separator': {
              // A closer still to come (before any `:p` or `??x`): a rule or heading in the answer.
              if (i + 1 < n && nextMarker[i + 1] === STRONG.close) {
                trackFence(i, 0);
                break;
              }
              const cut = m.glued ? line.start + m.start : line.start;
              closeMissing(loc.at(i, m.start), `'${m.spelling}'`, cut, i);
              if (m.glued && m.kind === 'separator') {
                gluedSeparator(i, m);
                ctxStart = line.next;
                ctxHoles = [];
                endSection();
                break;
              }
              ctxStart = cut;
              ctxHoles = [];
              redo = true;
              break;
            }
          }
          break;
        }
      }
    }
  }

  // End of file.
  if (fence) {
    const f: FenceOpen = fence;
    sink.report(
      'unclosed-fence',
      { start: loc.at(f.line, f.column), end: loc.at(f.line, f.column + f.length) },
      `Unexpected end of file inside the code fence '${f.char.repeat(f.length)}${f.info}' opened here, expected a closing '${f.char.repeat(f.length)}'`,
    );
  }
  const eof = loc.point(text.length);
  if (mode === 'question') {
    missingAnswer('Unexpected end of file', text.length);
  } else if (mode === 'answer') {
    closeMissing(eof, 'end of file', text.length, null);
  } else if (mode === 'outside') {
    leftover(text.length);
  }
  endSection();

  // Explicit ids must be unique within the file (across files is the compiler's job): a repeated
  // one is dropped, so that the card is identified by its question like any other.
  const seen = new Map<string, IdAt>();
  ids.forEach((id, k) => {
    if (!id) return;
    const first = seen.get(id.id);
    if (first) {
      sink.report(
        'duplicate-id',
        { start: id.at },
        `Unexpected id '${id.id}', already used at line ${first.at.line}; expected a unique id (this card is identified by its question)`,
      );
      cards[k]!.id = null;
    } else {
      seen.set(id.id, id);
    }
  });
  return { cards, markers, questions };
}
