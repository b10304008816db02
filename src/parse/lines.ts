import type { Point } from '../validate/schema.js';

/** One source line: `start`..`end` is its text without the line ending; `next` starts the next line. */
export interface Line {
  /** 0-based line index (line number − 1). */
  index: number;
  start: number;
  end: number;
  next: number;
  text: string;
}

/** Splits on LF, CRLF and lone CR, as CommonMark does. A final line ending adds no empty line. */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      const next = c === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      lines.push({ index: lines.length, start, end: i, next, text: text.slice(start, i) });
      start = next;
      i = next - 1;
    }
  }
  if (start < n || lines.length === 0) {
    lines.push({ index: lines.length, start, end: n, next: n, text: text.slice(start, n) });
  }
  return lines;
}

/** Maps offsets to unist points (line and column 1-based, column in UTF-16 units). */
export class Locator {
  constructor(private readonly lines: readonly Line[]) {}

  point(offset: number): Point {
    const lines = this.lines;
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    const line = lines[lo]!;
    // An offset inside a CRLF pair or past the end clamps to the line's end.
    const column = Math.min(offset, line.end) - line.start + 1;
    return { line: lo + 1, column, offset };
  }

  /** The point at column `col` (0-based index into the line text) of line `index`. */
  at(index: number, col = 0): Point {
    const line = this.lines[index]!;
    return { line: index + 1, column: col + 1, offset: line.start + col };
  }
}
