import type { ParseResult } from '../../src/parse/parse-file.js';
import type { Field, Position } from '../../src/validate/schema.js';

/** `line:column` of a point. */
const at = (p: { line: number; column: number }) => `${p.line}:${p.column}`;
const span = (p: Position) => `${at(p.start)}-${at(p.end)}`;
const field = (f: Field | null) => (f ? `${span(f.position)} ${f.value}` : null);

/**
 * The card tree in a shape a reader can check against input.md: each field as
 * `start-end value`, and the place of the card's `:p` marker.
 */
export function readableTree(result: ParseResult) {
  return {
    meta: result.file.meta,
    end: at(result.file.position.end),
    cards: result.file.children.map((card, k) => ({
      ':p': at(result.markers[k]!),
      span: span(card.position),
      offsets: `${card.position.start.offset}-${card.position.end.offset}`,
      id: card.id,
      title: field(card.title),
      context: field(card.context),
      question: field(card.question),
      answer: field(card.answer),
    })),
  };
}
