import type { JsonCard, JsonDeck } from '../validate/schema.js';

export const JSON_SCHEMA_URL = 'https://deckc.dev/schema/deck.schema.json';

/** A JSON deck file: the package's cards with Markdown source and rendered HTML side by side. */
export function emitJson(deck: string, cards: readonly JsonCard[]): Uint8Array {
  const doc: JsonDeck = { format: 'deckc-deck@1', deck, cards: [...cards] };
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}
