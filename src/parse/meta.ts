/**
 * What a file says about itself, outside its cards: YAML front matter, the `# Flashcards: …`
 * title line, `**Starting Chapter:** …` and the older `**Rating: 8/10**` /
 * `**Rating threshold:** …` lines (recognised so they stay out of cards, otherwise ignored).
 */
import { parseDocument } from 'yaml';
import type { DiagnosticSink } from '../diagnostics/report.js';
import type { FileMeta } from '../validate/schema.js';
import type { Line, Locator } from './lines.js';

export function emptyMeta(): FileMeta {
  return { title: null, book: null, part: null, chapter: null, deck: null, tags: [] };
}

const TITLE_RE = /^#[ \t]+(.*?)[ \t#]*$/;
const BOOK_RE = /^(?:High-Quality\s+)?Flashcards:\s*(.*?)(?:\s*\(Part\s+(\d+)\))?\s*$/i;
const CHAPTER_RE = /^[ \t]*\*\*Starting Chapter:?\*\*:?[ \t]*(.*?)[ \t]*$/i;
const RATING_RE = /^[ \t]*\*\*Rating(?: threshold)?:/i;

/** Reads a `# …` file title into `meta`; false when the line is not one. */
export function readTitle(text: string, meta: FileMeta): boolean {
  const m = TITLE_RE.exec(text);
  if (!m) return false;
  meta.title = m[1]!;
  const b = BOOK_RE.exec(m[1]!);
  if (b) {
    meta.book = b[1]! || null;
    meta.part = b[2] === undefined ? null : Number(b[2]);
  }
  return true;
}

/** Reads `**Starting Chapter:** …` into `meta` (the first one wins); false when not one. */
export function readChapter(text: string, meta: FileMeta): boolean {
  const m = CHAPTER_RE.exec(text);
  if (!m) return false;
  // The chapter becomes a tag: no markup or control characters (see safeName).
  meta.chapter ??= safeName(m[1] ?? '').name.trim() || null;
  return true;
}

export function isRatingLine(text: string): boolean {
  return RATING_RE.test(text);
}

const KEY_RE = /^[A-Za-z_][\w-]*[ \t]*:/;

/**
 * YAML front matter: a first line `---`, a `key:` line right after it, and a closing `---` or
 * `...`. (A file may also start with a plain `---` separator; the `key:` line tells them apart.)
 * Returns the index of the first line after the front matter, 0 when there is none.
 */
export function readFrontMatter(
  lines: readonly Line[],
  loc: Locator,
  meta: FileMeta,
  sink: DiagnosticSink,
): number {
  if (lines.length < 2 || lines[0]!.text.trimEnd() !== '---' || !KEY_RE.test(lines[1]!.text)) {
    return 0;
  }
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i]!.text.trimEnd();
    if (t === '---' || t === '...') {
      close = i;
      break;
    }
  }
  if (close < 0) {
    sink.report(
      'front-matter',
      { start: loc.at(0), end: loc.at(0, 3) },
      "Unexpected end of file in front matter, expected a closing '---'",
    );
    return 0;
  }
  const source = lines
    .slice(1, close)
    .map((l) => l.text)
    .join('\n');
  let doc: ReturnType<typeof parseDocument>;
  let data: unknown;
  try {
    doc = parseDocument(source, { prettyErrors: false });
    data = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) : null;
  } catch (e) {
    // An alias bomb (`maxAliasCount`), or nesting deep enough to overflow the stack.
    sink.report(
      'front-matter',
      { start: loc.at(1) },
      `Unexpected YAML in front matter: ${e instanceof RangeError ? 'nesting too deep' : firstLine(e instanceof Error ? e.message : String(e))}, expected a small mapping such as \`deck: A::B\` (at most ${MAX_ALIAS_COUNT} alias expansions)`,
    );
    return close + 1;
  }
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const line = 1 + (pos?.line ?? 1);
    const column = pos?.col ?? 1;
    const at = loc.at(line - 1, Math.min(column - 1, lines[line - 1]!.text.length));
    sink.report(
      'front-matter',
      { start: at },
      `Unexpected YAML in front matter: ${firstLine(error.message)}`,
    );
    return close + 1;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    sink.report(
      'front-matter',
      { start: loc.at(1) },
      'Unexpected front matter, expected a mapping such as `deck: A::B`',
    );
    return close + 1;
  }
  const record = data as Record<string, unknown>;
  const keyLine = (key: string) => {
    const i = lines.slice(1, close).findIndex((l) => l.text.startsWith(`${key}:`));
    return loc.at(i < 0 ? 1 : i + 1);
  };
  if ('deck' in record) {
    const deck = typeof record.deck === 'string' ? safeName(record.deck) : null;
    if (deck && deck.removed.length > 0) reportUnsafe(sink, keyLine('deck'), 'deck name', deck);
    if (deck && !EMPTY_DECK.test(deck.name)) meta.deck = deck.name.trim();
    else
      sink.report(
        'front-matter',
        { start: keyLine('deck') },
        deck && deck.name.trim() !== ''
          ? `Unexpected deck name '${deck.name.trim()}' that is empty once normalised (Anki drops empty '::' levels), expected a deck name such as \`A::B\``
          : 'Unexpected `deck` value, expected a deck name such as `A::B`',
      );
  }
  if ('tags' in record) {
    const tags = record.tags;
    const list = typeof tags === 'string' ? tags.split(/[\s,]+/) : tags;
    if (Array.isArray(list) && list.every((t) => typeof t === 'string' || typeof t === 'number')) {
      meta.tags = list
        .map((t) => {
          const tag = safeName(String(t));
          if (tag.removed.length > 0) reportUnsafe(sink, keyLine('tags'), 'tag', tag);
          return tag.name;
        })
        .filter((t) => t.trim() !== '');
    } else {
      sink.report(
        'front-matter',
        { start: keyLine('tags') },
        'Unexpected `tags` value, expected a list of tags such as `[a, b]`',
      );
    }
  }
  if ('reverse' in record) {
    // issue 14: each basic card of the file also asks answer → question.
    if (typeof record.reverse === 'boolean') meta.reverse = record.reverse;
    else
      sink.report(
        'front-matter',
        { start: keyLine('reverse') },
        'Unexpected `reverse` value, expected `true` or `false`',
      );
  }
  return close + 1;
}

/**
 * A name or tag without `<`, `>`, `"` and control characters, and what was removed (once each,
 * `U+XXXX` for controls). The same set as `safeName` in decks/name.ts (a test keeps them equal),
 * repeated here because a parse module may not import a later stage.
 */
export function safeName(name: string): { name: string; removed: string[] } {
  const removed = new Set<string>();
  const clean = name.replace(UNSAFE_IN_NAME, (c) => {
    removed.add(
      /[<>"]/.test(c) ? c : `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    );
    return '';
  });
  return { name: clean, removed: [...removed] };
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f"<>]/g;
/** A deck name Anki would reduce to nothing: only white space, `:` and `::` (`" :: "`). */
const EMPTY_DECK = /^[\p{White_Space}:]*$/u;

/** Alias expansions allowed in front matter: enough for any real file, too few for a bomb. */
export const MAX_ALIAS_COUNT = 100;

function reportUnsafe(
  sink: DiagnosticSink,
  at: ReturnType<Locator['at']>,
  what: string,
  safe: { name: string; removed: string[] },
) {
  sink.report(
    'unsafe-name',
    { start: at },
    `Unexpected ${safe.removed.map((c) => `'${c}'`).join(', ')} in a ${what}, expected text without markup or control characters (removed: Anki shows names as HTML; using '${safe.name.trim()}')`,
  );
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
