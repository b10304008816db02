/**
 * Tiny hand-made .apkg files for the importer model's tests: just the rows and JSON that
 * test/helpers/read-apkg.ts and the model read (schema 11 tables, a `media` entry), so a test can
 * build what deckc would never write (case twins, odd names, changed schemas, colliding ids).
 */
import { zipSync } from 'fflate';
import initSqlJs from 'sql.js';

export type HandNotetype = {
  id: number;
  name?: string;
  mod?: number;
  /** Field names, or names with ids. */
  fields?: (string | { name: string; id: number | null })[];
  templates?: (string | { name: string; id: number | null })[];
};
export type HandNote = {
  id: number;
  guid: string;
  mid?: number;
  mod: number;
  tags?: string[];
  fields?: string[];
  /** Deck name of its card (one card, ord 0, id = note id unless cardId is given). */
  deck: string;
  cardId?: number;
};

/** deckc's field names, and ids like src/emit/notetype.ts has (any fixed numbers will do here). */
export const DECKC_FIELDS = ['Question', 'Answer', 'Title', 'Context', 'Source'].map((name, i) => ({
  name,
  id: 1000 + i,
}));
export const DECKC_TEMPLATE = { name: 'Card 1', id: 2000 };
export const NTID = 1_606_153_497_311;

const item = (x: string | { name: string; id: number | null }, ord: number) =>
  typeof x === 'string'
    ? { name: x, ord }
    : { name: x.name, ord, ...(x.id === null ? {} : { id: x.id }) };

/** Builds the package bytes. Deck ids are 10, 11, … in first-use order (parents included). */
export async function buildApkg(spec: {
  notetypes?: HandNotetype[];
  notes: HandNote[];
  /** Extra decks, by name (e.g. a case twin with no cards). */
  decks?: string[];
}): Promise<Uint8Array> {
  const notetypes = spec.notetypes ?? [{ id: NTID }];
  const models = Object.fromEntries(
    notetypes.map((nt) => [
      String(nt.id),
      {
        id: nt.id,
        name: nt.name ?? 'deckc',
        type: 0,
        mod: nt.mod ?? 1_700_000_000,
        usn: 0,
        sortf: 0,
        did: 1,
        flds: (nt.fields ?? DECKC_FIELDS).map(item),
        tmpls: (nt.templates ?? [DECKC_TEMPLATE]).map((t, ord) => ({
          ...item(t, ord),
          qfmt: '{{Question}}',
          afmt: '{{Answer}}',
        })),
        css: '',
      },
    ]),
  );
  const deckIds = new Map<string, number>([['Default', 1]]);
  const useDeck = (name: string) => {
    const parts = name.split('::');
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join('::');
      if (!deckIds.has(prefix)) deckIds.set(prefix, 10 + deckIds.size);
    }
    return deckIds.get(name)!;
  };
  for (const note of spec.notes) useDeck(note.deck);
  for (const name of spec.decks ?? []) useDeck(name);
  const decks = Object.fromEntries(
    [...deckIds].map(([name, id]) => [String(id), { id, name, dyn: 0, mod: 0, usn: 0 }]),
  );

  const SQL = await initSqlJs();
  const db = new SQL.Database();
  try {
    db.run(`
      create table col (id integer primary key, crt integer, mod integer, scm integer, ver integer,
        dty integer, usn integer, ls integer, conf text, models text, decks text, dconf text, tags text);
      create table notes (id integer primary key, guid text, mid integer, mod integer, usn integer,
        tags text, flds text, sfld text, csum integer, flags integer, data text);
      create table cards (id integer primary key, nid integer, did integer, ord integer, mod integer,
        usn integer, type integer, queue integer, due integer, ivl integer, factor integer,
        reps integer, lapses integer, left integer, odue integer, odid integer, flags integer, data text);
      create table revlog (id integer primary key);
      create table graves (oid integer);
    `);
    db.run('insert into col values (1, 0, 0, 0, 11, 0, 0, 0, ?, ?, ?, ?, ?)', [
      '{}',
      JSON.stringify(models),
      JSON.stringify(decks),
      '{}',
      '{}',
    ]);
    for (const note of spec.notes) {
      const mid = note.mid ?? notetypes[0]!.id;
      const count = (notetypes.find((nt) => nt.id === mid)?.fields ?? DECKC_FIELDS).length;
      const fields =
        note.fields ?? [`Q ${note.guid}`, `A ${note.guid}`, '', '', ''].slice(0, count);
      db.run('insert into notes values (?, ?, ?, ?, -1, ?, ?, ?, 0, 0, ?)', [
        note.id,
        note.guid,
        mid,
        note.mod,
        ` ${(note.tags ?? []).join(' ')} `,
        fields.join('\x1f'),
        fields[0] ?? '',
        '',
      ]);
      db.run('insert into cards values (?, ?, ?, 0, ?, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, ?)', [
        note.cardId ?? note.id,
        note.id,
        useDeck(note.deck),
        note.mod,
        '',
      ]);
    }
    return zipSync({
      'collection.anki2': db.export(),
      media: new TextEncoder().encode('{}'),
    });
  } finally {
    db.close();
  }
}
