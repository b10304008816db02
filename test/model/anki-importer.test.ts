import { describe, expect, it } from 'vitest';
import { emitApkg } from '../../src/emit/apkg.js';
import { emitCsv } from '../../src/emit/csv.js';
import { NOTETYPE_ID } from '../../src/emit/notetype.js';
import { Package } from '../../src/validate/schema.js';
import { makePackage } from '../emit/make-package.js';
import { ModelCollection } from './anki-importer.js';
import { buildApkg, DECKC_FIELDS, DECKC_TEMPLATE, NTID } from './build-apkg.js';

/** 2026-01-01, in seconds; imports happen a day or more later. */
const T = 1_767_225_600;
const DAY = 86_400;

const note = (n: number, over: Partial<Parameters<typeof buildApkg>[0]['notes'][number]> = {}) => ({
  id: T * 1000 + n,
  guid: `g${n}`,
  mod: T + n,
  deck: 'Book::Part 01',
  ...over,
});

describe('apkg: notes', () => {
  it('adds new notes with their cards, ids and mtimes as in the package', async () => {
    const col = new ModelCollection({ version: '24.11' });
    const result = await col.importApkg(await buildApkg({ notes: [note(1), note(2)] }), {
      now: T + DAY,
    });
    expect(result.added).toEqual(['g1', 'g2']);
    expect(result.counts).toMatchObject({ added: 2, updated: 0, unchanged: 0, conflicting: 0 });
    expect(col.noteByGuid('g1')).toMatchObject({ id: T * 1000 + 1, mod: T + 1 });
    expect(col.cardsOf('g2')).toMatchObject([{ id: T * 1000 + 2, ord: 0, deck: 'Book::Part 01' }]);
    expect(result.createdDecks).toEqual(['Book', 'Book::Part 01']);
  });

  it('matches notes by GUID across the whole collection, whatever their id or deck', async () => {
    const col = new ModelCollection({ version: '24.11' });
    col.addNotetype({
      id: NTID,
      name: 'deckc',
      mod: 1_700_000_000,
      fields: DECKC_FIELDS,
      templates: [DECKC_TEMPLATE],
    });
    col.addNote({
      id: 42,
      guid: 'g1',
      mid: NTID,
      mod: T,
      tags: [],
      fields: ['a', '', '', '', ''],
      deck: 'Elsewhere',
    });
    const result = await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
    expect(result.updated).toEqual(['g1']);
    expect(col.state().notes).toHaveLength(1);
    expect(col.noteByGuid('g1')).toMatchObject({ id: 42, fields: ['Q g1', 'A g1', '', '', ''] });
    // The existing card is neither changed nor moved; the package's deck is still created.
    expect(col.cardsOf('g1')).toMatchObject([{ deck: 'Elsewhere' }]);
    expect(col.deckNames()).toContain('Book::Part 01');
  });

  it('updates only if the incoming mod is newer (the default), else leaves the note', async () => {
    const col = new ModelCollection({ version: '26.08' });
    await col.importApkg(await buildApkg({ notes: [note(1), note(2), note(3)] }), { now: T + DAY });
    const again = await buildApkg({
      notes: [
        note(1, { mod: T + 1 + 10, fields: ['newer', '', '', '', ''] }),
        note(2, { fields: ['same mod', '', '', '', ''] }),
        note(3, { mod: T, fields: ['older', '', '', '', ''] }),
      ],
    });
    const result = await col.importApkg(again, { now: T + 2 * DAY });
    expect(result.updated).toEqual(['g1']);
    expect(result.unchanged).toEqual(['g2', 'g3']);
    expect(col.noteByGuid('g2')?.fields[0]).toBe('Q g2');
  });

  it("23.10's options: 'always' updates any different mod (not an equal one), 'never' nothing", async () => {
    const setUp = async () => {
      const col = new ModelCollection({ version: '23.10' });
      await col.importApkg(await buildApkg({ notes: [note(1), note(2)] }), { now: T + DAY });
      return col;
    };
    const again = await buildApkg({
      notes: [note(1, { mod: T, fields: ['older'] }), note(2, { fields: ['same'] })],
    });
    const always = await (await setUp()).importApkg(again, {
      now: T + 2 * DAY,
      updateNotes: 'always',
    });
    expect([always.updated, always.unchanged]).toEqual([['g1'], ['g2']]);
    const never = await (await setUp()).importApkg(again, {
      now: T + 2 * DAY,
      updateNotes: 'never',
    });
    expect([never.updated, never.unchanged]).toEqual([[], ['g1', 'g2']]);
    const old = new ModelCollection({ version: '2.1.66' });
    await expect(old.importApkg(again, { now: T, updateNotes: 'always' })).rejects.toThrow(/23.10/);
  });

  it("sets an updated note's mtime to the import time until 24.11, keeps the incoming one from 25.02", async () => {
    for (const [version, expected] of [
      ['24.11', T + 2 * DAY],
      ['25.02', T + 50],
    ] as const) {
      const col = new ModelCollection({ version });
      await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
      await col.importApkg(await buildApkg({ notes: [note(1, { mod: T + 50 })] }), {
        now: T + 2 * DAY,
      });
      expect(col.noteByGuid('g1')?.mod).toBe(expected);
    }
    // Hence on 24.11 a package built before the last import no longer updates: its mod (T + 60)
    // is older than the mtime the previous import stamped (T + 2 days).
    const col = new ModelCollection({ version: '24.11' });
    await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
    await col.importApkg(await buildApkg({ notes: [note(1, { mod: T + 50 })] }), {
      now: T + 2 * DAY,
    });
    const late = await col.importApkg(await buildApkg({ notes: [note(1, { mod: T + 60 })] }), {
      now: T + 3 * DAY,
    });
    expect(late.unchanged).toEqual(['g1']);
  });

  it('replaces tags on update, dropping marked and leech, spelled as tags already known', async () => {
    const col = new ModelCollection({ version: '24.11' });
    await col.importApkg(await buildApkg({ notes: [note(1, { tags: ['Chapter::One', 'x'] })] }), {
      now: T + DAY,
    });
    await col.importApkg(
      await buildApkg({ notes: [note(1, { mod: T + 9, tags: ['chapter::one', 'marked', 'y'] })] }),
      { now: T + 2 * DAY },
    );
    expect(col.noteByGuid('g1')?.tags).toEqual(['Chapter::One', 'y']);
  });

  it('gives an incoming note whose id is taken a new one, 999 ms later until free (uniquify_note_id)', async () => {
    const col = new ModelCollection({ version: '24.11' });
    col.addNotetype({
      id: NTID,
      name: 'deckc',
      mod: 0,
      fields: DECKC_FIELDS,
      templates: [DECKC_TEMPLATE],
    });
    const id = T * 1000 + 1;
    for (const [i, taken] of [id, id + 999].entries()) {
      col.addNote({
        id: taken,
        guid: `other${i}`,
        mid: NTID,
        mod: T,
        tags: [],
        fields: ['', '', '', '', ''],
        deck: 'X',
      });
    }
    const result = await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
    expect(result.added).toEqual(['g1']);
    expect(col.noteByGuid('g1')?.id).toBe(id + 2 * 999);
    // Card ids collide the same way (uniquify_card_id): the set-up cards took T·1000 and `id`.
    expect(col.cardsOf('g1')[0]?.id).toBe(id + 999);
  });

  it('renumbers ids later than tomorrow from 2.1.61, and refuses the package before', async () => {
    const future = await buildApkg({ notes: [note(1, { id: (T + 10 * DAY) * 1000 })] });
    const col = new ModelCollection({ version: '2.1.66' });
    await col.importApkg(future, { now: T });
    expect(col.noteByGuid('g1')?.id).toBe(T * 1000);
    await expect(
      new ModelCollection({ version: '2.1.55' }).importApkg(future, { now: T }),
    ).rejects.toThrow(/InvalidId/);
  });
});

describe('apkg: note types', () => {
  const renamedField = [{ name: 'Prompt', id: 1000 }, ...DECKC_FIELDS.slice(1)];
  const newFieldId = [{ name: 'Question', id: 9999 }, ...DECKC_FIELDS.slice(1)];

  async function twice(version: string, fields: typeof DECKC_FIELDS) {
    const col = new ModelCollection({ version });
    await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
    const changed = await buildApkg({
      notetypes: [{ id: NTID, mod: 1_800_000_000, fields }],
      notes: [note(1, { mod: T + 100 }), note(2)],
    });
    const result = await col.importApkg(changed, { now: T + 2 * DAY });
    return { col, result, changed };
  }

  it('2.1.55–2.1.66 compare field and template names: a renamed field makes a copy, existing notes conflict', async () => {
    const { col, result, changed } = await twice('2.1.66', renamedField);
    expect(result.conflicting).toEqual(['g1']);
    expect(result.added).toEqual(['g2']);
    const copyId = result.remappedNotetypes.get(NTID)!;
    expect(col.state().notetypes.map((nt) => nt.name)).toEqual(['deckc', 'deckc+']);
    expect(col.noteByGuid('g2')?.mid).toBe(copyId);
    expect(col.noteByGuid('g1')?.fields[0]).toBe('Q g1');
    // Every later import makes yet another copy.
    const third = await col.importApkg(changed, { now: T + 3 * DAY });
    expect(col.state().notetypes.map((nt) => nt.name)).toEqual(['deckc', 'deckc+', 'deckc++']);
    expect(third.conflicting).toEqual(['g1', 'g2']);
    // A changed field id under the same names is no change to them.
    expect((await twice('2.1.66', newFieldId)).result.updated).toEqual(['g1']);
  });

  it('23.10+ compare ids (names only where an id is missing): a rename is no schema change', async () => {
    const renamed = await twice('23.10', renamedField);
    expect(renamed.result.updated).toEqual(['g1']);
    expect(renamed.col.state().notetypes).toMatchObject([
      { id: NTID, fields: [{ name: 'Prompt' }, {}, {}, {}, {}] },
    ]);
  });

  it('23.10+ copy the note type on an id change, and reuse that copy on later imports', async () => {
    const { col, result, changed } = await twice('24.11', newFieldId);
    expect([result.conflicting, result.added]).toEqual([['g1'], ['g2']]);
    const third = await col.importApkg(changed, { now: T + 3 * DAY });
    expect(col.state().notetypes.map((nt) => nt.name)).toEqual(['deckc', 'deckc+']);
    // g1 still conflicts (its note type is the original); g2, added under the copy, matches it.
    expect([third.conflicting, third.unchanged]).toEqual([['g1'], ['g2']]);
  });

  it('before 23.10 an older note is "unchanged" even if its note type differs; from 23.10 it conflicts', async () => {
    for (const [version, expected] of [
      ['2.1.66', 'unchanged'],
      ['23.10', 'conflicting'],
    ] as const) {
      const col = new ModelCollection({ version });
      await col.importApkg(await buildApkg({ notes: [note(1)] }), { now: T + DAY });
      const other = await buildApkg({
        notetypes: [{ id: 77, name: 'other' }],
        notes: [note(1, { mid: 77, mod: T })],
      });
      const result = await col.importApkg(other, { now: T + 2 * DAY });
      expect(result[expected]).toEqual(['g1']);
    }
  });
});

describe('apkg: decks', () => {
  it('matches decks by normalised name, case-insensitively, keeping the spelling the collection has', async () => {
    const col = new ModelCollection({ version: '24.11' });
    col.addDeck('Café::Part 01');
    const result = await col.importApkg(
      await buildApkg({ notes: [note(1, { deck: 'CAFE\u0301:: part 01 ' })] }),
      { now: T + DAY },
    );
    expect(result.createdDecks).toEqual([]);
    expect(col.cardsOf('g1')).toMatchObject([{ deck: 'Café::Part 01' }]);
  });

  it("normalises names per version: 'Weird:::Part 03' is Weird / :Part 03 before 23.10", async () => {
    const bytes = await buildApkg({ notes: [note(1, { deck: 'Weird:::Part 03' })] });
    for (const [version, deck] of [
      ['2.1.66', 'Weird:::Part 03'],
      ['23.10', 'Weird::Part 03'],
    ]) {
      const col = new ModelCollection({ version: version! });
      await col.importApkg(bytes, { now: T + DAY });
      expect(col.cardsOf('g1')[0]?.deck).toBe(deck);
      expect(
        col
          .state()
          .decks.find((d) => d.name === deck)
          ?.native.split('\x1f'),
      ).toHaveLength(2);
    }
  });

  it('renames case twins of one package with `_`, in hash-map order: cards end up in a `_` deck', async () => {
    const bytes = await buildApkg({
      notes: [note(1, { deck: 'Deck::Part 01' }), note(2, { deck: 'deck::Part 01' })],
    });
    const col = new ModelCollection({ version: '24.11' });
    await col.importApkg(bytes, { now: T + DAY });
    // Upgraded in id order: `deck` → `deck_`, `deck::Part 01` → `deck::Part 01_`, whose parent
    // `deck` is then found as `Deck` (unicase): `deck_`, holding no card, is not even imported,
    // and `Deck` lends the twin its spelling.
    expect(col.deckNames()).toEqual(['Deck', 'Deck::Part 01', 'Deck::Part 01_', 'Default']);
    expect(col.cardsOf('g2')[0]?.deck).toBe('Deck::Part 01_');
    const reversed = new ModelCollection({ version: '24.11' });
    await reversed.importApkg(bytes, { now: T + DAY, deckOrder: 'descending-id' });
    expect(reversed.cardsOf('g1')[0]?.deck).toBe('deck::Part 01_');
    expect(reversed.cardsOf('g2')[0]?.deck).toBe('deck::Part 01');
  });
});

describe('CSV', () => {
  const header = [
    '#separator:Tab',
    '#html:true',
    '#guid column:1',
    '#notetype column:2',
    '#deck column:3',
    '#tags column:9',
    '#if matches:update current',
    '#match scope:notetype',
    '#columns:GUID\tNotetype\tDeck\tQuestion\tAnswer\tTitle\tContext\tSource\tTags',
  ];
  const row = (guid: string, deck: string, question: string, tags = '') =>
    [guid, String(NTID), deck, question, `A ${guid}`, '', '', '', tags]
      .map((c) => `"${c}"`)
      .join('\t');
  const csv = (...rows: string[]) => `${[...header, ...rows].join('\n')}\n`;

  async function collection(version: string) {
    const col = new ModelCollection({ version });
    await col.importApkg(await buildApkg({ notes: [note(1, { deck: 'Book::Part 03' })] }), {
      now: T + DAY,
    });
    return col;
  }

  it('creates a deck per row when the raw name is one Anki would normalise (Part 03+, Part 03++)', async () => {
    const col = await collection('26.08');
    const result = col.importCsv(
      csv(
        row('n1', 'Book::Part 03 ', 'q1'),
        row('n2', 'Book::Part 03 ', 'q2'),
        row('n3', 'Book::Part 03', 'q3'),
      ),
      { now: T + 2 * DAY },
    );
    expect(result.createdDecks).toEqual(['Book::Part 03+', 'Book::Part 03++']);
    expect(['n1', 'n2', 'n3'].map((g) => col.cardsOf(g)[0]?.deck)).toEqual([
      'Book::Part 03+',
      'Book::Part 03++',
      'Book::Part 03',
    ]);
  });

  it('creates that deck even for a row that only updates a note (decks come before matching)', async () => {
    const col = await collection('26.08');
    const result = col.importCsv(csv(row('g1', 'Book::Part 03 ', 'edited')), { now: T + 2 * DAY });
    expect([result.updated, result.createdDecks]).toEqual([['g1'], ['Book::Part 03+']]);
    expect(col.cardsOf('g1')[0]?.deck).toBe('Book::Part 03');
  });

  it('looks the raw name up case-insensitively from 24.04, exactly before', async () => {
    const folded = await collection('24.04');
    expect(
      folded.importCsv(csv(row('n1', 'book::part 03', 'q')), { now: T + 2 * DAY }).createdDecks,
    ).toEqual([]);
    const exact = await collection('23.10');
    expect(
      exact.importCsv(csv(row('n1', 'book::part 03', 'q')), { now: T + 2 * DAY }).createdDecks,
      // from_human_name, ensure_deck_name_unique (`+`), match_or_create_parents (`Book`).
    ).toEqual(['Book::part 03+']);
  });

  it('"update current" overwrites a note whose fields differ, whatever its mtime, and stamps now', async () => {
    const col = await collection('26.08');
    const result = col.importCsv(csv(row('g1', 'Book::Part 03', 'edited')), { now: T + 2 * DAY });
    expect(result.updated).toEqual(['g1']);
    expect(col.noteByGuid('g1')).toMatchObject({
      mod: T + 2 * DAY,
      fields: ['edited', 'A g1', '', '', ''],
    });
    // The same row again: identical fields and tags, so unchanged.
    expect(
      col.importCsv(csv(row('g1', 'Book::Part 03', 'edited')), { now: T + 3 * DAY }).unchanged,
    ).toEqual(['g1']);
    // Tags count too: a tags column replaces them.
    expect(
      col.importCsv(csv(row('g1', 'Book::Part 03', 'edited', 'a b')), { now: T + 4 * DAY }).updated,
    ).toEqual(['g1']);
    expect(col.noteByGuid('g1')?.tags).toEqual(['a', 'b']);
  });

  it('never moves an existing card, keeps current when told so, and skips a note of another type', async () => {
    const col = await collection('26.08');
    col.importCsv(csv(row('g1', 'Elsewhere', 'moved?')), { now: T + 2 * DAY });
    expect(col.cardsOf('g1')[0]?.deck).toBe('Book::Part 03');
    const kept = col.importCsv(
      csv(row('g1', 'Book::Part 03', 'kept?')).replace('update current', 'keep current'),
      {
        now: T + 3 * DAY,
      },
    );
    expect(kept.unchanged).toEqual(['g1']);
    col.addNotetype({
      id: 5,
      name: 'other',
      mod: 0,
      fields: DECKC_FIELDS,
      templates: [DECKC_TEMPLATE],
    });
    const other = col.importCsv(csv(row('g1', 'Book::Part 03', 'x').replace(String(NTID), '5')), {
      now: T,
    });
    expect(other.conflicting).toEqual(['g1']);
    const unknown = col.importCsv(csv(row('n9', 'Book', 'x').replace(String(NTID), '6')), {
      now: T,
    });
    expect(unknown.missingNotetype).toEqual(['n9']);
  });
});

describe('deckc output', () => {
  it("imports deckc's own .apkg and CSV: added, then unchanged, then updated by a changed row", async () => {
    const pkg = Package.parse(makePackage(3));
    const col = new ModelCollection({ version: '25.02' });
    const first = await col.importApkg(await emitApkg(pkg, { notetypeMod: 1_767_000_000 }), {
      now: T + DAY,
    });
    expect(first.counts).toMatchObject({ added: 3, updated: 0, conflicting: 0 });
    const again = await col.importApkg(await emitApkg(pkg, { notetypeMod: 1_767_000_000 }), {
      now: T + 2 * DAY,
    });
    expect(again.unchanged).toEqual(first.added);
    const csv = new TextDecoder().decode(emitCsv(pkg.notes, NOTETYPE_ID));
    expect(col.importCsv(csv, { now: T + 3 * DAY }).unchanged).toEqual(first.added);
    const edited = csv.replace('Question 1?', 'Question one?');
    const result = col.importCsv(edited, { now: T + 4 * DAY });
    expect([result.updated, result.createdDecks]).toEqual([[pkg.notes[1]!.guid], []]);
  });
});
