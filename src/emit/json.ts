import type { JsonCard, JsonDeck } from '../validate/schema.js';
import { Utf8Chunks } from './chunks.js';

/**
 * A JSON deck file: the package's cards with Markdown source and rendered HTML side by side.
 * The bytes of `JSON.stringify(doc, null, 2)` and a newline, written a card at a time.
 */
export function emitJson(deck: string, cards: readonly JsonCard[]): Uint8Array {
  const head: Omit<JsonDeck, 'cards'> = { format: 'deckc-deck@1', deck };
  const out = new Utf8Chunks();
  // The document without its last line (`}`), the cards array opened after the last key.
  out.add(JSON.stringify(head, null, 2).slice(0, -2));
  if (cards.length === 0) out.add(',\n  "cards": []');
  else {
    out.add(',\n  "cards": [');
    cards.forEach((card, n) => {
      // A card two levels deep: JSON strings hold no raw newline, so every one is indentation.
      out.add(
        `${n === 0 ? '' : ','}\n    ${JSON.stringify(card, null, 2).replaceAll('\n', '\n    ')}`,
      );
    });
    out.add('\n  ]');
  }
  out.add('\n}\n');
  return out.done();
}
