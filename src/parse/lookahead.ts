/**
 * What lies ahead of each line, as tables built in one backward pass, so that every lookahead
 * the card state machine makes is O(1) and the whole pass stays linear in the number of lines.
 */
import { bareFenceChar } from './fences.js';
import type { Line } from './lines.js';
import { classifyDialectLine, classifyLine, type Marker, type MarkerKind } from './markers.js';

/** Codes of the markers that end or open something, for "what comes next" questions. */
export const STRONG: Partial<Record<MarkerKind, number>> = {
  question: 1,
  open: 2,
  close: 3,
  either: 3,
  heading: 4,
  // The second dialect's: a prompt asks like `:p`, `?x` opens like `??x`.
  prompt: 1,
  short: 2,
};
export const NONE = 0;

export class Lookahead {
  /** The marker each line carries, or null. */
  readonly marks: (Marker | null)[];
  /** Kind code of the first strong marker at or after line i (fences ignored). */
  readonly nextStrong: Int8Array;
  /** Index of that marker's line (n when none). */
  readonly nextStrongAt: Int32Array;
  /** The same as `nextStrong`, with `####` titles not counted. */
  readonly nextMarker: Int8Array;
  /** First non-blank line at or after i. */
  readonly nextNonBlank: Int32Array;
  /** First bare fence line of each character at or after i, or -1. */
  readonly nextTick: Int32Array;
  readonly nextTilde: Int32Array;

  /** `dialect`: whether the second dialect's markers are read too (see dialect.ts). */
  constructor(
    private readonly lines: readonly Line[],
    dialect: boolean,
  ) {
    const n = lines.length;
    const marks = lines.map(
      (l) => classifyLine(l.text) ?? (dialect ? classifyDialectLine(l.text) : null),
    );
    this.marks = marks;
    this.nextStrong = new Int8Array(n + 1);
    this.nextStrongAt = new Int32Array(n + 1);
    this.nextMarker = new Int8Array(n + 1);
    this.nextNonBlank = new Int32Array(n + 1);
    this.nextTick = new Int32Array(n + 1);
    this.nextTilde = new Int32Array(n + 1);
    this.nextStrongAt[n] = n;
    this.nextNonBlank[n] = n;
    this.nextTick[n] = -1;
    this.nextTilde[n] = -1;
    for (let i = n - 1; i >= 0; i--) {
      const m = marks[i];
      this.nextStrong[i] = (m && STRONG[m.kind]) || this.nextStrong[i + 1]!;
      this.nextStrongAt[i] = m && STRONG[m.kind] ? i : this.nextStrongAt[i + 1]!;
      this.nextMarker[i] = (m && m.kind !== 'heading' && STRONG[m.kind]) || this.nextMarker[i + 1]!;
      this.nextNonBlank[i] = lines[i]!.text.trim() === '' ? this.nextNonBlank[i + 1]! : i;
      const bare = bareFenceChar(lines[i]!.text);
      this.nextTick[i] = bare === '`' ? i : this.nextTick[i + 1]!;
      this.nextTilde[i] = bare === '~' ? i : this.nextTilde[i + 1]!;
    }
  }

  /** Kind code of the first strong marker at or after line i, NONE past the end. */
  strongAfter(i: number): number {
    return i < this.lines.length ? this.nextStrong[i]! : NONE;
  }

  /** The kind of the marker on the first non-blank line after line i, if any. */
  nextKindAfter(i: number): MarkerKind | undefined {
    const j = this.nextNonBlank[i + 1]!;
    return j < this.lines.length ? this.marks[j]?.kind : undefined;
  }
}
