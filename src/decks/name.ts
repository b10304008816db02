import { createHash } from 'node:crypto';
import type { FileMeta } from '../validate/schema.js';

/**
 * Deck names. A folder tree becomes a deck tree: every folder below the input root is a level,
 * and each file is a leaf named after its part (`# Flashcards: <book> (Part 7)` → `Part 07`) or
 * its title, or its file name. Front matter `deck:` overrides the whole name. Every name is
 * written the way Anki stores it (normalizeDeckName), and names Anki would merge are spelled one
 * way (deckKey, settleDeckNames).
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
 * The full deck name of a file at `path` (relative to the input root, `/` separators), as
 * normalizeDeckName leaves it. `rootDeck` is used for files directly in the input root that name
 * no book. A front matter `deck:` that normalises to nothing falls back to the folder-made name.
 */
export function deckNameFor(path: string, meta: FileMeta, rootDeck: string): string {
  const fromMeta = meta.deck ? normalizeDeckName(meta.deck) : '';
  if (fromMeta) return fromMeta;
  const segments = path.split('/');
  const fileName = segments.pop() ?? path;
  const folders = segments.map(readableName);
  const leaf =
    meta.part !== null
      ? partName(meta.part)
      : meta.title
        ? readableName(meta.title)
        : readableName(fileName);
  let name: string;
  if (folders.length > 0) name = [...folders, leaf].join('::');
  else if (meta.book) name = `${readableName(meta.book)}::${leaf}`;
  else name = `${rootDeck}::${leaf}`;
  // A name made only of what Anki strips (a folder called `"::"`) still needs a deck.
  return normalizeDeckName(name) || normalizeDeckName(`${rootDeck}::${leaf}`) || 'Default';
}

/*
 * How Anki stores a deck name. It splits a human name on `::` and normalises every component
 * (rslib/src/decks/name.rs, NativeDeckName::from_human_name → normalized_deck_name_component):
 *
 *   NFC; remove ASCII control characters (U+0000–U+001F, U+007F) and, before 24.10, `"`; trim —
 *   `str::trim` (Unicode White_Space) before 23.10, `trim_matches(white space or ':')` from
 *   23.10; an empty component becomes "blank".
 *
 * deckc writes names that every one of those versions leaves as they are, split the same way:
 * it removes `"` too, trims `:` with the white space (as 23.10+ does, so that `Weird:` + `::` +
 * `Part 03` cannot become `Weird:::Part 03`, which Anki splits as `Weird` / `:Part 03`), drops
 * empty components instead of naming them "blank", and repeats until nothing changes (removing a
 * control character can bring `:` and `:` together, or leave a combining mark to compose).
 */

/** Rust's `char::is_whitespace` is Unicode White_Space (JS `trim` differs: it strips U+FEFF, keeps U+0085). */
const EDGES = /^[\p{White_Space}:]+|[\p{White_Space}:]+$/gu;
/**
 * `char::is_ascii_control`, and `"` (stripped by Anki before 24.10); and `<`, `>`, which Anki keeps
 * but 2.1.15's deck browser writes into its HTML unescaped (`F<svg onload=…>` runs there), and
 * the C1 controls, which move a terminal's cursor when a diagnostic names the deck.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what deckc removes
const INVALID = /[\u0000-\u001f\u007f-\u009f"<>]/g;

function normalizeComponent(component: string): string {
  let out = component;
  for (;;) {
    const next = out.normalize('NFC').replace(INVALID, '').replace(EDGES, '');
    if (next === out) return out;
    out = next;
  }
}

/**
 * A deck name as Anki stores it and as every Anki from 2.1.55 on leaves it: each `::` component
 * NFC, without control characters, `"`, `<` or `>`, trimmed of white space and `:`; empty
 * components dropped. Idempotent. Returns '' when nothing is left (callers fall back).
 */
export function normalizeDeckName(name: string): string {
  let out = name;
  for (;;) {
    const next = out.split('::').map(normalizeComponent).filter(Boolean).join('::');
    if (next === out) return out;
    out = next;
  }
}

/**
 * Unicode case folding as the `unicase` crate (2.6) does it, approximated in JavaScript. Anki
 * compares deck names (and tags, note type names) with a `unicase` SQLite collation
 * (rslib/src/storage/sqlite.rs `unicase_compare`; `decks.name … COLLATE unicase` in
 * rslib/src/storage/upgrades/schema15_upgrade.sql), i.e. full case folding (CaseFolding.txt
 * statuses C and F: `ß` = `ss` = `ẞ`), character by character and without normalising, so an
 * NFD spelling is not the NFC one.
 *
 * lower → upper → lower puts code points in the same classes as full folding for every code
 * point (checked against Python's `str.casefold`, Unicode 14, for all of them) except dotless
 * `ı`, which folding keeps apart from `i` and `toUpperCase` would merge, so it is left as it is.
 * Limits: letters that got case mappings after the Unicode version of unicase 2.6's table fold
 * here and not in Anki; the result is a key for equality, not Anki's sort order.
 */
export function foldCase(text: string): string {
  return text
    .split('ı')
    .map((part) => part.toLowerCase().toUpperCase().toLowerCase())
    .join('ı');
}

/**
 * The identity under which Anki finds a deck: its normalised name, case-folded. Names with the
 * same key are one deck in Anki (`Café::X`, `CAFÉ::x` and their NFD spellings), spelled the way
 * the first of them arrived.
 */
export function deckKey(name: string): string {
  return foldCase(normalizeDeckName(name));
}

/**
 * The spelling each name settles to when the names Anki would merge are spelled one way:
 * component by component, for every prefix (`A`, `A::B`, …) the first spelling seen (in input
 * order) for its deckKey wins: `Café::X`, `café::y`, `CAFÉ::X` → `Café::X`, `Café::y`, `Café::X`.
 * Names are normalised first; one that normalises to nothing settles to ''. Pure and
 * deterministic: the same names in the same order give the same map.
 */
export function settleDeckNames(names: Iterable<string>): Map<string, string> {
  /** The settled spelling of a prefix's last component, by the prefix's folded components. */
  const spellings = new Map<string, string>();
  const settled = new Map<string, string>();
  for (const name of names) {
    if (settled.has(name)) continue;
    const normal = normalizeDeckName(name);
    let key = '';
    const parts = normal
      ? normal.split('::').map((part) => {
          // \x1f never survives normalisation, so it cannot occur inside a component.
          key = key ? `${key}\x1f${foldCase(part)}` : foldCase(part);
          const first = spellings.get(key);
          if (first !== undefined) return first;
          spellings.set(key, part);
          return part;
        })
      : [];
    settled.set(name, parts.join('::'));
  }
  return settled;
}

/** What `safeName` removed from a name, for the caller's diagnostic. */
export interface SafeName {
  /** The name without markup or control characters (not otherwise normalised). */
  name: string;
  /** Each character removed, once, in order of appearance (`<`, `"`, `U+0000`). */
  removed: string[];
}

/** Characters a deck name or tag never carries: HTML's `<`, `>`, `"`, and control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f"<>]/g;

/** Shows a removed character in a message: itself when printable, else `U+XXXX`. */
const showChar = (c: string) =>
  /[<>"]/.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A deck name or tag with `<`, `>`, `"` and control characters removed, and what was removed, so
 * the caller can report it where the name was written (normalizeDeckName removes the same from
 * deck names silently, wherever they come from).
 */
export function safeName(name: string): SafeName {
  const removed = new Set<string>();
  const clean = name.replace(UNSAFE_IN_NAME, (c) => {
    removed.add(showChar(c));
    return '';
  });
  return { name: clean, removed: [...removed] };
}

/** UTF-8 bytes of the readable part of a package file name: `.retired.apkg.tmp…` must still fit 255. */
const MAX_NAME_BYTES = 150;
/** Names Windows reserves, whatever the extension. */
const RESERVED = /^(?:con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A file-system-safe base name for a package named after a deck: the readable name when the deck
 * name is one already; otherwise the cleaned name plus `-` and 8 hex of the deck name's SHA-256,
 * so that two decks that clean alike (`C++`, `C#` → `C-`) never share a file. Deterministic: the
 * same deck name gives the same file name, whatever else is built.
 */
export function packageFileName(deck: string): string {
  let readable =
    deck
      .replace(/::/g, '__')
      .replace(/[^\p{L}\p{N}._ -]+/gu, '-')
      .replace(/^[.-]+/, '')
      .trim() || 'deck';
  let cut = false;
  if (Buffer.byteLength(readable) > MAX_NAME_BYTES) {
    let bytes = 0;
    let kept = '';
    for (const c of readable) {
      bytes += Buffer.byteLength(c);
      if (bytes > MAX_NAME_BYTES) break;
      kept += c;
    }
    readable = kept.trimEnd();
    cut = true;
  }
  // A readable name that ends like a hashed one is hashed too, so it can never equal another's.
  const plain = !cut && !RESERVED.test(readable) && !/[. ]$|-[0-9a-f]{8}$/.test(readable);
  if (readable === deck && plain) {
    return readable;
  }
  const hash = createHash('sha256').update(deck).digest('hex').slice(0, 8);
  return `${readable}-${hash}`;
}
