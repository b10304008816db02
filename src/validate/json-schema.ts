import { z } from 'zod';
import { JsonDeck } from './schema.js';

/** JSON Schema (draft 2020-12) of the JSON deck format, generated from the zod schema. */
export function deckJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(JsonDeck, { target: 'draft-2020-12', io: 'output' }),
    $id: 'https://deckc.dev/schema/deck.schema.json',
    title: 'deckc JSON deck',
  };
}
