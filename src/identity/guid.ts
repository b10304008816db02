import { hashBase62, hashHex } from './hash.js';

/**
 * A card's identity. deckc sources carry no ids, so identity is derived from what an author
 * rarely changes casually: the question, within the package (top-level deck) it belongs to.
 * Answer edits, reformatting (whitespace, emphasis markers, case) and moving a card among the
 * files of its package keep the identity; an author who wants more writes an explicit `{#id}`.
 * Question edits keep it through the lock file (see lock.ts).
 */

/** Normalises a question so that reformatting does not change identity. */
export function questionKey(markdown: string): string {
  return markdown
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Hash of the normalised question, as stored in the lock file. */
export function questionKeyHash(markdown: string, occurrence: number): string {
  const key = questionKey(markdown);
  return hashHex(occurrence > 1 ? `${key}\u0000#${occurrence}` : key);
}

/** GUID of a card identified by its question within a package scope. */
export function derivedGuid(scope: string, keyHash: string): string {
  return hashBase62(`deckc\u0000q\u0000${scope}\u0000${keyHash}`);
}

/** GUID of a card with an explicit `{#id}`: global, so the card may move between decks. */
export function explicitGuid(id: string): string {
  return hashBase62(`deckc\u0000id\u0000${id}`);
}
