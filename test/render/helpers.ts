import type { Card, Field } from '../../src/validate/schema.js';

/** A field whose value is an exact slice of the file starting at line:column (offset 0-based). */
export function fieldOf(value: string, line = 1, column = 1, offset = 0): Field {
  const lines = value.split('\n');
  return {
    type: 'field',
    value,
    position: {
      start: { line, column, offset },
      end: {
        line: line + lines.length - 1,
        column: lines.length === 1 ? column + value.length : lines.at(-1)!.length + 1,
        offset: offset + value.length,
      },
    },
  };
}

export function cardWithAnswer(answer: string): Card {
  const field = fieldOf(answer);
  return {
    type: 'card',
    title: null,
    context: null,
    question: fieldOf('Q?', 1, 4),
    answer: field,
    id: null,
    position: field.position,
  };
}
