/**
 * Fixes as data: the edits that turn a recovered marker into the clean form, attached to the
 * recovery's diagnostic (`Diagnostic.fix`). Each fix, applied alone, leaves a source that parses
 * to the same cards (`deckc fix` checks this again and drops a fix that would not), so a fix is
 * attached only where the parser's reading is the clean form's: a misspelled or spaced marker,
 * a marker glued to text, a closer or opener the parser inferred. Edits never add or remove text
 * that becomes part of a card; where they break a line they use the line ending of that line
 * (or the file's first one), so a CRLF file stays CRLF.
 */
import type { Diagnostic, Point } from '../validate/schema.js';
import type { Line, Locator } from './lines.js';

export type Edit = NonNullable<Diagnostic['fix']>['edits'][number];

export class Fixer {
  /** The file's first line ending, for a line that has none of its own (the last one). */
  private readonly eolDefault: string;

  constructor(
    private readonly text: string,
    private readonly lines: readonly Line[],
    private readonly loc: Locator,
  ) {
    const first = lines.find((l) => l.next > l.end);
    this.eolDefault = first ? text.slice(first.end, first.next) : '\n';
  }

  /** The line ending of line i (`\n`, `\r\n` or `\r`), or the file's. */
  eol(i: number): string {
    const line = this.lines[i]!;
    return line.next > line.end ? this.text.slice(line.end, line.next) : this.eolDefault;
  }

  /** Replaces [from, to) of line i's text (0-based indices into the text) with `text`. */
  onLine(i: number, from: number, to: number, text: string): Edit {
    return this.span(this.loc.at(i, from), this.loc.at(i, to), text);
  }

  /** Replaces the source offsets [from, to) with `text`. */
  offsets(from: number, to: number, text: string): Edit {
    return this.span(this.point(from), this.point(to), text);
  }

  /** The point of an offset; past a final line ending it is column 1 of the line after. */
  private point(offset: number): Point {
    const last = this.lines[this.lines.length - 1]!;
    if (offset >= last.next && last.next > last.end)
      return { line: this.lines.length + 1, column: 1, offset };
    return this.loc.point(offset);
  }

  /** Deletes line i with its line ending. */
  deleteLine(i: number): Edit {
    const line = this.lines[i]!;
    return this.offsets(line.start, line.next, '');
  }

  /** Breaks line i before index `at`, dropping the blanks before it (`…$$x??` → `…$$⏎x??`). */
  breakBefore(i: number, at: number): Edit {
    const before = this.lines[i]!.text.slice(0, at).trimEnd().length;
    return this.onLine(i, before, at, this.eol(i));
  }

  private span(start: Point, end: Point, text: string): Edit {
    return {
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      text,
    };
  }
}

/** Attaches a fix to a diagnostic (`edits` of one fix must not overlap). */
export function attach(d: Diagnostic, message: string, edits: Edit[]): void {
  if (edits.length) d.fix = { message, edits };
}
