/**
 * A model of what the current Anki importer (the Rust one: desktop 2.1.55 → 26.x, and the
 * AnkiDroid/AnkiMobile releases built on the same backend) decides when it imports a deckc
 * `.apkg` or a deckc CSV, written from ankitects/anki's rslib source. Anki 2.1.15, the only Anki
 * that runs here, uses the old Python importer, so this is the second oracle for those versions:
 *
 *   const col = new ModelCollection({ version: '24.11' });
 *   const first = await col.importApkg(bytes, { now: 1_767_225_600 });
 *   first.added; // GUIDs
 *   col.importCsv(csvText, { now: 1_767_312_000 }).updated;
 *
 * The collection is small and in memory: notes, cards, decks (by native name), note types. Each
 * rule cites the file and function it follows (paths under rslib/src/). What is not modelled:
 * media, scheduling and revlog (imports are "without scheduling", the default), deck configs,
 * filtered decks beyond "not the same kind", the 23.10 "merge note types" option, and CSV rows
 * without a GUID (always added, never matched by first field). Cloze note types are modelled as
 * far as cards go: a package brings its cards, and card generation (CSV) makes one card per cloze
 * number (notetype/cardgen.rs).
 */
import { type ApkgContents, readApkg } from '../helpers/read-apkg.js';
import {
  ankiNativeDeckName,
  ankiNormalizeNative,
  humanName,
  normalizeTagName,
  parentName,
  SEP,
  unicase,
} from './anki-names.js';
import { type AnkiVersion, atLeast, CHANGES, checkVersion } from './anki-version.js';

export type ModelNote = {
  id: number;
  guid: string;
  /** Note type id. */
  mid: number;
  /** Seconds. */
  mod: number;
  tags: string[];
  fields: string[];
};
export type ModelCard = { id: number; nid: number; ord: number; did: number };
export type ModelDeck = {
  id: number;
  /** Components separated by \x1f, as Anki stores it. */
  native: string;
  /** `A::B`. */
  name: string;
  filtered: boolean;
};
export type ModelField = { name: string; id: number | null };
export type ModelNotetype = {
  id: number;
  name: string;
  /** Seconds. */
  mod: number;
  fields: ModelField[];
  templates: ModelField[];
  /**
   * Cloze note types (schema 11 `type: 1`): the ords of the fields the first template's front
   * shows through `{{cloze:…}}` (notetype/cardgen.rs cloze_fields). Absent: a normal note type.
   */
  clozeFields?: number[];
  /** `config.original_id` (23.10+): the id the note type had in the package it came from. */
  originalId: number | null;
};

/** The 23.10 import options "update notes" / "update note types" (package/mod.rs UpdateCondition). */
export type UpdateCondition = 'if-newer' | 'always' | 'never';

export type ApkgImportOptions = {
  /** The import's clock, in seconds. */
  now: number;
  /** 23.10+; earlier versions always behave as 'if-newer'. */
  updateNotes?: UpdateCondition;
  updateNotetypes?: UpdateCondition;
  /**
   * The order in which the package's decks are upgraded (storage/deck/mod.rs
   * upgrade_decks_to_schema15 walks a HashMap: in Anki the order is random per run), which
   * decides which of two case twins gets the `_`. Default: ascending deck id.
   */
  deckOrder?: 'ascending-id' | 'descending-id';
};

/** `#if matches:` (csv/metadata.rs DupeResolution::from_text). */
export type DupeResolution = 'update current' | 'keep current' | 'keep both';

export type CsvImportOptions = {
  now: number;
  /** What the import dialog holds when the file has no `#if matches:` (default: Anki's, update). */
  dupeResolution?: DupeResolution;
};

export type ImportResult = {
  /** GUIDs, in import order. `unchanged` is Anki's "duplicate"/"identical"/"kept". */
  added: string[];
  updated: string[];
  unchanged: string[];
  conflicting: string[];
  /** CSV only: rows skipped for an unknown note type or deck, or an empty first field. */
  missingNotetype: string[];
  missingDeck: string[];
  emptyFirstField: string[];
  counts: {
    added: number;
    updated: number;
    unchanged: number;
    conflicting: number;
    skipped: number;
  };
  /** Package note type id → the id its notes were imported under, where they differ. */
  remappedNotetypes: Map<number, number>;
  /** Decks this import created, by name, in creation order. */
  createdDecks: string[];
  /** A copy of the collection after the import. */
  state: CollectionState;
};

export type CollectionState = {
  notes: ModelNote[];
  cards: ModelCard[];
  decks: ModelDeck[];
  notetypes: ModelNotetype[];
};

const DAY_MS = 86_400_000;

/** Anki's id allocation (storage/note/add.sql, card/add_card.sql, deck/alloc_id.sql, notetype/add_notetype.sql). */
function allocId(taken: Iterable<number>, nowMs: number): number {
  let max = 0;
  let clash = false;
  for (const id of taken) {
    if (id === nowMs) clash = true;
    if (id > max) max = id;
  }
  return clash ? max + 1 : nowMs;
}

const copy = <T>(value: T): T => structuredClone(value);

class Log {
  added: string[] = [];
  updated: string[] = [];
  unchanged: string[] = [];
  conflicting: string[] = [];
  missingNotetype: string[] = [];
  missingDeck: string[] = [];
  emptyFirstField: string[] = [];
  remappedNotetypes = new Map<number, number>();
  createdDecks: string[] = [];
}

export class ModelCollection {
  readonly version: AnkiVersion;
  readonly notes = new Map<number, ModelNote>();
  readonly cards = new Map<number, ModelCard>();
  readonly decks = new Map<number, ModelDeck>();
  readonly notetypes = new Map<number, ModelNotetype>();
  /** Registered tags by their folded name (tags/register.rs). */
  private readonly tags = new Map<string, string>();
  /** Set while an import runs, for createdDecks. */
  private log: Log | null = null;

  constructor(options: { version: AnkiVersion }) {
    checkVersion(options.version);
    this.version = options.version;
    // Every collection has the Default deck, id 1.
    this.decks.set(1, { id: 1, native: 'Default', name: 'Default', filtered: false });
  }

  private since(change: keyof typeof CHANGES): boolean {
    return atLeast(this.version, CHANGES[change]);
  }

  // ---- building a collection by hand -------------------------------------------------------

  /** Adds a note type as it is (id kept). */
  addNotetype(notetype: Omit<ModelNotetype, 'originalId'> & { originalId?: number | null }) {
    this.notetypes.set(notetype.id, { originalId: null, ...copy(notetype) });
  }

  /** Adds a deck the way Anki does (decks/addupdate.rs add_deck_inner); returns its id. */
  addDeck(name: string, options: { now?: number; filtered?: boolean } = {}): number {
    const existing = this.deckByNative(ankiNativeDeckName(name, this.version));
    if (existing && !options.filtered) return existing.id;
    return this.addDeckInner(ankiNativeDeckName(name, this.version), (options.now ?? 0) * 1000, {
      filtered: options.filtered ?? false,
    });
  }

  /** Adds a note with one card per template in `deck` (ids as given or allocated from `now`). */
  addNote(note: Omit<ModelNote, 'id'> & { id?: number; deck: string; now?: number }): ModelNote {
    const nowMs = (note.now ?? note.mod) * 1000;
    const did = this.addDeck(note.deck, { now: note.now ?? note.mod });
    const id = note.id ?? allocId(this.notes.keys(), nowMs);
    const stored: ModelNote = {
      id,
      guid: note.guid,
      mid: note.mid,
      mod: note.mod,
      tags: this.canonifyTags(note.tags),
      fields: [...note.fields],
    };
    this.notes.set(id, stored);
    this.generateMissingCards(stored, did, nowMs);
    return copy(stored);
  }

  // ---- reading it --------------------------------------------------------------------------

  state(): CollectionState {
    const byId = <T extends { id: number }>(map: Map<number, T>) =>
      [...map.values()].sort((a, b) => a.id - b.id).map(copy);
    return {
      notes: byId(this.notes),
      cards: byId(this.cards),
      decks: byId(this.decks),
      notetypes: byId(this.notetypes),
    };
  }

  noteByGuid(guid: string): ModelNote | undefined {
    for (const note of this.notes.values()) if (note.guid === guid) return copy(note);
    return undefined;
  }

  /** The cards of the note with `guid`, each with its deck's name. */
  cardsOf(guid: string): (ModelCard & { deck: string })[] {
    const note = this.noteByGuid(guid);
    if (!note) return [];
    return [...this.cards.values()]
      .filter((card) => card.nid === note.id)
      .sort((a, b) => a.ord - b.ord)
      .map((card) => ({ ...card, deck: this.decks.get(card.did)?.name ?? `missing ${card.did}` }));
  }

  deckNames(): string[] {
    return [...this.decks.values()].map((deck) => deck.name).sort();
  }

  // ---- decks -------------------------------------------------------------------------------

  /** storage/deck/mod.rs get_deck_id / get_deck_by_name: `where name = ?` under `COLLATE unicase`. */
  private deckByNative(native: string): ModelDeck | undefined {
    const key = unicase(native);
    for (const deck of this.decks.values()) if (unicase(deck.native) === key) return deck;
    return undefined;
  }

  private storeDeck(native: string, nowMs: number, filtered: boolean): ModelDeck {
    const deck: ModelDeck = {
      id: allocId(this.decks.keys(), nowMs),
      native,
      name: humanName(native),
      filtered,
    };
    this.decks.set(deck.id, deck);
    this.log?.createdDecks.push(deck.name);
    return deck;
  }

  /**
   * decks/addupdate.rs add_deck_inner: prepare_deck_for_update (maybe_normalize, then
   * decks/name.rs ensure_deck_name_unique: `+` appended while the name is taken, compared under
   * unicase), then match_or_create_parents (an existing parent's spelling replaces the name's
   * prefix; missing parents are created, create_missing_parents / add_parent_deck).
   */
  private addDeckInner(native: string, nowMs: number, options: { filtered: boolean }): number {
    let name = ankiNormalizeNative(native, this.version);
    while (this.deckByNative(name)) name += '+';
    const components = name.split(SEP);
    const parent = this.firstExistingParent(name);
    if (parent) {
      const parentCount = parent.native.split(SEP).length;
      name = [parent.native, ...components.slice(parentCount)].join(SEP);
    }
    this.createMissingParents(name, nowMs);
    return this.storeDeck(name, nowMs, options.filtered).id;
  }

  /** decks/addupdate.rs first_existing_parent. */
  private firstExistingParent(native: string): ModelDeck | undefined {
    for (let parent = parentName(native); parent !== null; parent = parentName(parent)) {
      const deck = this.deckByNative(parent);
      if (deck) return deck;
    }
    return undefined;
  }

  /** decks/addupdate.rs create_missing_parents. */
  private createMissingParents(native: string, nowMs: number) {
    const missing: string[] = [];
    for (let parent = parentName(native); parent !== null; parent = parentName(parent)) {
      if (!this.deckByNative(parent)) missing.push(parent);
    }
    for (const parent of missing) this.storeDeck(parent, nowMs, false);
  }

  // ---- tags --------------------------------------------------------------------------------

  /**
   * notes/mod.rs canonify_note_tags → tags/register.rs canonify_tags: each tag normalised, spelled
   * as an already registered tag of the same unicase name (or with an existing parent's
   * spelling, adjusted_case_for_parents), registered, deduplicated case-insensitively, sorted.
   */
  private canonifyTags(tags: readonly string[]): string[] {
    const seen = new Map<string, string>();
    for (const raw of tags.flatMap((tag) => tag.split(/[ \u3000]+/)).filter(Boolean)) {
      const normal = normalizeTagName(raw);
      let name = this.tags.get(unicase(normal));
      if (name === undefined) {
        name = normal;
        const parts = normal.split('::');
        for (let n = parts.length - 1; n > 0; n--) {
          const prefix = unicase(parts.slice(0, n).join('::'));
          const spelled = [...this.tags.values()].find((tag) => {
            const key = unicase(tag);
            return key === prefix || key.startsWith(`${prefix}::`);
          });
          if (spelled) {
            name = [...spelled.split('::').slice(0, n), ...parts.slice(n)].join('::');
            break;
          }
        }
        this.tags.set(unicase(name), name);
      }
      if (!seen.has(unicase(name))) seen.set(unicase(name), name);
    }
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  }

  // ---- cards -------------------------------------------------------------------------------

  /**
   * Card generation (notetype/cardgen.rs generate_cards_for_note): for a standard note type one
   * card per template the note lacks; for a cloze note type one per cloze number in its cloze
   * fields (cloze.rs cloze_numbers_in_string), ord = number - 1, or ord 0 when there is none.
   * Templates' "is the front empty" rule is not modelled: deckc's fronts are never empty.
   */
  private generateMissingCards(note: ModelNote, did: number, nowMs: number) {
    const notetype = this.notetypes.get(note.mid);
    let ords = Array.from({ length: notetype ? notetype.templates.length : 1 }, (_, i) => i);
    if (notetype?.clozeFields) {
      const numbers = new Set<number>();
      for (const ord of notetype.clozeFields) {
        for (const m of (note.fields[ord] ?? '').matchAll(/\{\{c(\d+)::[\s\S]*?\}\}/gi))
          if (Number(m[1]) > 0) numbers.add(Number(m[1]));
      }
      ords = numbers.size > 0 ? [...numbers].sort((a, b) => a - b).map((n) => n - 1) : [0];
    }
    for (const ord of ords) {
      const exists = [...this.cards.values()].some((c) => c.nid === note.id && c.ord === ord);
      if (exists) continue;
      const id = allocId(this.cards.keys(), nowMs);
      this.cards.set(id, { id, nid: note.id, ord, did });
    }
  }

  // ---- .apkg -------------------------------------------------------------------------------

  /** Imports .apkg bytes, read with test/helpers/read-apkg.ts. */
  async importApkg(bytes: Uint8Array, options: ApkgImportOptions): Promise<ImportResult> {
    return this.importApkgContents(await readApkg(bytes), options);
  }

  /**
   * package/apkg/import/mod.rs Context::import: note types and notes (notes.rs), then decks
   * (decks.rs), then cards (cards.rs). Throws where Anki's import fails as a whole.
   */
  importApkgContents(contents: ApkgContents, options: ApkgImportOptions): ImportResult {
    const updateNotes = options.updateNotes ?? 'if-newer';
    const updateNotetypes = options.updateNotetypes ?? 'if-newer';
    if (
      !this.since('importOptionsAndIdSchemas') &&
      (updateNotes !== 'if-newer' || updateNotetypes !== 'if-newer')
    ) {
      throw new Error(`Anki ${this.version} has no update options (they arrived in 23.10)`);
    }
    const nowMs = options.now * 1000;
    const source = this.gather(contents, nowMs, options.deckOrder ?? 'ascending-id');
    const log = new Log();
    this.log = log;
    try {
      const idMap = this.importNotesAndNotetypes(source, options.now, nowMs, {
        updateNotes,
        updateNotetypes,
        log,
      });
      const deckMap = this.importDecks(source.decks, nowMs, options.now);
      this.importCards(source.cards, idMap, deckMap);
    } finally {
      this.log = null;
    }
    return this.result(log);
  }

  /**
   * The package as Anki reads it (apkg/import/mod.rs ExchangeData::gather_from_archive): opened
   * as a collection and upgraded, so deck names are normalised and case twins renamed
   * (storage/deck/mod.rs upgrade_decks_to_schema15: `_` appended while the unicase name is
   * taken); ids later than tomorrow renumbered from 2.1.61 (dbcheck.rs maybe_fix_invalid_ids,
   * storage/dbcheck/invalid_ids_create.sql) and refused before (gather.rs check_ids); gathered
   * without scheduling (gather.rs gather_data): `marked` and `leech` tags removed
   * (remove_system_tags), decks of cards plus their parents, the Default deck left out
   * (gather_decks with skip_default).
   */
  private gather(
    contents: ApkgContents,
    nowMs: number,
    deckOrder: 'ascending-id' | 'descending-id',
  ) {
    const tomorrow = nowMs + DAY_MS;
    const noteIds = new Map<number, number>();
    const cardIds = new Map<number, number>();
    const renumber = (ids: number[], map: Map<number, number>) => {
      const valid = ids.filter((id) => id <= tomorrow);
      let next = Math.max(nowMs, valid.length ? Math.max(...valid) + 1 : 0);
      for (const id of [...ids].sort((a, b) => a - b)) {
        if (id <= tomorrow) map.set(id, id);
        else if (this.since('fixInvalidIdsOnImport')) map.set(id, next++);
        else throw new Error('InvalidId: an id in the package lies in the future');
      }
    };
    renumber(
      contents.notes.map((n) => n.id),
      noteIds,
    );
    renumber(
      contents.cards.map((c) => c.id),
      cardIds,
    );

    const notes: ModelNote[] = contents.notes.map((row) => ({
      id: noteIds.get(row.id)!,
      guid: row.guid,
      mid: row.mid,
      mod: row.mod,
      tags: row.tags
        .split(/\s+/)
        .filter(Boolean)
        .filter((tag) => !['marked', 'leech'].includes(tag.toLowerCase())),
      fields: row.flds.split('\x1f'),
    }));
    const cards: ModelCard[] = contents.cards.map((row) => ({
      id: cardIds.get(row.id)!,
      nid: noteIds.get(row.nid) ?? row.nid,
      ord: row.ord,
      did: row.did,
    }));

    const deckRows = Object.values(contents.col.decks).map((d) => ({
      id: Number(d.id),
      name: String(d.name),
      filtered: Number(d.dyn ?? 0) !== 0,
    }));
    deckRows.sort((a, b) => (deckOrder === 'ascending-id' ? a.id - b.id : b.id - a.id));
    const upgraded = new Map<number, ModelDeck>();
    const names = new Set<string>();
    for (const row of deckRows) {
      let native = ankiNativeDeckName(row.name, this.version);
      while (names.has(unicase(native))) native += '_';
      names.add(unicase(native));
      upgraded.set(row.id, { id: row.id, native, name: humanName(native), filtered: row.filtered });
    }
    // gather_decks: the decks of the cards, then their parents (by native name), minus Default.
    const used = [...new Set(cards.map((c) => c.did))]
      .map((did) => upgraded.get(did))
      .filter((deck): deck is ModelDeck => deck !== undefined);
    // add_parent_decks looks each parent up with get_deck_by_name, under unicase: the parent
    // `deck` of a renamed twin `deck::X_` is found as `Deck`, and `deck_` is never gathered.
    const byKey = new Map([...upgraded.values()].map((deck) => [unicase(deck.native), deck]));
    const gathered = new Map(used.map((deck) => [deck.id, deck]));
    for (const deck of used) {
      for (let parent = parentName(deck.native); parent; parent = parentName(parent)) {
        const found = byKey.get(unicase(parent));
        if (found && !gathered.has(found.id)) gathered.set(found.id, found);
      }
    }
    const decks = [...gathered.values()].filter((deck) => deck.id !== 1);

    const notetypes: ModelNotetype[] = Object.values(contents.col.models)
      .filter((m) => notes.some((n) => n.mid === Number(m.id)))
      .map((m) => ({
        id: Number(m.id),
        name: String(m.name),
        mod: Number(m.mod),
        fields: (m.flds as { name: string; id?: number | null }[]).map((f) => ({
          name: f.name,
          id: f.id ?? null,
        })),
        templates: (m.tmpls as { name: string; id?: number | null }[]).map((t) => ({
          name: t.name,
          id: t.id ?? null,
        })),
        ...(Number(m.type) === 1 ? { clozeFields: clozeFieldsOf(m) } : {}),
        originalId: m.originalId === undefined ? null : Number(m.originalId),
      }));
    return { notes, cards, decks, notetypes };
  }

  /**
   * Schema equality. 2.1.55–2.1.66: apkg/import/notes.rs Notetype::schema_hash, a SHA-1 over the
   * field names then the template names, concatenated without separators. 23.10+: notes.rs
   * Notetype::equal_schema: same counts and, position by position, notetype/merge.rs
   * NoteField::is_match / CardTemplate::is_match (the ids if both have one, else the names).
   */
  private sameSchema(a: ModelNotetype, b: ModelNotetype): boolean {
    if (!this.since('importOptionsAndIdSchemas')) {
      const hash = (nt: ModelNotetype) =>
        [...nt.fields, ...nt.templates].map((item) => item.name).join('');
      return hash(a) === hash(b);
    }
    const match = (x: ModelField, y: ModelField) =>
      x.id !== null && y.id !== null ? x.id === y.id : x.name === y.name;
    return (
      a.fields.length === b.fields.length &&
      a.templates.length === b.templates.length &&
      a.fields.every((f, i) => match(f, b.fields[i]!)) &&
      a.templates.every((t, i) => match(t, b.templates[i]!))
    );
  }

  /** notetype/mod.rs ensure_notetype_name_unique: `+` appended while the name is taken (unicase). */
  private uniqueNotetypeName(name: string, id: number): string {
    let out = name;
    const taken = (n: string) =>
      [...this.notetypes.values()].some((nt) => nt.id !== id && unicase(nt.name) === unicase(n));
    while (taken(out)) out += '+';
    return out;
  }

  /**
   * apkg/import/notes.rs import_notetypes then import_notes. Returns the package note id → the
   * collection note id of every new, updated and unchanged note (NoteImports.id_map); the cards
   * of conflicting notes have none, and are dropped.
   */
  private importNotesAndNotetypes(
    source: { notes: ModelNote[]; notetypes: ModelNotetype[] },
    now: number,
    nowMs: number,
    ctx: { updateNotes: UpdateCondition; updateNotetypes: UpdateCondition; log: Log },
  ): Map<number, number> {
    const modern = this.since('importOptionsAndIdSchemas');
    const remapped = ctx.log.remappedNotetypes;

    /** notes.rs should_update (23.10+); before it, `existing.mtime < incoming.mtime`. */
    const shouldUpdate = (cond: UpdateCondition, existing: number, incoming: number) =>
      cond === 'if-newer' ? existing < incoming : cond === 'always' ? existing !== incoming : false;

    const addRemapped = (incoming: ModelNotetype) => {
      // notes.rs add_notetype_with_remapped_id: a new id (notetype/add_notetype.sql), a unique name.
      const id = allocId(this.notetypes.keys(), nowMs);
      this.notetypes.set(id, {
        ...copy(incoming),
        id,
        name: this.uniqueNotetypeName(incoming.name, id),
      });
      remapped.set(incoming.id, id);
    };
    const replace = (target: number, incoming: ModelNotetype) => {
      // notes.rs update_notetype: the incoming note type stored under the existing id.
      this.notetypes.set(target, { ...copy(incoming), id: target });
    };

    for (const incoming of source.notetypes) {
      // 23.10+ import_notetypes: `notetype.config.original_id.replace(notetype.id)`.
      if (modern) incoming.originalId = incoming.id;
      const existing = this.notetypes.get(incoming.id);
      if (!existing) {
        // notes.rs add_notetype: id kept, name made unique.
        this.notetypes.set(incoming.id, {
          ...copy(incoming),
          name: this.uniqueNotetypeName(incoming.name, incoming.id),
        });
      } else if (!modern) {
        // 2.1.55–2.1.66 notes.rs merge_or_remap_notetype.
        if (this.sameSchema(incoming, existing)) {
          if (incoming.mod > existing.mod) replace(existing.id, incoming);
        } else addRemapped(incoming);
      } else {
        // 23.10+ notes.rs update_or_duplicate_notetype (merge_notetypes off).
        let target = existing;
        if (!this.sameSchema(existing, incoming)) {
          // get_previously_duplicated_notetype: a copy from an earlier import with this schema.
          const previous = [...this.notetypes.values()].find(
            (nt) =>
              nt.id !== incoming.id &&
              nt.originalId === incoming.id &&
              this.sameSchema(nt, incoming),
          );
          if (!previous) {
            addRemapped(incoming);
            continue;
          }
          remapped.set(incoming.id, previous.id);
          target = previous;
        }
        if (shouldUpdate(ctx.updateNotetypes, target.mod, incoming.mod)) {
          replace(target.id, incoming);
        }
      }
    }

    // storage/note: note_guid_map and get_all_note_ids, read once before the loop.
    const existingByGuid = new Map<string, ModelNote>();
    for (const note of this.notes.values()) existingByGuid.set(note.guid, copy(note));
    const targetIds = new Set(this.notes.keys());
    const idMap = new Map<number, number>();

    const add = (note: ModelNote) => {
      // notes.rs add_note: tags canonified; uniquify_note_id adds 999 until the id is free; the
      // incoming mtime is kept.
      const sourceId = note.id;
      let id = note.id;
      while (targetIds.has(id)) id += 999;
      targetIds.add(id);
      this.notes.set(id, { ...note, id, tags: this.canonifyTags(note.tags) });
      idMap.set(sourceId, id);
      ctx.log.added.push(note.guid);
    };
    const update = (note: ModelNote, target: ModelNote) => {
      // notes.rs update_note: the incoming fields and tags (tags replaced) under the existing id;
      // mtime: import time (Note::set_modified) until 24.11, the incoming one from 25.02
      // (update_note_inner_without_cards_using_mtime).
      const mod = this.since('keepIncomingMtime') ? note.mod : now;
      this.notes.set(target.id, {
        ...note,
        id: target.id,
        mid: target.mid,
        mod,
        tags: this.canonifyTags(note.tags),
      });
      idMap.set(note.id, target.id);
      ctx.log.updated.push(note.guid);
    };
    const unchanged = (note: ModelNote, target: ModelNote) => {
      // notes.rs log_duplicate: mapped, so its cards still go through import_cards.
      idMap.set(note.id, target.id);
      ctx.log.unchanged.push(note.guid);
    };

    for (const original of source.notes) {
      const note = copy(original);
      const existing = existingByGuid.get(note.guid);
      if (modern) {
        // 23.10+ import_notes: remap_notetype_and_fields, then maybe_update_existing_note.
        note.mid = remapped.get(note.mid) ?? note.mid;
        if (!existing) add(note);
        else if (note.mid !== existing.mid) ctx.log.conflicting.push(note.guid);
        else if (shouldUpdate(ctx.updateNotes, existing.mod, note.mod)) update(note, existing);
        else unchanged(note, existing);
      } else {
        // 2.1.55–2.1.66 import_notes and maybe_update_note.
        const remappedMid = remapped.get(note.mid);
        if (remappedMid !== undefined) {
          if (existing) ctx.log.conflicting.push(note.guid);
          else add({ ...note, mid: remappedMid });
        } else if (!existing) add(note);
        else if (existing.mod < note.mod) {
          if (existing.mid === note.mid) update(note, existing);
          else ctx.log.conflicting.push(note.guid);
        } else unchanged(note, existing);
      }
    }
    return idMap;
  }

  /**
   * apkg/import/decks.rs import_decks: parents first (sorted by level); get_deck_by_name (the
   * normalised native name under unicase): a deck of the same kind is reused, its name and case
   * kept (update_deck); one of another kind (filtered) makes the incoming deck's name unique with
   * a timestamp suffix (uniquify_name) and its children follow (maybe_reparent); otherwise
   * add_deck_inner. Returns package deck id → collection deck id.
   */
  private importDecks(decks: ModelDeck[], nowMs: number, now: number): Map<number, number> {
    const imported = new Map<number, number>();
    const renamedParents: [string, string][] = [];
    const levels = (deck: ModelDeck) => deck.native.split(SEP).length;
    for (const deck of [...decks].sort((a, b) => levels(a) - levels(b))) {
      let native = deck.native;
      for (const [oldParent, newParent] of renamedParents) {
        if (native.startsWith(oldParent)) {
          native = native.replace(oldParent, newParent);
          break;
        }
      }
      const original = this.deckByNative(native);
      if (original && original.filtered === deck.filtered) {
        imported.set(deck.id, original.id);
        continue;
      }
      if (original) {
        const renamed = `${native} ${now}`;
        renamedParents.push([`${native}${SEP}`, `${renamed}${SEP}`]);
        native = renamed;
      }
      imported.set(deck.id, this.addDeckInner(native, nowMs, { filtered: deck.filtered }));
    }
    return imported;
  }

  /**
   * apkg/import/cards.rs import_cards: a card whose note was not imported (conflicting) is
   * dropped; a card whose (note, ord) the collection already has is skipped, so existing cards
   * are never changed or moved; a new card gets its deck through the deck map (an unmapped deck
   * id is kept as it is) and an id made free by adding 999 (uniquify_card_id).
   */
  private importCards(
    cards: ModelCard[],
    idMap: Map<number, number>,
    deckMap: Map<number, number>,
  ) {
    const existing = new Set([...this.cards.values()].map((c) => `${c.nid}:${c.ord}`));
    const ids = new Set(this.cards.keys());
    for (const card of cards) {
      const nid = idMap.get(card.nid);
      if (nid === undefined || existing.has(`${nid}:${card.ord}`)) continue;
      let id = card.id;
      while (ids.has(id)) id += 999;
      ids.add(id);
      this.cards.set(id, { id, nid, ord: card.ord, did: deckMap.get(card.did) ?? card.did });
    }
  }

  // ---- CSV ---------------------------------------------------------------------------------

  /**
   * Imports CSV text with 2.1.54+ headers the way the import dialog does with the file's own
   * presets (csv/metadata.rs get_csv_metadata, csv/import.rs import_csv, text/import.rs
   * ForeignData::import).
   */
  importCsv(text: string | Uint8Array, options: CsvImportOptions): ImportResult {
    const csv = typeof text === 'string' ? text : new TextDecoder().decode(text);
    const meta = this.csvMetadata(csv, options);
    const log = new Log();
    this.log = log;
    try {
      this.importCsvRows(meta, options.now, log);
    } finally {
      this.log = null;
    }
    return this.result(log);
  }

  /** csv/metadata.rs parse_meta_lines and parse_meta_value: `#key:value` lines at the top. */
  private csvMetadata(csv: string, options: CsvImportOptions) {
    const lines = csv.replace(/^\ufeff/, '').split('\n');
    const meta = {
      delimiter: '\t',
      html: false,
      guidColumn: 0,
      notetypeColumn: 0,
      deckColumn: 0,
      tagsColumn: 0,
      notetype: null as string | null,
      deck: null as string | null,
      globalTags: [] as string[],
      dupeResolution: options.dupeResolution ?? ('update current' as DupeResolution),
      body: '',
    };
    let at = 0;
    if (lines[0]?.startsWith('tags:')) {
      meta.globalTags = lines[0].slice(5).split(/\s+/).filter(Boolean);
      at = 1;
    }
    const delimiters: Record<string, string> = {
      tab: '\t',
      comma: ',',
      semicolon: ';',
      space: ' ',
      pipe: '|',
      colon: ':',
    };
    for (; at < lines.length && lines[at]!.startsWith('#'); at++) {
      const line = lines[at]!.slice(1).replace(/\r$/, '');
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1);
      const column = Number.parseInt(value.trim(), 10);
      if (key === 'separator') meta.delimiter = delimiters[value.toLowerCase()] ?? value;
      else if (key === 'html') meta.html = value.toLowerCase() === 'true';
      else if (key === 'tags') meta.globalTags = value.split(/\s+/).filter(Boolean);
      else if (key === 'notetype') meta.notetype = value;
      else if (key === 'deck') meta.deck = value;
      else if (key === 'notetype column') meta.notetypeColumn = column;
      else if (key === 'deck column') meta.deckColumn = column;
      else if (key === 'tags column') meta.tagsColumn = column;
      else if (key === 'guid column') meta.guidColumn = column;
      else if (key === 'if matches' && this.since('csvIfMatchesHeader')) {
        if (['update current', 'keep current', 'keep both'].includes(value)) {
          meta.dupeResolution = value as DupeResolution;
        }
      }
    }
    meta.body = lines.slice(at).join('\n');
    return meta;
  }

  /** text/import.rs Context::import_foreign_notes, row by row. */
  private importCsvRows(meta: ReturnType<ModelCollection['csvMetadata']>, now: number, log: Log) {
    const nowMs = now * 1000;
    const metaColumns = new Set(
      [meta.guidColumn, meta.notetypeColumn, meta.deckColumn, meta.tagsColumn].filter((c) => c > 0),
    );
    // text/import.rs DeckIdsByNameOrId::new: every normal deck by its human name, as typed
    // (exact until 24.04, UniCase from 24.04); created decks are added under their *stored*
    // human name (insert(deck.id, deck.human_name())).
    const folded = this.since('csvDeckLookupFolded');
    const deckKeyOf = (name: string) => (folded ? unicase(name) : name);
    const deckNames = new Map<string, number>();
    for (const deck of this.decks.values()) {
      if (!deck.filtered) deckNames.set(deckKeyOf(deck.name), deck.id);
    }
    // text/import.rs: existing_guids (all_notes_by_guid), read once.
    const byGuid = new Map([...this.notes.values()].map((n) => [n.guid, n.id]));

    for (const record of parseCsv(meta.body, meta.delimiter)) {
      const cell = (column: number) => (column > 0 ? record[column - 1] : undefined);
      const guid = cell(meta.guidColumn) ?? '';
      const label = guid || (record[0] ?? '');
      // csv/import.rs gather_note_fields: with a notetype column, every other column in order.
      const fields = record
        .map((value, i) => ({ value, column: i + 1 }))
        .filter(({ column }) => !metaColumns.has(column))
        .map(({ value }) => (meta.html ? value : escapeHtml(value)).normalize('NFC'));
      if (fields[0] === '') {
        log.emptyFirstField.push(label);
        continue;
      }
      const notetype = this.notetypeByNameOrId(cell(meta.notetypeColumn) ?? meta.notetype ?? '');
      if (!notetype) {
        log.missingNotetype.push(label);
        continue;
      }
      const did = this.csvDeck(
        cell(meta.deckColumn) ?? meta.deck ?? '',
        deckNames,
        deckKeyOf,
        nowMs,
      );
      if (did === null) {
        log.missingDeck.push(label);
        continue;
      }
      const tagsCell = cell(meta.tagsColumn);
      const tags =
        tagsCell === undefined ? null : this.canonifyTags(tagsCell.split(/\s+/).filter(Boolean));
      const existingId = guid ? byGuid.get(guid) : undefined;
      const existing = existingId === undefined ? undefined : this.notes.get(existingId);

      if (!existing) {
        // text/import.rs add_note: a new id from the clock, mtime now, cards generated in the row's deck.
        const id = allocId(this.notes.keys(), nowMs);
        const note: ModelNote = {
          id,
          guid: guid || `model-${id}`,
          mid: notetype.id,
          mod: now,
          tags: this.canonifyTags([...(tags ?? []), ...meta.globalTags]),
          fields: notetype.fields.map((_, i) => fields[i] ?? ''),
        };
        this.notes.set(id, note);
        byGuid.set(note.guid, id);
        this.generateMissingCards(note, did, nowMs);
        log.added.push(note.guid);
        continue;
      }
      // import_note: a GUID duplicate.
      if (meta.dupeResolution !== 'update current') {
        log.unchanged.push(guid); // "keep both" logs it as a duplicate; "keep current" keeps it.
        continue;
      }
      // update_with_note.
      if (existing.mid !== notetype.id) {
        log.conflicting.push(guid);
        continue;
      }
      // Duplicate::new → ForeignNote::equal_fields_and_tags: the row's fields, and its tags if it
      // has a tags column, against the stored note; mtimes are not compared at all.
      const identical =
        (tags === null || sameList(tags, existing.tags)) &&
        existing.fields.every((field, i) => fields[i] === undefined || fields[i] === field);
      if (identical) log.unchanged.push(guid);
      else {
        // into_native + prepare_note: fields given replace, tags replaced (plus global tags), mtime now.
        this.notes.set(existing.id, {
          ...existing,
          fields: existing.fields.map((field, i) => fields[i] ?? field),
          tags: this.canonifyTags([...(tags ?? existing.tags), ...meta.globalTags]),
          mod: now,
        });
        log.updated.push(guid);
      }
      // add_cards → generate_missing_cards: only templates the note lacks, into the row's deck.
      this.generateMissingCards(this.notes.get(existing.id)!, did, nowMs);
    }
  }

  /**
   * text/import.rs get_or_create_deck_id: the raw cell looked up (DeckIdsByNameOrId::get); on a
   * miss a deck is created from it (from_human_name → add_deck_inner, so normalised and made
   * unique with `+`) and remembered under the name it got. So a raw name that Anki normalises
   * (`Part 03 ` or `Weird:::Part 03`) misses on every row: `Part 03+`, `Part 03++`, … A numeric
   * cell is a deck id (NameOrId::parse); from 25.02 also tried as a name; never created.
   */
  private csvDeck(
    raw: string,
    names: Map<string, number>,
    keyOf: (name: string) => string,
    nowMs: number,
  ): number | null {
    // An empty cell is the default deck; with a deck column there is none, so the first empty
    // cell creates one from '' (from_human_name: "blank") and it becomes the default.
    if (raw === '') {
      const known = names.get('\0default');
      if (known !== undefined) return known;
      const id = this.addDeckInner(ankiNativeDeckName('', this.version), nowMs, {
        filtered: false,
      });
      names.set('\0default', id);
      names.set(keyOf(this.decks.get(id)!.name), id);
      return id;
    }
    if (/^[+-]?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) {
      const id = Number(raw);
      if (this.decks.has(id)) return id;
      if (this.since('csvNumericDeckNames')) return names.get(keyOf(raw)) ?? null;
      return null;
    }
    const found = names.get(keyOf(raw));
    if (found !== undefined) return found;
    const id = this.addDeckInner(ankiNativeDeckName(raw, this.version), nowMs, { filtered: false });
    names.set(keyOf(this.decks.get(id)!.name), id);
    return id;
  }

  /** text/import.rs notetype_by_name_or_id: an id, else a name (unicase). */
  private notetypeByNameOrId(value: string): ModelNotetype | undefined {
    if (/^\d+$/.test(value)) {
      const found = this.notetypes.get(Number(value));
      if (found) return found;
    }
    return [...this.notetypes.values()].find((nt) => unicase(nt.name) === unicase(value));
  }

  private result(log: Log): ImportResult {
    return {
      added: log.added,
      updated: log.updated,
      unchanged: log.unchanged,
      conflicting: log.conflicting,
      missingNotetype: log.missingNotetype,
      missingDeck: log.missingDeck,
      emptyFirstField: log.emptyFirstField,
      counts: {
        added: log.added.length,
        updated: log.updated.length,
        unchanged: log.unchanged.length,
        conflicting: log.conflicting.length,
        skipped: log.missingNotetype.length + log.missingDeck.length + log.emptyFirstField.length,
      },
      remappedNotetypes: log.remappedNotetypes,
      createdDecks: log.createdDecks,
      state: this.state(),
    };
  }
}

/** The fields a cloze note type's front shows through `{{cloze:Field}}` (schema 11 JSON). */
function clozeFieldsOf(model: Record<string, unknown>): number[] {
  const fields = (model.flds as { name: string }[]).map((f) => f.name);
  const front = String((model.tmpls as { qfmt?: string }[])[0]?.qfmt ?? '');
  const ords = new Set<number>();
  for (const m of front.matchAll(/\{\{[^}]*?cloze:(?:[^}]?:)*([^}]+?)\}\}/g)) {
    const ord = fields.indexOf(m[1]!.trim());
    if (ord >= 0) ords.add(ord);
  }
  return [...ords];
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** csv/import.rs stringify_fn for `#html:false`: htmlescape::encode_minimal, newlines as <br>. */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/\n/g, '<br>');
}

/**
 * The records of a CSV body as the `csv` crate reads them for Anki (csv/import.rs
 * build_csv_reader: no headers, flexible, `#` comment lines, double-quoted fields with `""`).
 */
export function parseCsv(body: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === '\n' || (body[i] === '\r' && body[i + 1] === '\n')) {
      i += body[i] === '\r' ? 2 : 1;
      continue;
    }
    if (body[i] === '#') {
      // A comment: skipped up to the end of the line.
      while (i < body.length && body[i] !== '\n') i++;
      continue;
    }
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (body[i] === '"') {
        i++;
        for (;;) {
          if (i >= body.length) break;
          if (body[i] === '"') {
            if (body[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += body[i++];
        }
        // Text after the closing quote belongs to the field, as the csv crate reads it.
        while (i < body.length && body[i] !== delimiter && body[i] !== '\n' && body[i] !== '\r') {
          field += body[i++];
        }
      } else {
        while (i < body.length && body[i] !== delimiter && body[i] !== '\n' && body[i] !== '\r') {
          field += body[i++];
        }
      }
      record.push(field);
      if (body[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    records.push(record);
  }
  return records;
}
