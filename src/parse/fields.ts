import type { Field } from '../validate/schema.js';
import type { Locator } from './lines.js';

/** A [start, end) range of source offsets left out of a field (a marker, an id, a token). */
export type Hole = readonly [number, number];

/**
 * Cuts a field out of the source: the text of [start, end) minus `holes`, with blank lines
 * around it removed and trailing whitespace trimmed. Indentation inside is kept as written
 * (code in list items depends on it), including the first line's. The position spans the first
 * to the last kept character. Returns null when nothing but whitespace is left.
 */
export function makeField(
  text: string,
  start: number,
  end: number,
  holes: readonly Hole[],
  loc: Locator,
): Field | null {
  if (end <= start) return null;
  // Pieces of kept source, in order; `at` is each piece's offset in the value.
  const pieces: { from: number; to: number; at: number }[] = [];
  let value = '';
  let cursor = start;
  for (const [hs, he] of holes) {
    if (he <= cursor || hs >= end) continue;
    if (hs > cursor) {
      pieces.push({ from: cursor, to: hs, at: value.length });
      value += text.slice(cursor, hs);
    }
    cursor = Math.max(cursor, he);
  }
  if (cursor < end) {
    pieces.push({ from: cursor, to: end, at: value.length });
    value += text.slice(cursor, end);
  }
  // First non-blank character, then back to the start of its line.
  const firstChar = value.search(/\S/);
  if (firstChar < 0) return null;
  let lead = firstChar;
  while (lead > 0 && value[lead - 1] !== '\n' && value[lead - 1] !== '\r') lead--;
  const trimmedEnd = value.trimEnd().length;
  const toSource = (k: number) => {
    let piece = pieces[0]!;
    for (const p of pieces) {
      if (p.at > k) break;
      piece = p;
    }
    return piece.from + (k - piece.at);
  };
  return {
    type: 'field',
    value: value.slice(lead, trimmedEnd),
    position: { start: loc.point(toSource(lead)), end: loc.point(toSource(trimmedEnd - 1) + 1) },
  };
}
