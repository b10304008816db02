/**
 * The card assembler's state — where the pass is (outside, question, answer, orphan), the open
 * fence, the current section and the pending card — and the steps that move a card through its
 * life: start a question, open its answer, close it (cleanly, with a closer-like marker, or
 * unclosed), finish it as a card or as an error. The per-mode handlers (`handle-*.ts`) decide
 * which step a line means; the loop in `cards.ts` feeds them the lines.
 */
import type { DiagnosticSink } from '../diagnostics/report.js';
import type { Card, Field, FileMeta, Point } from '../validate/schema.js';
import type { Dialect } from './dialect.js';
import type { FenceOpen } from './fences.js';
import { type Hole, makeField } from './fields.js';
import { attach, Fixer } from './fixes.js';
import type { Line, Locator } from './lines.js';
import { Lookahead } from './lookahead.js';
import { CLOSE, type ExplicitId, findExplicitId, gluedEnd, type Marker, OPEN } from './markers.js';

/** Where an explicit id was written, for duplicate reports. */
export interface IdAt {
  id: string;
  at: Point;
}

/** The card being read: its question, then its answer. */
export interface Pending {
  line: number;
  marker: Point;
  /** The question marker as written (`:p`, `?p:`, `p:`), or '' for a prompt without one. */
  spelling: string;
  /** An answer opened by `?x`: it runs to the next blank line, no closer expected. */
  paragraph: boolean;
  /** Where the card's own context started and what it left out (for a one-line prompt's). */
  ownContext: { start: number; holes: Hole[] } | null;
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

export type Mode = 'outside' | 'question' | 'answer' | 'orphan';

/** Shortens a quoted piece of source for a message. */
export const quote = (s: string) => `'${s.length > 40 ? `${s.slice(0, 37)}...` : s}'`;

export class Assembler {
  readonly ahead: Lookahead;
  readonly fixer: Fixer;
  readonly cards: Card[] = [];
  /** The `:p` marker of each card, parallel to `cards`. */
  readonly markers: Point[] = [];
  /** The explicit id of each card, parallel to `cards`. */
  readonly ids: (IdAt | null)[] = [];
  /** How many `:p` questions were seen (cards plus those reported as errors). */
  questions = 0;

  mode: Mode = 'outside';
  fence: FenceOpen | null = null;
  /** Nothing but file metadata seen yet (the `# title` line is accepted only then). */
  preamble = true;

  // Section state.
  title: Field | null = null;
  titleStart = -1;
  titleId: IdAt | null = null;
  sectionCards: number[] = [];
  sectionContext: Field | null = null;
  /** Where the text that may become the next card's context starts, and what it leaves out. */
  ctxStart: number;
  ctxHoles: Hole[] = [];

  card: Pending | null = null;

  // The second dialect's state (dialect.ts).
  /** Whether the file uses the second dialect, so that its markers are read. */
  readonly terms: boolean;
  /** The open `:d` group: its text, and the index of the blank line that ends it. */
  group: { field: Field | null; until: number } | null = null;
  /** The last paragraph scanned for a group's lines: its lines [from, until), its last one. */
  groupScan: { from: number; until: number; lastTerm: number } | null = null;
  /** The section's header has been the prompt of a card (or tried to be). */
  titlePrompted = false;
  /** The section's last card is one of the dialect's (text after it is no `unused-text`). */
  lastDialect = false;
  /** In `orphan` mode: the answer left out is a `?x` paragraph, ending at a blank line. */
  orphanParagraph = false;

  constructor(
    readonly text: string,
    readonly lines: readonly Line[],
    firstLine: number,
    readonly loc: Locator,
    readonly meta: FileMeta,
    readonly sink: DiagnosticSink,
    readonly dialect: Dialect = 'main',
  ) {
    this.terms = dialect !== 'main';
    this.ahead = new Lookahead(lines, this.terms);
    this.fixer = new Fixer(text, lines, loc);
    this.ctxStart = firstLine < lines.length ? lines[firstLine]!.start : text.length;
  }

  lineText(i: number): string {
    return this.lines[i]!.text;
  }

  spanOf(i: number, m: Marker) {
    return { start: this.loc.at(i, m.start), end: this.loc.at(i, m.end) };
  }

  /** The holes of the field being read: the question's, the answer's, or the context's. */
  holesFor(): Hole[] {
    const c = this.card;
    if (this.mode === 'question' && c) return c.qHoles;
    if (this.mode === 'answer' && c) return c.aHoles;
    return this.ctxHoles;
  }

  /** Context restarts at `offset` (after a card, a separator, a title). */
  restartContext(offset: number) {
    this.ctxStart = offset;
    this.ctxHoles = [];
  }

  endSection() {
    const { titleId, sectionCards } = this;
    if (titleId) {
      if (sectionCards.length === 1) {
        const k = sectionCards[0]!;
        if (this.ids[k] === null) {
          this.cards[k]!.id = titleId.id;
          this.ids[k] = titleId;
        }
      } else if (sectionCards.length > 1) {
        this.sink.report(
          'title-id-shared',
          { start: titleId.at },
          `Unexpected '{#${titleId.id}}' on a title with ${sectionCards.length} cards, expected it on one ':p' line; no card gets this id`,
        );
      }
    }
    this.title = null;
    this.titleStart = -1;
    this.titleId = null;
    this.sectionCards = [];
    this.sectionContext = null;
    this.titlePrompted = false;
    this.lastDialect = false;
  }

  /**
   * Text after a section's last card, up to `end` (the section's end), belongs to no card: a
   * context with no question after it, often model chatter ("I hope this helps!") or answer text
   * written after `x??`. Sections with context only (no `:p` at all) are normal and not reported.
   */
  leftover(end: number) {
    if (this.sectionCards.length === 0 || this.lastDialect) return;
    const unused = makeField(this.text, this.ctxStart, end, this.ctxHoles, this.loc);
    if (!unused) return;
    this.sink.report(
      'unused-text',
      unused.position,
      `Unexpected text ${quote(unused.value.split(/\r?\n|\r/)[0]!.trim())} after the last card of its section, expected ':p' before it or '---' above it; it belongs to no card`,
    );
  }

  readId(i: number, from: number, holes: Hole[]): IdAt | null {
    const id: ExplicitId | null = findExplicitId(this.lineText(i), from);
    if (!id) return null;
    const line = this.lines[i]!;
    holes.push([line.start + id.start, line.start + id.end]);
    const at = this.loc.at(i, id.start);
    if (!id.valid) {
      this.sink.report(
        'invalid-id',
        { start: at, end: this.loc.at(i, id.end) },
        `Unexpected id '${id.id}', expected letters, digits, '-' and '_' only; the id is ignored`,
      );
      return null;
    }
    return { id: id.id, at };
  }

  /**
   * Starts the question of marker `m` on line i. `share`: a card with no context of its own
   * takes the section's latest (a prompt on the line above a `?x` does not).
   */
  startQuestion(i: number, m: Marker, share = true) {
    const { loc, sink, fixer } = this;
    const line = this.lines[i]!;
    const cut = line.start + m.start;
    const p = m.spelling;
    if (m.glued) {
      const d = sink.report(
        'glued-marker',
        this.spanOf(i, m),
        `Unexpected '${p}' after text on the same line, expected it at the start of a line`,
      );
      attach(d, `Move '${p}' to a line of its own`, [fixer.breakBefore(i, m.start)]);
    } else if (m.spaced) {
      const d = sink.report(
        'marker-whitespace',
        { start: loc.at(i), end: loc.at(i, m.start) },
        `Unexpected whitespace before '${p}', expected it at the start of the line`,
      );
      attach(d, `Remove the whitespace before '${p}'`, [fixer.onLine(i, 0, m.start, '')]);
    }
    const own = makeField(this.text, this.ctxStart, cut, this.ctxHoles, loc);
    if (own) this.sectionContext = own;
    const qHoles: Hole[] = [];
    const qStart = m.rest >= 0 ? line.start + m.rest : line.next;
    const id = m.rest >= 0 ? this.readId(i, m.rest, qHoles) : null;
    const first = this.sectionCards.length === 0 && this.title && this.titleStart >= 0;
    const card: Pending = {
      line: i,
      marker: loc.at(i, m.start),
      spelling: m.spelling,
      paragraph: false,
      ownContext: own ? { start: this.ctxStart, holes: [...this.ctxHoles] } : null,
      cardStart: first ? this.titleStart : own ? own.position.start.offset : cut,
      title: this.title,
      context: own ?? (share ? this.sectionContext : null),
      qStart,
      qHoles,
      question: null,
      id,
      aStart: 0,
      aHoles: [],
      opener: loc.at(i),
    };
    this.card = card;
    this.preamble = false;
    this.questions++;
    this.mode = 'question';
    // `:p Why…?$$…$$??x`: the opener glued at the end of the question line.
    const g = m.rest >= 0 ? gluedEnd(line.text) : null;
    if (g && g.start > m.rest && (g.kind === 'open' || g.kind === 'either')) {
      this.markerWarnings(i, g, 'opener');
      card.qHoles.push([line.start + g.start, line.end]);
      this.openAnswer(line.start + g.start, line.next, loc.at(i, g.start));
    }
  }

  /** Reports the pending question as unanswered; context restarts at `resume`. */
  missingAnswer(why: string, resume: number) {
    const c = this.card!;
    this.sink.report(
      'missing-answer',
      {
        start: c.marker,
        end: { ...c.marker, column: c.marker.column + 2, offset: c.marker.offset + 2 },
      },
      c.spelling === ':p'
        ? `${why}, expected '??x' opening the answer of this question; no card is made`
        : `${why}, expected '?x' or '??x' opening the answer of this prompt; no card is made`,
    );
    this.card = null;
    this.mode = 'outside';
    this.restartContext(resume);
  }

  /** Ends the question at `cut` and opens the answer at `aStart`. */
  openAnswer(cut: number, aStart: number, opener: Point) {
    const c = this.card!;
    const line = this.lines[c.line]!;
    if ((c.spelling === '?p:' || c.spelling === 'p:') && cut > line.next) {
      // A `?p:` / `p:` prompt is its line; the lines after it, up to the answer, describe it
      // like the lines above it: they join the card's context.
      c.question = makeField(this.text, c.qStart, line.end, c.qHoles, this.loc);
      const from = c.ownContext?.start ?? line.next;
      const holes = [...(c.ownContext?.holes ?? []), [line.start, line.next] as const, ...c.qHoles];
      c.context =
        makeField(
          this.text,
          from,
          cut,
          holes.sort((a, b) => a[0] - b[0]),
          this.loc,
        ) ?? c.context;
    } else {
      c.question = makeField(this.text, c.qStart, cut, c.qHoles, this.loc);
    }
    c.aStart = aStart;
    c.opener = opener;
    this.mode = 'answer';
  }

  /** Finishes the card: the answer runs to `cut`; the card's span ends at `end` (or the answer's). */
  finishCard(cut: number, end: number | null) {
    const { sink, loc } = this;
    const c = this.card!;
    this.card = null;
    this.mode = 'outside';
    this.titlePrompted ||= c.paragraph || c.spelling !== ':p';
    const answer = makeField(this.text, c.aStart, cut, c.aHoles, loc);
    let question = c.question;
    if (!question) {
      const from = c.title ? 'title' : c.context ? 'context' : null;
      const source = c.title ?? c.context;
      if (!source || !from) {
        sink.report(
          'missing-question',
          { start: c.marker },
          `Unexpected empty '${c.spelling}' with no title or context to ask about, expected a question; no card is made`,
        );
        return;
      }
      sink.report(
        'empty-question',
        { start: c.marker },
        `Unexpected empty '${c.spelling}', expected a question; the ${from} ${quote(source.value)} is used as the question`,
      );
      question = { ...source, position: source.position };
    }
    // A context promoted to the question is not shown a second time as background.
    const context = question === c.context || (!c.question && !c.title) ? null : c.context;
    if (!answer) {
      sink.report(
        'empty-answer',
        { start: c.marker },
        `Unexpected empty answer (opened at line ${c.opener.line}), expected answer text after '${c.paragraph ? '?x' : OPEN}'; no card is made`,
      );
      return;
    }
    const endOffset = end ?? answer.position.end.offset;
    const card: Card = {
      type: 'card',
      title: c.title,
      context,
      question,
      answer,
      id: c.id?.id ?? null,
      position: { start: loc.point(Math.min(c.cardStart, endOffset)), end: loc.point(endOffset) },
    };
    this.addCard(card, c.marker, c.id, c.paragraph || c.spelling !== ':p');
  }

  /** Adds a finished card to the section; `dialect`: one of the second dialect's. */
  addCard(card: Card, marker: Point, id: IdAt | null, dialect: boolean) {
    this.sectionCards.push(this.cards.length);
    this.cards.push(card);
    this.markers.push(marker);
    this.ids.push(id);
    this.lastDialect = dialect;
  }

  markerWarnings(i: number, m: Marker, role: 'opener' | 'closer') {
    const { sink, fixer } = this;
    const want = role === 'opener' ? OPEN : CLOSE;
    if (m.kind === 'either' || m.spelling !== want) {
      const d = sink.report(
        'marker-spelling',
        this.spanOf(i, m),
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
        this.spanOf(i, m),
        `Unexpected '${m.spelling}' after text on the same line, expected it on a line of its own`,
      );
      attach(d, `Move '${m.spelling}' to a line of its own`, [fixer.breakBefore(i, m.start)]);
    } else if (m.spaced) {
      const d = sink.report(
        'marker-whitespace',
        this.spanOf(i, m),
        `Unexpected whitespace around '${m.spelling}', expected it alone at the start of the line`,
      );
      const edits = m.start > 0 ? [fixer.onLine(i, 0, m.start, '')] : [];
      const tail = this.lineText(i).length;
      if (m.rest < 0 && tail > m.end) edits.push(fixer.onLine(i, m.end, tail, ''));
      attach(d, `Remove the whitespace around '${m.spelling}'`, edits);
    }
  }

  /** Closes the answer with the closer-like marker `m` on line i. */
  closeWith(i: number, m: Marker, role: 'closer' | 'opener-as-closer') {
    const { sink, fixer, loc } = this;
    const line = this.lines[i]!;
    if (role === 'opener-as-closer') {
      const d = sink.report(
        'answer-closer',
        this.spanOf(i, m),
        `Unexpected '${m.spelling}' closing an answer, expected '${CLOSE}'`,
      );
      attach(d, `Replace '${m.spelling}' with '${CLOSE}'`, [
        fixer.onLine(i, m.start, m.end, CLOSE),
      ]);
      if (m.glued) this.markerWarnings(i, { ...m, spelling: OPEN, kind: 'open' }, 'opener');
    } else {
      this.markerWarnings(i, m, 'closer');
    }
    if (m.rest >= 0) {
      sink.report(
        'text-after-closer',
        { start: loc.at(i, m.rest), end: loc.at(i, line.text.trimEnd().length) },
        `Unexpected text ${quote(line.text.slice(m.rest).trim())} after '${m.spelling}', expected the end of the line; the text is not part of the answer`,
      );
    }
    this.finishCard(m.glued ? line.start + m.start : line.start, line.start + m.end);
    this.restartContext(line.next);
  }

  /**
   * Reports the open answer as unclosed at `place` (line `at`, or the end of the file when null)
   * and finishes its card at `cut`. The fix writes `x??` on a line of its own after the answer's
   * last line, when that line is above the one that ended the answer.
   */
  closeMissing(place: Point, what: string, cut: number, at: number | null) {
    const c = this.card!;
    const d = this.sink.report(
      'missing-closer',
      { start: place },
      `Unexpected ${what}, expected '${CLOSE}' closing the answer opened at line ${c.opener.line}`,
    );
    const made = this.cards.length;
    this.finishCard(cut, null);
    const answer = this.cards.length > made ? this.cards[made]!.answer : null;
    if (!answer) return;
    const last = answer.position.end.line - 1;
    if (at !== null && last >= at) return;
    const end = this.lines[last]!.end;
    attach(d, `Insert '${CLOSE}' after the answer`, [
      this.fixer.offsets(end, end, this.fixer.eol(last) + CLOSE),
    ]);
  }

  /**
   * The first line of the paragraph that ends right before the opener on line i (or on line i,
   * before a glued opener), within the current context; -1 when there is none.
   */
  questionParagraph(i: number, m: Marker): number {
    const marks = this.ahead.marks;
    let j = m.glued ? i : i - 1;
    const blank = (k: number) => this.lineText(k).trim() === '';
    if (j < 0 || blank(j) || this.lines[j]!.start < this.ctxStart || marks[j]?.kind === 'separator')
      return -1;
    while (j > 0 && !blank(j - 1) && this.lines[j - 1]!.start >= this.ctxStart && !marks[j - 1])
      j--;
    return j;
  }

  gluedSeparator(i: number, m: Marker) {
    const d = this.sink.report(
      'glued-marker',
      this.spanOf(i, m),
      "Unexpected '---' after text on the same line, expected it on a line of its own",
    );
    attach(d, "Move '---' to a line of its own", [this.fixer.breakBefore(i, m.start)]);
  }

  /**
   * Explicit ids must be unique within the file (across files is the compiler's job): a repeated
   * one is dropped, so that the card is identified by its question like any other.
   */
  dropDuplicateIds() {
    const seen = new Map<string, IdAt>();
    this.ids.forEach((id, k) => {
      if (!id) return;
      const first = seen.get(id.id);
      if (first) {
        this.sink.report(
          'duplicate-id',
          { start: id.at },
          `Unexpected id '${id.id}', already used at line ${first.at.line}; expected a unique id (this card is identified by its question)`,
        );
        this.cards[k]!.id = null;
      } else {
        seen.set(id.id, id);
      }
    });
  }
}
