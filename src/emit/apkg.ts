/**
 * The Anki package writer: a "legacy" .apkg (a zip of `collection.anki2`, an SQLite database in
 * Anki's schema 11, a `media` map and the media files `0`, `1`, …) that every Anki client imports.
 * What Anki does with each value written here is cited beside it (Anki's importers: 2.1.15's
 * `anki/importing/anki2.py`, today's `rslib/src/import_export/package/apkg/import/`), and the
 * README's "What re-import does" says it for users.
 *
 * Pure: no clock, no file system. The same package and options give the same bytes in any time
 * zone, so rebuilding an unchanged deck produces an unchanged file.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import {
  FIELD_NAMES,
  type MediaFile,
  NOTE_KINDS,
  type Note,
  type Package,
} from '../validate/schema.js';
import {
  buildNotetypeOf,
  cardOrds,
  NOTETYPE_ID,
  notetypeIdOf,
  notetypeModOf,
  SORT_FIELD_INDEX,
} from './notetype.js';
import { type ZipInput, zip } from './zip.js';

export type ApkgOptions = {
  /** The note type's `mod`, in seconds: raised by the lock file when templates or CSS change. */
  notetypeMod: number;
};

/**
 * Deck ids (which only link cards to decks inside a package: Anki matches decks by name) must not
 * look like future timestamps, so deckc draws them from a window in the past: 2010-01-01 to
 * 2020-01-01 (ms). Note ids are creation times (see noteIds).
 */
const ID_WINDOW_START = 1_262_304_000_000;
const ID_WINDOW_SIZE = 315_532_800_000;

/** The collection's creation time (`col.crt`, seconds): fixed, it only matters for reviews. */
const COLLECTION_CREATED = 1_577_854_800;

/** The default deck every collection has; Anki expects it in the package too. */
const DEFAULT_DECK_ID = 1;
const DEFAULT_DECK_NAME = 'Default';

/** Media already compressed gain nothing from deflate; they are stored. */
const STORED_MEDIA = /\.(png|jpe?g|gif|webp|avif|mp3|m4a|ogg|oga|opus|mp4|webm|zip|gz)$/i;

/** Anki's schema 11 tables, as Anki 2.1 creates them (`pylib/anki/storage.py` `_addSchema`). */
const SCHEMA = `
create table if not exists col (
    id              integer primary key,
    crt             integer not null,
    mod             integer not null,
    scm             integer not null,
    ver             integer not null,
    dty             integer not null,
    usn             integer not null,
    ls              integer not null,
    conf            text not null,
    models          text not null,
    decks           text not null,
    dconf           text not null,
    tags            text not null
);

create table if not exists notes (
    id              integer primary key,   /* 0 */
    guid            text not null,         /* 1 */
    mid             integer not null,      /* 2 */
    mod             integer not null,      /* 3 */
    usn             integer not null,      /* 4 */
    tags            text not null,         /* 5 */
    flds            text not null,         /* 6 */
    sfld            integer not null,      /* 7 */
    csum            integer not null,      /* 8 */
    flags           integer not null,      /* 9 */
    data            text not null          /* 10 */
);

create table if not exists cards (
    id              integer primary key,   /* 0 */
    nid             integer not null,      /* 1 */
    did             integer not null,      /* 2 */
    ord             integer not null,      /* 3 */
    mod             integer not null,      /* 4 */
    usn             integer not null,      /* 5 */
    type            integer not null,      /* 6 */
    queue           integer not null,      /* 7 */
    due             integer not null,      /* 8 */
    ivl             integer not null,      /* 9 */
    factor          integer not null,      /* 10 */
    reps            integer not null,      /* 11 */
    lapses          integer not null,      /* 12 */
    left            integer not null,      /* 13 */
    odue            integer not null,      /* 14 */
    odid            integer not null,      /* 15 */
    flags           integer not null,      /* 16 */
    data            text not null          /* 17 */
);

create table if not exists revlog (
    id              integer primary key,
    cid             integer not null,
    usn             integer not null,
    ease            integer not null,
    ivl             integer not null,
    lastIvl         integer not null,
    factor          integer not null,
    time            integer not null,
    type            integer not null
);

create table if not exists graves (
    usn             integer not null,
    oid             integer not null,
    type            integer not null
);
`;

/** Anki 2.1's indexes (`pylib/anki/storage.py` `_updateIndices`), created after the inserts. */
const INDEXES = `
create index if not exists ix_notes_usn on notes (usn);
create index if not exists ix_cards_usn on cards (usn);
create index if not exists ix_revlog_usn on revlog (usn);
create index if not exists ix_cards_nid on cards (nid);
create index if not exists ix_cards_sched on cards (did, queue, due);
create index if not exists ix_revlog_cid on revlog (cid);
create index if not exists ix_notes_csum on notes (csum);
`;

let sqlJs: Promise<SqlJsStatic> | undefined;

/**
 * sql.js compiles its WebAssembly once per process. Built, deckc loads its own copy,
 * lib/sql-wasm.wasm (scripts/bundle.mjs puts it there, and sql.js is not installed with deckc):
 * lib/emit/apkg.js and the bundles in lib/cli/ and lib/io/ are all one folder below it. From the
 * TypeScript sources (tests, tsx), sql.js finds its own.
 */
function loadSqlJs(): Promise<SqlJsStatic> {
  const built = !import.meta.url.endsWith('.ts');
  const wasm = fileURLToPath(new URL('../sql-wasm.wasm', import.meta.url));
  sqlJs ??= initSqlJs(built ? { locateFile: () => wasm } : {});
  return sqlJs;
}

/** Writes an Anki .apkg (schema 11) for a package of notes. Returns the bytes; writes no file. */
export async function emitApkg(pkg: Package, options: ApkgOptions): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const collection = buildCollection(SQL, pkg, options);
  return zipPackage(collection, pkg.media);
}

function buildCollection(SQL: SqlJsStatic, pkg: Package, options: ApkgOptions): Uint8Array {
  assertUniqueGuids(pkg.notes);
  const decks = deckIds(pkg.notes.map((note) => note.deck));
  const ids = noteIds(pkg.notes);
  // Only the note types the notes use: a package of basic notes is as it always was.
  const used = NOTE_KINDS.filter((kind) =>
    pkg.notes.some((note) => (note.kind ?? 'basic') === kind),
  );
  const kinds = used.length > 0 ? used : (['basic'] as const);
  const notetypeMod = kinds.reduce(
    (max, kind) => Math.max(max, notetypeModOf(kind, options.notetypeMod)),
    options.notetypeMod,
  );
  const lastMod = pkg.notes.reduce((max, note) => Math.max(max, note.mod), notetypeMod);
  // A note's first card has the note's id; its other cards (reversed, further clozes) take the
  // milliseconds after the package's newest note id, in package order: unique, and never more
  // than a few seconds after the build (Anki accepts ids up to a day ahead, gather.rs).
  let nextCardId = ids.reduce((max, id) => Math.max(max, id), 0) + 1;

  const db = new SQL.Database();
  try {
    // Large pages halve the time sql.js spends writing ~1 KB notes (any page size from 512 B to
    // 64 KiB is a valid SQLite file for every Anki). The build is in memory: no journal, no sync,
    // one lock held throughout. (Not WAL: that would change the file header.)
    db.run('pragma page_size = 65536');
    db.run('pragma journal_mode = off');
    db.run('pragma synchronous = off');
    db.run('pragma locking_mode = exclusive');
    // A 4 MiB page cache: rows are appended in rowid order, so a small cache loses nothing, and
    // sql.js's default one would grow the WebAssembly heap (which never shrinks) by ~50 MB.
    db.run('pragma cache_size = -4096');
    db.run(SCHEMA);
    db.run('begin');

    // The two long text columns are bound as UTF-8 bytes and cast back to text: sql.js encodes a
    // bound string with a JavaScript loop, about half of this whole function on large notes.
    const insertNote = db.prepare(
      'insert into notes values (?,?,?,?,?,?,cast(? as text),cast(? as text),?,?,?)',
    );
    const utf8 = new TextEncoder();
    const insertCard = db.prepare('insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)');
    try {
      pkg.notes.forEach((note, index) => {
        // A note's id (and its card's) is its creation time, from the lock (see Note.added);
        // positions follow the source. Anki 2.1.15 and today's importer both keep a new card's
        // `due` (its position in the new queue), so cards are studied in source order. An id
        // already taken in the collection is bumped until free (notes.rs, cards.rs, anki2.py).
        const id = ids[index]!;
        const fields = FIELD_NAMES.map((name) => note.fields[name].replaceAll('\x1f', ''));
        // csum is of the first field, sfld of the sort field: today the same, stripped once.
        const first = stripHtmlMedia(fields[0]!);
        const sortField =
          SORT_FIELD_INDEX === 0 ? first : stripHtmlMedia(fields[SORT_FIELD_INDEX]!);
        insertNote.run([
          id,
          note.guid,
          notetypeIdOf(note.kind),
          note.mod,
          -1,
          joinTags(note.tags),
          utf8.encode(fields.join('\x1f')),
          utf8.encode(sortField),
          checksumOfStripped(first),
          0,
          '',
        ]);
        const did = decks.get(note.deck)!;
        // A new card: type 0, queue 0, due = its note's position among new notes (1-based;
        // siblings share it, as in Anki).
        cardOrds(note).forEach((ord, k) => {
          const card = k === 0 ? id : nextCardId++;
          insertCard.run([
            card,
            id,
            did,
            ord,
            note.mod,
            -1,
            0,
            0,
            index + 1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            '',
          ]);
        });
      });
    } finally {
      insertNote.free();
      insertCard.free();
    }

    db.run('insert into col values (?,?,?,?,?,?,?,?,?,?,?,?,?)', [
      1,
      COLLECTION_CREATED,
      lastMod * 1000,
      lastMod * 1000,
      11,
      0,
      0,
      0,
      JSON.stringify(collectionConf(pkg.notes.length, notetypeIdOf(kinds[0]))),
      JSON.stringify(
        Object.fromEntries(
          kinds.map((kind) => [notetypeIdOf(kind), buildNotetypeOf(kind, options.notetypeMod)]),
        ),
      ),
      JSON.stringify(deckTable(decks, pkg.notes)),
      JSON.stringify({ 1: DECK_CONFIG }),
      JSON.stringify(tagTable(pkg.notes)),
    ]);
    db.run('commit');
    db.run(INDEXES);
    return db.export();
  } finally {
    db.close();
  }
}

function zipPackage(collection: Uint8Array, media: readonly MediaFile[]): Promise<Uint8Array> {
  const entries: ZipInput[] = [{ name: 'collection.anki2', data: collection }];
  const names: Record<string, string> = {};
  const seen = new Map<string, Uint8Array>();
  for (const file of media) {
    const earlier = seen.get(file.name);
    if (earlier) {
      if (!sameBytes(earlier, file.data)) {
        throw new Error(`Two different media files are both named ${file.name}`);
      }
      continue;
    }
    const key = String(seen.size);
    seen.set(file.name, file.data);
    names[key] = file.name;
    entries.push({ name: key, data: file.data, store: STORED_MEDIA.test(file.name) });
  }
  entries.push({ name: 'media', data: new TextEncoder().encode(JSON.stringify(names)) });
  return zip(entries);
}

/**
 * Each note's id: its creation time (Note.added). Unique in the project's lock, but two notes of
 * a bundle created by separate builds at the same SOURCE_DATE_EPOCH can share one: the later in
 * the package then takes the next free millisecond before it (ids must not lie in the future).
 */
function noteIds(notes: readonly Note[]): number[] {
  const taken = new Set<number>();
  return notes.map((note) => {
    let id = note.added;
    while (taken.has(id)) id--;
    taken.add(id);
    return id;
  });
}

/**
 * Deck ids by full name, for every deck and all its parents. Anki matches decks by name, so ids
 * only link cards to decks inside the package; they are hashed from the name (collisions probe
 * to the next free id, in name order) and lie in the past like Anki's own.
 */
function deckIds(names: readonly string[]): Map<string, number> {
  const all = new Set<string>();
  for (const name of new Set(names)) {
    const parts = name.split('::');
    for (let depth = 1; depth <= parts.length; depth++) all.add(parts.slice(0, depth).join('::'));
  }
  const ids = new Map<string, number>();
  const taken = new Set<number>([DEFAULT_DECK_ID]);
  for (const name of [...all].sort()) {
    if (name.toLowerCase() === DEFAULT_DECK_NAME.toLowerCase()) {
      ids.set(name, DEFAULT_DECK_ID);
      continue;
    }
    let id = ID_WINDOW_START + (hashNumber(sha1(`deck\0${name}`)) % ID_WINDOW_SIZE);
    while (taken.has(id))
      id = id + 1 >= ID_WINDOW_START + ID_WINDOW_SIZE ? ID_WINDOW_START : id + 1;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

/** The `decks` column: the default deck and every deck of the package. */
function deckTable(ids: Map<string, number>, notes: readonly Note[]): Record<string, object> {
  // A deck's mod is the newest note mod in its subtree: stable until content changes.
  const mods = new Map<string, number>();
  for (const note of notes) {
    const parts = note.deck.split('::');
    for (let depth = 1; depth <= parts.length; depth++) {
      const name = parts.slice(0, depth).join('::');
      mods.set(name, Math.max(mods.get(name) ?? 0, note.mod));
    }
  }
  const table: Record<string, object> = {
    [DEFAULT_DECK_ID]: deck(DEFAULT_DECK_ID, DEFAULT_DECK_NAME, 0),
  };
  for (const [name, id] of ids) {
    if (id !== DEFAULT_DECK_ID) table[id] = deck(id, name, mods.get(name) ?? 0);
  }
  return table;
}

/** A normal deck in schema 11 (`rslib/src/decks/schema11.rs`, Anki 2.1 `decks.defaultDeck`). */
function deck(id: number, name: string, mod: number) {
  return {
    id,
    mod,
    name,
    usn: 0,
    lrnToday: [0, 0],
    revToday: [0, 0],
    newToday: [0, 0],
    timeToday: [0, 0],
    collapsed: false,
    browserCollapsed: false,
    desc: '',
    dyn: 0,
    conf: 1,
    extendNew: 10,
    extendRev: 50,
  };
}

/** Deck options group 1 ("Default"), complete (Anki 2.1 `decks.defaultConf`, `deckconfig/schema11.rs`). */
const DECK_CONFIG = {
  id: 1,
  mod: 0,
  name: 'Default',
  usn: 0,
  maxTaken: 60,
  autoplay: true,
  timer: 0,
  replayq: true,
  dyn: false,
  new: {
    bury: false,
    delays: [1, 10],
    initialFactor: 2500,
    ints: [1, 4, 7],
    order: 1,
    perDay: 20,
    separate: true,
  },
  rev: {
    bury: false,
    ease4: 1.3,
    fuzz: 0.05,
    ivlFct: 1,
    maxIvl: 36500,
    minSpace: 1,
    perDay: 200,
    hardFactor: 1.2,
  },
  lapse: {
    delays: [10],
    leechAction: 0,
    leechFails: 8,
    minInt: 1,
    mult: 0,
  },
};

/** The collection settings (`col.conf`), Anki 2.1's defaults; nextPos follows our new cards. */
function collectionConf(noteCount: number, notetypeId = NOTETYPE_ID) {
  return {
    activeDecks: [DEFAULT_DECK_ID],
    curDeck: DEFAULT_DECK_ID,
    newSpread: 0,
    collapseTime: 1200,
    timeLim: 0,
    estTimes: true,
    dueCounts: true,
    curModel: notetypeId,
    nextPos: noteCount + 1,
    sortType: 'noteFld',
    sortBackwards: false,
    addToCur: true,
    dayLearnFirst: false,
    newBury: true,
  };
}

/** The `tags` column: every tag used, in code point order, with usn 0. */
function tagTable(notes: readonly Note[]): Record<string, number> {
  const tags = new Set<string>();
  for (const note of notes) for (const tag of note.tags) tags.add(tag);
  const table: Record<string, number> = {};
  for (const tag of [...tags].sort()) table[tag] = 0;
  return table;
}

/** Anki's tag string: space-separated with a space on each side, empty when there are none. */
export function joinTags(tags: readonly string[]): string {
  return tags.length === 0 ? '' : ` ${tags.join(' ')} `;
}

/**
 * Anki's `fieldChecksum`: the first 8 hex digits of the SHA-1 of the field with HTML stripped
 * (media file names kept), as an unsigned 32-bit integer. Anki dedupes on it.
 */
export function fieldChecksum(field: string): number {
  return checksumOfStripped(stripHtmlMedia(field));
}

function checksumOfStripped(text: string): number {
  return sha1(text).readUInt32BE(0);
}

const IMG_SRC = /<img[^>]+src=["']?([^"'>]+)["']?[^>]*>/gi;
const COMMENT = /<!--[\s\S]*?-->/g;
const STYLE = /<style[\s\S]*?>[\s\S]*?<\/style>/gi;
const SCRIPT = /<script[\s\S]*?>[\s\S]*?<\/script>/gi;
const TAG = /<[\s\S]*?>/g;
const ENTITY = /&#?\w+;/g;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Anki's `stripHTMLMedia`: image tags become their file names, other tags go, entities decode. */
export function stripHtmlMedia(html: string): string {
  return html
    .replace(IMG_SRC, ' $1 ')
    .replace(COMMENT, '')
    .replace(STYLE, '')
    .replace(SCRIPT, '')
    .replace(TAG, '')
    .replaceAll('&nbsp;', ' ')
    .replace(ENTITY, decodeEntity);
}

function decodeEntity(entity: string): string {
  const body = entity.slice(1, -1);
  if (body.startsWith('#')) {
    const code =
      body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return Number.isInteger(code) && code >= 0 && code <= 0x10ffff
      ? String.fromCodePoint(code)
      : entity;
  }
  return NAMED_ENTITIES[body] ?? entity;
}

function assertUniqueGuids(notes: readonly Note[]): void {
  const seen = new Set<string>();
  for (const note of notes) {
    if (seen.has(note.guid)) throw new Error(`Two notes share the GUID ${note.guid}`);
    seen.add(note.guid);
  }
}

function sha1(text: string): Buffer {
  return createHash('sha1').update(text).digest();
}

/** The first 48 bits of a digest as a non-negative safe integer. */
function hashNumber(digest: Buffer): number {
  return digest.readUIntBE(0, 6);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
