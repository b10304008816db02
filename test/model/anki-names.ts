/**
 * Ports of Anki's name handling, written from the Rust source, to test deckc's own
 * (src/decks/name.ts) against. Case-insensitive comparison uses deckc's foldCase: Anki uses the
 * `unicase` crate, which JavaScript has no equivalent of (see foldCase for the approximation).
 */
import { foldCase } from '../../src/decks/name.js';
import { type AnkiVersion, atLeast, CHANGES } from './anki-version.js';

/** Native deck names separate components with \x1f (rslib/src/decks/name.rs, NativeDeckName). */
export const SEP = '\x1f';

/** Rust's `char::is_whitespace` (Unicode White_Space). */
const WHITE = /\p{White_Space}/u;

/**
 * rslib/src/decks/name.rs `normalized_deck_name_component`, as of `version`:
 * NFC (`normalize_to_nfc`); remove `invalid_char_for_deck_component` (`is_ascii_control`, and `"`
 * before 24.10); trim (`str::trim` before 23.10, `trim_matches(is_whitespace || ':')` after);
 * "blank" if nothing is left. Applied once, as Anki does (not to a fixed point).
 */
export function ankiDeckNameComponent(component: string, version: AnkiVersion): string {
  let out = component.normalize('NFC');
  const quotes = !atLeast(version, CHANGES.deckQuotesKept);
  out = [...out]
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return !(code <= 0x1f || code === 0x7f || (quotes && c === '"'));
    })
    .join('');
  const trimmable = atLeast(version, CHANGES.deckComponentColonTrim)
    ? (c: string) => WHITE.test(c) || c === ':'
    : (c: string) => WHITE.test(c);
  const chars = [...out];
  let start = 0;
  let end = chars.length;
  while (start < end && trimmable(chars[start]!)) start++;
  while (end > start && trimmable(chars[end - 1]!)) end--;
  const trimmed = chars.slice(start, end).join('');
  return trimmed === '' ? 'blank' : trimmed;
}

/** `NativeDeckName::from_human_name`: split on `::`, normalise each component, join with \x1f. */
export function ankiNativeDeckName(human: string, version: AnkiVersion): string {
  return human
    .split('::')
    .map((c) => ankiDeckNameComponent(c, version))
    .join(SEP);
}

/** `NativeDeckName::maybe_normalize`: normalise the components of a native name. */
export function ankiNormalizeNative(native: string, version: AnkiVersion): string {
  return native
    .split(SEP)
    .map((c) => ankiDeckNameComponent(c, version))
    .join(SEP);
}

/** `NativeDeckName::human_name`. */
export const humanName = (native: string) => native.replaceAll(SEP, '::');

/** The key of the `unicase` collation (`COLLATE unicase`, rslib/src/storage/sqlite.rs). */
export const unicase = (text: string) => foldCase(text);

/** `immediate_parent_name` (decks/name.rs). */
export function parentName(native: string): string | null {
  const at = native.lastIndexOf(SEP);
  return at < 0 ? null : native.slice(0, at);
}

/** rslib/src/tags/register.rs `normalized_tag_name_component` (separators: space, U+3000). */
function tagComponent(component: string): string {
  const out = [...component.normalize('NFC')]
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return !(code <= 0x1f || code === 0x7f || c === ' ' || c === '\u3000');
    })
    .join('')
    .replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
  return out === '' ? 'blank' : out;
}

/** tags/register.rs `normalize_tag_name`. */
export const normalizeTagName = (tag: string) => tag.split('::').map(tagComponent).join('::');
