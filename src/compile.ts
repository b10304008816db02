/**
 * The whole pipeline in a screenful:
 *   compileFile:  bytes → parse → deck name → render → compiled cards (per file: cacheable, parallel)
 *   linkProject:  compiled files + lock → identities, mods, packages, next lock
 *   emitPackage:  package → .apkg / .csv / .json / preview .html bytes
 * Pure: file access comes in through `readMedia` and the caller writes the outputs.
 */
import picomatch from 'picomatch';
import { deckNameFor, normalizeDeckName } from './decks/name.js';
import { DiagnosticSink } from './diagnostics/report.js';
import { emitApkg } from './emit/apkg.js';
import { emitCsv } from './emit/csv.js';
import { emitPreview } from './emit/html.js';
import { emitJson } from './emit/json.js';
import { NOTETYPE_ID, notetypeStyleHash } from './emit/notetype.js';
import { questionKeyHash } from './identity/guid.js';
import { hashHex } from './identity/hash.js';
import { type Lock, type LockEntry, resolveIdentities } from './identity/lock.js';
import { parseFile } from './parse/parse-file.js';
import { escapeHtml } from './render/escape.js';
import { renderCard } from './render/render-card.js';
import type {
  Diagnostic,
  JsonCard,
  MediaFile,
  Note,
  Package,
  SourceFile,
  SourceRef,
} from './validate/schema.js';

export const FORMATS = ['apkg', 'csv', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export const RETIRED_TAG = 'deckc::retired';

export interface CompileOptions {
  /** Deck for files directly in the input root that name no book. */
  rootDeck: string;
  /** Tags added to every card. */
  tags?: readonly string[];
  /** Deck names by glob over the file's path; the first match wins over the derived name. */
  decks?: Readonly<Record<string, string>>;
}

/** The deck a file's cards go to: front matter, then a configured glob, then the folder tree. */
function deckOf(path: string, meta: SourceFile['meta'], options: CompileOptions): string {
  if (!meta.deck) {
    for (const [glob, deck] of Object.entries(options.decks ?? {})) {
      if (picomatch.isMatch(path, glob)) return normalizeDeckName(deck);
    }
  }
  return deckNameFor(path, meta, options.rootDeck);
}

/** One card after parse and render: everything linking needs, serialisable (for workers and cache). */
export interface CompiledCard {
  deck: string;
  tags: string[];
  id: string | null;
  markdown: { title: string | null; context: string | null; question: string; answer: string };
  html: Omit<Note['fields'], 'Source'>;
  source: SourceRef;
}

export interface CompiledFile {
  path: string;
  cards: CompiledCard[];
  media: MediaFile[];
  diagnostics: Diagnostic[];
}

/** An Anki tag: no spaces inside. */
const toTag = (s: string) => s.trim().replace(/\s+/g, '_');

/** Parses and renders one file. Never throws on bad input: problems become diagnostics. */
export function compileFile(
  bytes: Uint8Array | string,
  path: string,
  readMedia: (path: string) => Uint8Array | null,
  options: CompileOptions,
): CompiledFile {
  const { file, diagnostics, markers } = parseFile(bytes, path);
  const sink = new DiagnosticSink(path);
  const deck = deckOf(path, file.meta, options);
  const tags = [
    ...(options.tags ?? []),
    ...file.meta.tags,
    ...(file.meta.chapter ? [`chapter::${file.meta.chapter}`] : []),
  ]
    .map(toTag)
    .filter(Boolean);
  const media = new Map<string, MediaFile>();
  const cards = file.children.map((card, i): CompiledCard => {
    const rendered = renderCard(card, { sink, file: path, readMedia });
    for (const m of rendered.media) media.set(m.name, m);
    return {
      deck,
      tags: [...new Set(tags)],
      id: card.id,
      markdown: {
        title: card.title?.value ?? null,
        context: card.context?.value ?? null,
        question: card.question.value,
        answer: card.answer.value,
      },
      html: rendered.fields,
      source: { file: path, line: markers[i]!.line, column: markers[i]!.column },
    };
  });
  return {
    path,
    cards,
    media: [...media.values()],
    diagnostics: [...diagnostics, ...sink.messages],
  };
}

export interface LinkOptions {
  /** Build time in seconds; the `mod` of notes whose content changed. */
  now: number;
  /** One package for everything, under this name; otherwise one per top-level deck. */
  bundle?: string | undefined;
}

export interface LinkedPackage extends Package {
  cards: JsonCard[];
  /** Diagnostics of the files whose cards are in this package (for the preview page). */
  diagnostics: Diagnostic[];
}

export interface LinkResult {
  packages: LinkedPackage[];
  lock: Lock;
  diagnostics: Diagnostic[];
  retired: number;
}

/** Gives every card its identity and groups notes into packages. Files must come sorted by path. */
export function linkProject(
  files: readonly CompiledFile[],
  previous: Lock | null,
  options: LinkOptions,
): LinkResult {
  const diagnostics: Diagnostic[] = [];
  const cards = files.flatMap((f) => f.cards);
  const scopeOf = (deck: string) => deck.split('::')[0] ?? deck;

  // Occurrence numbers keep two identical questions in one scope apart; explicit ids must be unique.
  const seenKeys = new Map<string, SourceRef>();
  const seenIds = new Map<string, SourceRef>();
  const occurrences = new Map<string, number>();
  const inputs = cards.map((card) => {
    const scope = scopeOf(card.deck);
    const base = questionKeyHash(card.markdown.question, 1);
    const n = (occurrences.get(`${scope}\u0000${base}`) ?? 0) + 1;
    occurrences.set(`${scope}\u0000${base}`, n);
    const at = `${card.source.file}:${card.source.line}`;
    if (card.id !== null) {
      const first = seenIds.get(card.id);
      if (first)
        diagnostics.push(
          diag(
            card.source,
            'duplicate-id',
            'error',
            `Unexpected id '${card.id}', already used at ${first.file}:${first.line}; ids must be unique`,
          ),
        );
      else seenIds.set(card.id, card.source);
    } else if (n > 1) {
      const first = seenKeys.get(`${scope}\u0000${base}`)!;
      diagnostics.push(
        diag(
          card.source,
          'duplicate-question',
          'warning',
          `Unexpected repeated question, first asked at ${first.file}:${first.line}; give one of them an explicit {#id} to keep their identities apart`,
        ),
      );
    } else seenKeys.set(`${scope}\u0000${base}`, card.source);
    const fields = { ...card.html, Source: escapeHtml(`${card.deck} · ${at}`) };
    return {
      scope,
      deck: card.deck,
      id: card.id,
      key: n > 1 ? questionKeyHash(card.markdown.question, n) : base,
      answer: hashHex(card.markdown.answer),
      content: hashHex(JSON.stringify([card.deck, card.tags, fields])),
      at,
      q: card.markdown.question.replace(/\s+/g, ' ').trim().slice(0, 120),
      fields,
    };
  });

  const resolved = resolveIdentities(inputs, previous, notetypeStyleHash(), options.now);
  const notes: Note[] = cards.map((card, i) => ({
    guid: resolved.identities[i]!.guid,
    deck: card.deck,
    tags: card.tags,
    fields: inputs[i]!.fields,
    mod: resolved.identities[i]!.mod,
    source: card.source,
  }));
  const retiredNotes = resolved.retired.map(([guid, entry]) => retiredNote(guid, entry));

  const packageOf = (deck: string) => options.bundle ?? scopeOf(deck);
  type Building = LinkedPackage & { mediaByName: Map<string, MediaFile> };
  const packages = new Map<string, Building>();
  const ensure = (name: string) => {
    const pkg: Building = packages.get(name) ?? {
      name,
      notes: [],
      media: [],
      cards: [],
      diagnostics: [],
      mediaByName: new Map(),
    };
    packages.set(name, pkg);
    return pkg;
  };
  notes.forEach((note, i) => {
    const pkg = ensure(packageOf(note.deck));
    pkg.notes.push(note);
    const card = cards[i]!;
    pkg.cards.push({
      guid: note.guid,
      id: card.id,
      deck: card.deck,
      tags: card.tags,
      ...card.markdown,
      html: note.fields,
      source: card.source,
    });
  });
  for (const note of retiredNotes) ensure(packageOf(note.deck)).notes.push(note);
  const linkDiagnostics = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const list = linkDiagnostics.get(d.file);
    if (list) list.push(d);
    else linkDiagnostics.set(d.file, [d]);
  }
  for (const file of files) {
    if (file.cards.length === 0) continue;
    const pkg = ensure(packageOf(file.cards[0]!.deck));
    for (const m of file.media) pkg.mediaByName.set(m.name, m);
    pkg.diagnostics.push(...file.diagnostics, ...(linkDiagnostics.get(file.path) ?? []));
  }
  const byName = <T extends { name: string }>(a: T, b: T) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const sorted = [...packages.values()]
    .map(({ mediaByName, ...pkg }) => ({ ...pkg, media: [...mediaByName.values()].sort(byName) }))
    .sort(byName);
  return { packages: sorted, lock: resolved.lock, diagnostics, retired: retiredNotes.length };
}

function diag(
  at: SourceRef,
  rule: string,
  severity: Diagnostic['severity'],
  message: string,
): Diagnostic {
  return {
    file: at.file,
    line: at.line,
    column: at.column,
    endLine: at.line,
    endColumn: at.column,
    severity,
    rule,
    message,
  };
}

/**
 * A note whose card vanished from the sources. Anki never deletes notes on import, so deckc
 * ships it once more, tagged, in a `Retired` subdeck of its package, so users can find it.
 */
function retiredNote(guid: string, entry: LockEntry): Note {
  const [file, line] = [entry.at.replace(/:\d+$/, ''), Number(entry.at.match(/:(\d+)$/)?.[1] ?? 1)];
  const deck = normalizeDeckName(`${entry.deck.split('::')[0]}::Retired`);
  return {
    guid,
    deck,
    tags: [RETIRED_TAG],
    fields: {
      Question: escapeHtml(entry.q),
      Answer: `<p><em>This card was removed from its source (${escapeHtml(entry.at)}). Its review history is kept; suspend or delete it.</em></p>`,
      Title: '',
      Context: '',
      Source: escapeHtml(`retired · ${entry.at}`),
    },
    mod: entry.mod,
    source: { file, line, column: 1 },
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
