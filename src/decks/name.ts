import type { FileMeta } from '../validate/schema.js';

/**
 * Deck names. A folder tree becomes a deck tree: every folder below the input root is a level,
 * and each file is a leaf named after its part (`# Flashcards: <book> (Part 7)` → `Part 07`) or
 * its title, or its file name. Front matter `deck:` overrides the whole name.
 */

/** Turns a machine-made name into a readable one: `2B005---Streaming-Systems_processed` → `Streaming Systems`. */
export function readableName(raw: string): string {
  const cleaned = raw
    .replace(/\.md$/i, '')
    .replace(/_processed$/i, '')
    .replace(/^[0-9][0-9A-Z]{1,5}-{2,}/, '') // catalogue codes such as `2B005---`
    .replace(/-{3,}/g, ' - ')
    .replace(/[_]+|(?<=\S)-(?=\S)/g, ' ')
    .replace(/-+$/, '')
    .replace(/\s+/g, ' ')
    .replace(/::/g, ':')
    .trim();
  return cleaned || raw.trim() || 'Untitled';
}

/** Zero-padded so that Anki's alphabetical deck order is the part order. */
const partName = (part: number) => `Part ${String(part).padStart(2, '0')}`;

/**
 * The full deck name of a file at `path` (relative to the input root, `/` separators).
 * `rootDeck` is used for files directly in the input root that name no book.
 */
export function deckNameFor(path: string, meta: FileMeta, rootDeck: string): string {
  if (meta.deck) return normalizeDeckName(meta.deck);
  const segments = path.split('/');
  const fileName = segments.pop() ?? path;
  const folders = segments.map(readableName);
  const leaf =
    meta.part !== null
      ? partName(meta.part)
      : meta.title
        ? readableName(meta.title)
        : readableName(fileName);
  if (folders.length === 0) {
    const book = meta.book ? readableName(meta.book) : rootDeck;
    return meta.part !== null || meta.book ? `${book}::${leaf}` : `${rootDeck}::${leaf}`;
  }
  return [...folders, leaf].join('::');
}

/** Trims each level of a `A::B` deck name and drops empty levels. */
export function normalizeDeckName(name: string): string {
  return name
    .split('::')
    .map((s) => s.trim())
    .filter(Boolean)
    .join('::');
}

/** A file-system-safe base name for a package named after a deck. */
export function packageFileName(deck: string): string {
  return (
    deck
      .replace(/::/g, '__')
      .replace(/[^\p{L}\p{N}._ -]+/gu, '-')
      .replace(/^[.-]+/, '')
      .trim() || 'deck'
  );
}
