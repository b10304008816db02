/**
 * The whole pipeline in a screenful:
 *   compileFile:  bytes → parse → deck name → render → compiled cards (per file: cacheable, parallel)
 *   linkProject:  compiled files + lock → identities, mods, packages, next lock (link/link.ts,
 *                 per top-level deck; a peer of this module, put beside it by index.ts)
 *   emitPackage:  package → .apkg / .csv / .json / preview .html bytes
 * What passes between them is plain data declared in validate/schema.ts (CompiledFile,
 * LinkedPackage). Pure: file access comes in through `readMedia` and the caller writes the outputs.
 */
import picomatch from 'picomatch';
import { deckNameFor, normalizeDeckName, safeName } from './decks/name.js';
import { DiagnosticSink } from './diagnostics/report.js';
import { emitApkg } from './emit/apkg.js';
import { emitCsv } from './emit/csv.js';
import type { Format } from './emit/formats.js';
import { emitPreview } from './emit/html.js';
import { emitJson } from './emit/json.js';
import { NOTETYPE_ID } from './emit/notetype.js';
import { kindAnswerHash, kindKey, questionKeyHash } from './identity/guid.js';
import { hashHex } from './identity/hash.js';
import type { Lock } from './identity/lock.js';
import { parseFile } from './parse/parse-file.js';
import { escapeHtml } from './render/escape.js';
import { renderCard } from './render/render-card.js';
import type {
  CompiledCard,
  CompiledFile,
  LinkedPackage,
  MediaFile,
  SourceFile,
} from './validate/schema.js';

export { FORMATS, type Format } from './emit/formats.js';

export interface CompileOptions {
  /** Deck for files directly in the input root that name no book. */
  rootDeck: string;
  /** Tags added to every card. */
  tags?: readonly string[];
  /** Deck names by glob over the file's path; the first match wins over the derived name. */
  decks?: Readonly<Record<string, string>>;
  /**
   * Reversed cards by glob over the file's path (`{"vocab/**": true}`); the first match wins,
   * front matter `reverse:` wins over it.
   */
  reverse?: Readonly<Record<string, boolean>>;
}

/** Whether a file's basic cards are reversed: front matter, then the first matching glob. */
function reverseOf(path: string, meta: SourceFile['meta'], options: CompileOptions): boolean {
  if (meta.reverse !== undefined) return meta.reverse;
  for (const [glob, reverse] of Object.entries(options.reverse ?? {})) {
    if (picomatch.isMatch(path, glob)) return reverse;
  }
  return false;
}

/**
 * The deck a file's cards go to: front matter, then a configured glob, then the folder tree. A
 * folder whose name holds what no deck name may (see safeName) is `unsafe-name`, as a front
 * matter deck is.
 */
function deckOf(
  path: string,
  meta: SourceFile['meta'],
  options: CompileOptions,
  sink: DiagnosticSink,
): string {
  if (!meta.deck) {
    for (const [glob, deck] of Object.entries(options.decks ?? {})) {
      const name = normalizeDeckName(deck);
      if (name && picomatch.isMatch(path, glob)) return name;
    }
    for (const folder of path.split('/').slice(0, -1)) {
      const safe = safeName(folder);
      if (safe.removed.length > 0)
        sink.report(
          'unsafe-name',
          { start: { line: 1, column: 1, offset: 0 } },
          `Unexpected ${safe.removed.map((c) => `'${c}'`).join(', ')} in the folder name '${safe.name}' used as a deck name, expected text without markup or control characters (removed: Anki shows names as HTML)`,
        );
    }
  }
  return deckNameFor(path, meta, options.rootDeck);
}

/** An Anki tag: no spaces inside, nothing a name may not hold (see safeName). */
const toTag = (s: string) => safeName(s).name.trim().replace(/\s+/g, '_');

/** Parses and renders one file. Never throws on bad input: problems become diagnostics. */
export function compileFile(
  bytes: Uint8Array | string,
  path: string,
  readMedia: (path: string) => Uint8Array | null,
  options: CompileOptions,
): CompiledFile {
  const { file, diagnostics, markers } = parseFile(bytes, path);
  const sink = new DiagnosticSink(path);
  const deck = deckOf(path, file.meta, options, sink);
  const tags = [
    ...(options.tags ?? []),
    ...file.meta.tags,
    ...(file.meta.chapter ? [`chapter::${file.meta.chapter}`] : []),
  ]
    .map(toTag)
    .filter(Boolean);
  const media = new Map<string, MediaFile>();
  const reverse = reverseOf(path, file.meta, options);
  const cards = file.children.map((card, i): CompiledCard => {
    const rendered = renderCard(card, { sink, file: path, readMedia });
    // Cloze markup makes a cloze note; otherwise `reverse` makes a reversed one (issue 14).
    const kind = rendered.cloze ? 'cloze' : reverse ? 'reversed' : undefined;
    for (const m of rendered.media) media.set(m.name, m);
    const source = { file: path, line: markers[i]!.line, column: markers[i]!.column };
    // The file (and explicit id), not the line: a card's line moves whenever a card above it is
    // added or removed, and a field that changes updates the note in Anki, over the user's edits.
    const html = {
      ...rendered.fields,
      Source: escapeHtml(card.id === null ? path : `${path}#${card.id}`),
    };
    const cardTags = [...new Set(tags)];
    return {
      deck,
      tags: cardTags,
      id: card.id,
      markdown: {
        title: card.title?.value ?? null,
        context: card.context?.value ?? null,
        question: card.question.value,
        answer: card.answer.value,
      },
      html,
      source,
      ...(kind ? { kind } : {}),
      hashes: {
        key: kindKey(kind, questionKeyHash(card.question.value, 1)),
        answer: kindAnswerHash(kind, card.answer.value),
        // What Anki stores of the note: its fields and tags (the deck is its cards', and a
        // re-import never moves cards).
        content: hashHex(JSON.stringify([cardTags, html])),
      },
    };
  });
  return {
    path,
    cards,
    media: [...media.values()],
    diagnostics: [...diagnostics, ...sink.messages],
  };
}

/** The output files of one package, keyed by extension. */
export async function emitPackage(
  pkg: LinkedPackage,
  formats: readonly Format[],
  lock: Lock,
): Promise<Map<Format, Uint8Array>> {
  const out = new Map<Format, Uint8Array>();
  if (formats.includes('apkg'))
    out.set('apkg', await emitApkg(pkg, { notetypeMod: lock.notetype.mod }));
  if (formats.includes('csv')) out.set('csv', emitCsv(pkg.notes, NOTETYPE_ID));
  if (formats.includes('json')) out.set('json', emitJson(pkg.name, pkg.cards));
  if (formats.includes('html')) {
    const page = emitPreview({
      deck: pkg.name,
      notes: pkg.notes,
      diagnostics: pkg.diagnostics,
      media: pkg.media,
    });
    out.set('html', new TextEncoder().encode(page));
  }
  return out;
}
