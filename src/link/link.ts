/**
 * Linking: compiled cards + the previous lock → identities, mods, packages, the next lock.
 *
 * The unit of linking is the scope, a top-level deck: GUIDs are derived within a scope, a
 * question repeats only within its scope, an edited question is followed only within its scope.
 * So each scope links on its own against its slice of the lock, and a build whose change touches
 * one scope relinks (and re-emits) one scope. The one tie between scopes is explicit ids
 * (`{#id}`): they are unique in the whole project and a card may carry its id into another
 * scope. So a project is linked in these steps, which `linkProject` takes in turn and the build
 * engine (build/plan-scopes.ts, build/link-scopes.ts) takes with its caches around them:
 *   claimScopes   each file's scope, spelt one way, and the explicit ids settled over the project
 *                 (from small per-file summaries, see summarize);
 *   sliceLock     each scope's entries of the previous lock (lineScopes: by lines);
 *   groupByScope  the files of each scope, and the scopes only the lock knows;
 *   linkScope     one scope against its slice: identities, notes, its entries of the next lock;
 *   packScopes    linked scopes into packages: one per scope, or one bundle.
 */

import { deckKey, normalizeDeckName, settleDeckNames } from '../decks/name.js';
import { notetypeStyleHash } from '../emit/notetype.js';
import {
  explicitGuid,
  explicitGuidV1,
  kindId,
  kindKey,
  kindOfKey,
  projectId,
  questionKeyHash,
} from '../identity/guid.js';
import {
  KEEP_RETIRED_SECONDS,
  type Lock,
  type LockEntry,
  type LockLine,
  type ResolveContext,
  resolveNotes,
  resolveNotetype,
  scopeOf,
  serializeEntries,
} from '../identity/lock.js';
import { escapeHtml } from '../render/escape.js';
import type {
  CompiledFile,
  Diagnostic,
  FileSummary,
  JsonCard,
  LinkedPackage,
  MediaFile,
  Note,
  SourceRef,
} from '../validate/schema.js';

const RETIRED_TAG = 'deckc::retired';

export function summarize(file: CompiledFile): FileSummary {
  const first = file.cards[0];
  return {
    scope: first ? scopeOf(first.deck) : null,
    ids: file.cards.flatMap((c) =>
      c.id === null ? [] : [{ id: c.id, line: c.source.line, column: c.source.column }],
    ),
  };
}

export interface Claims {
  /** GUID of each explicit id → the scope of the card that holds it. */
  owners: Map<string, string>;
  /**
   * `duplicate-id` errors, one on each card whose id was used before; such a card is identified
   * by its question (see linkScope), so that one GUID never names two notes.
   */
  diagnostics: Diagnostic[];
}

/**
 * The id of a project that has no lock yet: made from its cards (every file's path and each
 * card's question key and content hash, files in input order), then kept in the lock for good.
 * Two unrelated projects never share one; the same sources built twice from scratch do.
 */
export function projectIdOf(files: readonly CompiledFile[]): string {
  return projectIdOfSeeds(files.map(projectSeed));
}

/** One file's share of a project id (see projectIdOf): kept by a build that lets its cards go. */
export const projectSeed = (f: CompiledFile): string =>
  `${f.path}\u0000${f.cards.map((c) => `${c.hashes.key}:${c.hashes.content}`).join(',')}`;

/** The project id of files' seeds (projectSeed), in input order. */
export const projectIdOfSeeds = (seeds: readonly string[]): string =>
  projectId(seeds.join('\u0001'));

/**
 * Explicit ids over the whole project, files in input order: the first card with an id owns it.
 * Its GUID is the project's salted one, or the unsalted one a version 1 lock may hold: both
 * name the scope that links the note (`scopes`, spelt, of each file).
 */
function claimIds(
  files: readonly { path: string; summary: FileSummary }[],
  scopes: readonly (string | null)[],
  project: string,
): Claims {
  const first = new Map<string, SourceRef>();
  const claims: Claims = { owners: new Map(), diagnostics: [] };
  for (const [i, { path, summary }] of files.entries()) {
    const scope = scopes[i]!;
    for (const { id, line, column } of summary.ids) {
      const at = { file: path, line, column };
      const seen = first.get(id);
      if (seen) {
        claims.diagnostics.push({
          ...diag(
            at,
            'duplicate-id',
            'error',
            `Unexpected id '${id}', already used; ids must be unique (this card is identified by its question)`,
          ),
          related: { ...seen, message: 'first used here' },
        });
      } else {
        first.set(id, at);
        claims.owners.set(explicitGuid(project, id), scope);
        claims.owners.set(explicitGuidV1(id), scope);
        // The card's notes of the other kinds it may have been (guid.ts kindId): a card that
        // changed kind as it moved to this scope retires its old note here.
        for (const kind of ['cloze', 'reversed'] as const)
          claims.owners.set(explicitGuid(project, kindId(kind, id)), scope);
      }
    }
  }
  return claims;
}

/** Each file's scope spelt one way, and the explicit ids settled (see claimScopes). */
export interface ScopeClaims {
  /** The spelling of scopes so far (scopeSpeller): slicing the lock goes on with it. */
  spell: (scope: string) => string;
  /** Each file's scope, spelt (null: a file without cards), in input order. */
  scopes: (string | null)[];
  claims: Claims;
}

/** The first step of linking: `files` in input order, with their summaries. */
export function claimScopes(
  files: readonly { path: string; summary: FileSummary }[],
  project: string,
): ScopeClaims {
  const spell = scopeSpeller();
  const scopes = files.map(({ summary }) => (summary.scope === null ? null : spell(summary.scope)));
  return { spell, scopes, claims: claimIds(files, scopes, project) };
}

/**
 * File indexes by scope, in input order: the files' scopes (claimScopes) first, then the scopes
 * only the lock knows (`lockScopes`), linked with no files so that their notes retire.
 */
export function groupByScope(
  scopes: readonly (string | null)[],
  lockScopes: Iterable<string>,
): Map<string, number[]> {
  const byScope = new Map<string, number[]>();
  for (const [i, scope] of scopes.entries()) {
    if (scope === null) continue;
    const list = byScope.get(scope);
    if (list) list.push(i);
    else byScope.set(scope, [i]);
  }
  for (const scope of lockScopes) if (!byScope.has(scope)) byScope.set(scope, []);
  return byScope;
}

/** What every scope of a build is linked in: `now` in seconds, no id given out yet. */
export const linkContext = (
  project: string,
  now: number,
  keepRetired = KEEP_RETIRED_SECONDS,
): ResolveContext => ({ project, now, taken: new Set(), keepRetired });

/**
 * One spelling per scope, as Anki tells decks apart (without case, see decks/name.ts): the first
 * one asked for of each deckKey. Asked first for the scopes of the files in input order, then for
 * the lock's in GUID order, so that `Café` and `café` are one scope, spelt as its first file does.
 */
function scopeSpeller(): (scope: string) => string {
  const spellings = new Map<string, string>();
  return (scope) => {
    const key = deckKey(scope);
    const known = spellings.get(key);
    if (known !== undefined) return known;
    spellings.set(key, scope);
    return scope;
  };
}

/**
 * The previous lock's entries by the scope that links them, in GUID order: the scope of the card
 * claiming the entry by explicit id, otherwise the scope of the entry's deck (`spell`ed).
 */
export function sliceLock(
  previous: Lock | null,
  owners: ReadonlyMap<string, string>,
  spell: (scope: string) => string = (scope) => scope,
): Map<string, Record<string, LockEntry>> {
  const slices = new Map<string, Record<string, LockEntry>>();
  const notes = previous?.notes ?? {};
  for (const guid of Object.keys(notes).sort()) {
    const entry = notes[guid]!;
    const scope = owners.get(guid) ?? spell(scopeOf(entry.deck));
    let slice = slices.get(scope);
    if (!slice) {
      slice = {};
      slices.set(scope, slice);
    }
    slice[guid] = entry;
  }
  return slices;
}

/** sliceLock of a lock file read by lines (see lockLines): each line's scope, in order. */
export const lineScopes = (
  lines: readonly LockLine[],
  owners: ReadonlyMap<string, string>,
  spell: (scope: string) => string = (scope) => scope,
) => lines.map((line) => owners.get(line.guid) ?? spell(scopeOf(line.deck)));

/** One scope, linked. */
export interface ScopeLink {
  scope: string;
  /** Notes of the scope's cards, in input order. */
  notes: Note[];
  /** Notes whose cards vanished and that the lock still remembers, by GUID (see retiredNote). */
  retired: Note[];
  cards: JsonCard[];
  /** `duplicate-question` warnings. */
  diagnostics: Diagnostic[];
  /** The scope's entries of the next lock. */
  entries: Record<string, LockEntry>;
  /**
   * Linking the same files again against `entries` would change nothing: then nothing in this
   * link depends on `now` any more, and a build cache may reuse it (see build/build.ts).
   */
  settled: boolean;
}

/**
 * Links the cards of one scope (`files` in input order, every card in the scope) against the
 * scope's slice of the previous lock. `context.now` (seconds) only becomes the mod of changed
 * notes and the id of new ones; `context.taken` collects the ids this build gives out.
 * `claims` are the project's `duplicate-id` errors: the ids of those cards are not used.
 */
export function linkScope(
  scope: string,
  files: readonly CompiledFile[],
  slice: Readonly<Record<string, LockEntry>>,
  context: ResolveContext,
  claims: readonly Diagnostic[] = [],
): ScopeLink {
  const diagnostics: Diagnostic[] = [];
  const repeated = new Set(claims.map((d) => `${d.file}:${d.line}:${d.column}`));
  // Deck names Anki would take for one (they differ only in case) are spelt one way: the
  // scope's, then the first seen (a file's deck is already normalised as Anki normalises).
  const spelling = settleDeckNames([scope, ...files.flatMap((f) => f.cards.map((c) => c.deck))]);
  const cards = files.flatMap((f) =>
    f.cards.map((c) => {
      const deck = spelling.get(c.deck)!;
      const id =
        c.id !== null && repeated.has(`${c.source.file}:${c.source.line}:${c.source.column}`)
          ? null
          : c.id;
      return deck === c.deck && id === c.id ? c : { ...c, deck, id };
    }),
  );
  // Occurrence numbers keep two identical questions apart (explicit ids are checked by claimIds).
  const seenKeys = new Map<string, SourceRef>();
  const occurrences = new Map<string, number>();
  const inputs = cards.map((card) => {
    const base = card.hashes.key;
    const n = (occurrences.get(base) ?? 0) + 1;
    occurrences.set(base, n);
    const at = card.source.file;
    if (card.id !== null) {
      // Identified by its id.
    } else if (n > 1) {
      const first = seenKeys.get(base)!;
      diagnostics.push({
        ...diag(
          card.source,
          'duplicate-question',
          'warning',
          'Unexpected repeated question; give one of them an explicit {#id} to keep their identities apart',
        ),
        related: { ...first, message: 'first asked here' },
      });
    } else seenKeys.set(base, card.source);
    return {
      scope,
      deck: card.deck,
      id: card.id === null ? null : kindId(card.kind, card.id),
      key: n > 1 ? kindKey(card.kind, questionKeyHash(card.markdown.question, n)) : base,
      answer: card.hashes.answer,
      content: card.hashes.content,
      at,
      q: card.markdown.question.replace(/\s+/g, ' ').trim().slice(0, 120),
    };
  });
  const resolved = resolveNotes(inputs, slice, context);
  const again = resolveNotes(inputs, resolved.notes, {
    ...context,
    now: context.now + 1,
    taken: new Set(context.taken),
  });
  const settled =
    again.identities.every((id, i) => id.guid === resolved.identities[i]!.guid) &&
    serializeEntries(again.notes) === serializeEntries(resolved.notes);
  const notes: Note[] = [];
  const jsonCards: JsonCard[] = [];
  cards.forEach((card, i) => {
    const { guid, mod, added } = resolved.identities[i]!;
    const fields = card.html;
    const kind = card.kind ? { kind: card.kind } : {};
    notes.push({
      guid,
      deck: card.deck,
      tags: card.tags,
      fields,
      mod,
      added,
      source: card.source,
      ...kind,
    });
    jsonCards.push({
      guid,
      id: card.id,
      deck: card.deck,
      tags: card.tags,
      ...card.markdown,
      html: fields,
      source: card.source,
      ...kind,
    });
  });
  return {
    scope,
    notes,
    retired: resolved.retired.map(([guid, entry]) => retiredNote(guid, entry)),
    cards: jsonCards,
    diagnostics,
    entries: resolved.notes,
    settled,
  };
}

/**
 * Packs linked scopes into a package named `name`: their notes in input order (`files`, the
 * scopes' files sorted by path), the retired ones apart by GUID; media by name. `diagnostics`
 * are any further ones (duplicate ids) on these files.
 */
function pack(
  name: string,
  links: readonly ScopeLink[],
  files: readonly CompiledFile[],
  diagnostics: readonly Diagnostic[],
): LinkedPackage {
  const order = new Map(files.map((f, i) => [f.path, i]));
  const inOrder = <T extends { source: SourceRef }>(list: T[]) =>
    links.length > 1
      ? list.sort(
          (a, b) =>
            order.get(a.source.file)! - order.get(b.source.file)! || a.source.line - b.source.line,
        )
      : list;
  const byKey =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  const media = new Map<string, MediaFile>();
  for (const f of files) for (const m of f.media) media.set(m.name, m);
  const onFile = new Map<string, Diagnostic[]>();
  for (const d of [...links.flatMap((l) => l.diagnostics), ...diagnostics]) {
    const list = onFile.get(d.file);
    if (list) list.push(d);
    else onFile.set(d.file, [d]);
  }
  return {
    name,
    notes: inOrder(links.flatMap((l) => l.notes)),
    retired: links.flatMap((l) => l.retired).sort(byKey((n) => n.guid)),
    cards: inOrder(links.flatMap((l) => l.cards)),
    media: [...media.values()].sort(byKey((m) => m.name)),
    diagnostics: files
      .filter((f) => f.cards.length > 0)
      .flatMap((f) => [...f.diagnostics, ...(onFile.get(f.path) ?? [])]),
  };
}

/**
 * Packs linked scopes (`files` of each in input order): one package per scope, or with `bundle`
 * one package of that name of them all, in the order of `all` (every file, by path). Each
 * package comes with the scopes it holds.
 */
export function packScopes(
  links: readonly { scope: string; files: readonly CompiledFile[]; link: ScopeLink }[],
  claims: readonly Diagnostic[],
  bundle: string | undefined,
  all: readonly CompiledFile[],
): { pkg: LinkedPackage; scopes: string[] }[] {
  if (bundle !== undefined) {
    const linked = links.map((l) => l.link);
    return [{ pkg: pack(bundle, linked, all, claims), scopes: links.map((l) => l.scope) }];
  }
  return links.map(({ scope, files, link }) => ({
    pkg: pack(scope, [link], files, claims),
    scopes: [scope],
  }));
}

/** Whether a package has notes, live or retired: a package without is not written. */
export const ships = (pkg: LinkedPackage): boolean => pkg.notes.length + pkg.retired.length > 0;

export interface LinkOptions {
  /** Build time in seconds; the `mod` of notes whose content changed. */
  now: number;
  /**
   * The project id that salts new GUIDs: this one when given (a config may pin it), else the
   * previous lock's, else one made from the files (projectIdOf).
   */
  project?: string | undefined;
  /** Seconds a retired note is remembered (default: a year, KEEP_RETIRED_SECONDS). */
  keepRetired?: number | undefined;
  /** One package for everything, under this name; otherwise one per top-level deck. */
  bundle?: string | undefined;
}

export interface LinkResult {
  packages: LinkedPackage[];
  /** The next lock: always version 2, with its project id (serializeLock writes it). */
  lock: Lock & { lockfileVersion: 2; project: string };
  diagnostics: Diagnostic[];
  retired: number;
}

/** Links a whole project at once. Files must come sorted by path. */
export function linkProject(
  files: readonly CompiledFile[],
  previous: Lock | null,
  options: LinkOptions,
): LinkResult {
  const project = options.project ?? previous?.project ?? projectIdOf(files);
  const { spell, scopes, claims } = claimScopes(
    files.map((f) => ({ path: f.path, summary: summarize(f) })),
    project,
  );
  const slices = sliceLock(previous, claims.owners, spell);
  const context = linkContext(project, options.now, options.keepRetired);
  const links = [...groupByScope(scopes, slices.keys())].map(([scope, indexes]) => {
    const scopeFiles = indexes.map((i) => files[i]!);
    const slice = slices.get(scope) ?? {};
    return {
      scope,
      files: scopeFiles,
      link: linkScope(scope, scopeFiles, slice, context, claims.diagnostics),
    };
  });
  const notes: Record<string, LockEntry> = {};
  for (const { link } of links) Object.assign(notes, link.entries);
  return {
    packages: packScopes(links, claims.diagnostics, options.bundle, files)
      .map(({ pkg }) => pkg)
      .filter(ships)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    lock: {
      lockfileVersion: 2,
      project,
      notetype: resolveNotetype(previous, notetypeStyleHash(), options.now),
      notes,
    },
    diagnostics: [...claims.diagnostics, ...links.flatMap(({ link }) => link.diagnostics)],
    retired: links.reduce((n, { link }) => n + link.retired.length, 0),
  };
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
 * ships it in the package's retirements (`<Deck>.retired.apkg`), tagged, with a mod that rose
 * when it was retired: a collection that has the note updates it (and can find it by its tag),
 * one that never had it gets it only by importing the retirements on purpose.
 */
function retiredNote(guid: string, entry: LockEntry & { added: number }): Note {
  // `at` is a file (version 1 locks: `file:line`).
  const [file, line] = [entry.at.replace(/:\d+$/, ''), Number(entry.at.match(/:(\d+)$/)?.[1] ?? 1)];
  const deck = normalizeDeckName(`${scopeOf(entry.deck)}::Retired`);
  // Shipped under the note type it has in Anki (its kind is in its key, guid.ts kindKey), or
  // Anki would ignore the update. A cloze note's question keeps one cloze, so its first card
  // still shows something; the text itself is made inert (its markup may be cut short).
  const kind = kindOfKey(entry.key);
  const question =
    kind === 'cloze'
      ? `{{c1::${escapeHtml(entry.q).replace(/[{}:]/g, (c) => `&#${c.charCodeAt(0)};`)}}}`
      : escapeHtml(entry.q);
  return {
    guid,
    deck,
    tags: [RETIRED_TAG],
    ...(kind === 'basic' ? {} : { kind }),
    fields: {
      Question: question,
      Answer: `<p><em>This card was removed from its source (${escapeHtml(entry.at)}). Its review history is kept; suspend or delete it.</em></p>`,
      Title: '',
      Context: '',
      Source: escapeHtml(`retired · ${entry.at}`),
    },
    mod: entry.mod,
    added: entry.added,
    source: { file, line, column: 1 },
  };
}
