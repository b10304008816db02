/**
 * Our .apkg files imported into real Anki (Debian's anki 2.1.15, whose importer follows the same
 * rules as today's: GUID match, "update if newer", note type by id and schema, decks by name).
 * Run with `npm run test:anki` after `sh scripts/anki/install.sh`.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { emitApkg } from '../../src/emit/apkg.js';
import { NOTETYPE_ID } from '../../src/emit/notetype.js';
import { CSS } from '../../src/render/templates.js';
import { FIELD_NAMES, type Note, type Package } from '../../src/validate/schema.js';
import { BASE_MOD, makeLargePackage, makePackage, PNG, SVG } from '../emit/make-package.js';
import { readApkg } from '../helpers/read-apkg.js';
import { AnkiCollection, type AnkiState, assertAnkiInstalled } from './anki.js';

const OPTIONS = { notetypeMod: BASE_MOD - 1_000 };
const collections: AnkiCollection[] = [];

function collection(): AnkiCollection {
  const col = new AnkiCollection();
  collections.push(col);
  return col;
}

const emit = (pkg: Package, options = OPTIONS) => emitApkg(pkg, options);

/** A book of 12 notes in two chapters, with tags, titles and an image. */
function book(name = 'book', prefix = 'book'): Package {
  return makePackage(12, { name, media: [PNG, SVG] }, (n) => ({
    guid: `${prefix}-${n}`,
    deck: n < 6 ? 'Book::Chapter 1' : 'Book::Chapter 2',
    tags: n % 3 === 0 ? ['book::ch', 'hard'] : ['book::ch'],
    fields: {
      Question:
        n === 0 ? `<p>Which <img src="${PNG.name}">?</p>` : `<p>Question ${n} &amp; more</p>`,
      Answer: `<p>Answer ${n}</p>`,
      Title: n % 2 === 0 ? `Title ${n}` : '',
      Context: n === 1 ? `<p>See <img src="${SVG.name}"></p>` : '',
      Source: `book.md:${n + 1}`,
    },
  }));
}

const byGuid = (state: AnkiState) => new Map(state.notes.map((note) => [note.guid, note]));
const nonDefaultDecks = (state: AnkiState) =>
  Object.keys(state.decks).filter((name) => name !== 'Default');

beforeAll(() => {
  assertAnkiInstalled();
});

afterEach(() => {
  for (const col of collections.splice(0)) col.remove();
});

describe('a first import into real Anki', () => {
  it('adds every note with its fields, tags, deck tree, note type and media, without errors', async () => {
    const pkg = book();
    const bytes = await emit(pkg);
    const col = collection();
    const { imports, state } = col.import(bytes);

    expect(imports[0]!.error).toBeNull();
    expect(imports[0]).toMatchObject({ added: 12, updated: 0, dupes: 0 });
    expect(state.ankiVersion).toBe('2.1.15');

    expect(nonDefaultDecks(state).sort()).toEqual(['Book', 'Book::Chapter 1', 'Book::Chapter 2']);

    const deckc = state.notetypes.find((nt) => nt.id === NOTETYPE_ID)!;
    expect(deckc).toMatchObject({
      name: 'deckc',
      fields: [...FIELD_NAMES],
      templates: ['Card 1'],
      css: CSS,
      mod: OPTIONS.notetypeMod,
      noteCount: 12,
    });
    // the requirement we ship is the one Anki computes from our templates
    expect(deckc.req).toEqual(deckc.reqComputed);

    const notes = byGuid(state);
    for (const note of pkg.notes) {
      const stored = notes.get(note.guid)!;
      expect(stored.mid).toBe(NOTETYPE_ID);
      expect(stored.mod).toBe(note.mod);
      expect(stored.fields).toEqual(note.fields);
      expect(stored.tags.sort()).toEqual([...note.tags].sort());
    }
    expect(state.tags).toEqual(['book::ch', 'hard']);
    expect(state.media).toEqual([SVG.name, PNG.name].sort());
  });

  it('keeps source order as the order of new cards, each in its own deck', async () => {
    const pkg = book();
    const { state } = collection().import(await emit(pkg));
    const guidOf = new Map(state.notes.map((note) => [note.id, note.guid]));
    const studyOrder = [...state.cards]
      .sort((a, b) => a.due - b.due || a.id - b.id)
      .map((card) => guidOf.get(card.nid));
    expect(studyOrder).toEqual(pkg.notes.map((note) => note.guid));
    expect(state.cards.map((card) => guidOf.get(card.nid))).toEqual(studyOrder);
    for (const card of state.cards) {
      const note = pkg.notes.find((n) => n.guid === guidOf.get(card.nid))!;
      expect(card).toMatchObject({ deck: note.deck, ord: 0, type: 0, queue: 0 });
    }
  });

  it('keeps our note and card ids, and our sort field and checksum match what Anki computes', async () => {
    const bytes = await emit(book());
    const ours = await readApkg(bytes);
    const { state } = collection().import(bytes);
    expect(state.notes.map((note) => note.id)).toEqual(ours.notes.map((note) => note.id));
    expect(state.cards.map((card) => card.id)).toEqual(ours.cards.map((card) => card.id));
    // Anki recomputes sfld and csum on import (updateFieldCache): ours must agree
    expect(state.notes.map((note) => [note.sfld, note.csum])).toEqual(
      ours.notes.map((note) => [note.sfld, note.csum]),
    );
  });

  it('renders the cards with our templates', async () => {
    const col = collection();
    col.import(await emit(book()));
    const cards = col.dump(true).cards;
    const first = cards[0]!;
    expect(first.question).toContain('<div class="deckc-title">Title 0</div>');
    expect(first.question).toContain(`<img src="${PNG.name}">`);
    expect(first.answer).toContain('<div class="deckc-answer"><p>Answer 0</p></div>');
    expect(first.answer).toContain('<div class="deckc-source">book.md:1</div>');
    expect(cards[1]!.question).not.toContain('class="deckc-title"');
  });

  it('leaves nothing for Check Database to fix', async () => {
    const col = collection();
    const { state: before } = col.import(await emit(book()));
    const { check, state: after } = col.check();
    expect(check).toEqual({ ok: true, messages: ['Database rebuilt and optimized.'] });
    expect(after.notes).toEqual(before.notes);
    expect(after.cards).toEqual(before.cards);
  });
});

describe('importing again', () => {
  it('changes nothing when the bytes are the same', async () => {
    const bytes = await emit(book());
    const col = collection();
    const { state: first } = col.import(bytes);
    const { imports, state: second } = col.import(bytes);
    expect(imports[0]!.error).toBeNull();
    expect(imports[0]).toMatchObject({ added: 0, updated: 0, dupes: 12 });
    expect(second.notes).toEqual(first.notes);
    expect(second.cards).toEqual(first.cards);
    expect(second.decks).toEqual(first.decks);
    expect(second.notetypes).toEqual(first.notetypes);
  });

  it('updates exactly the note whose answer changed with a higher mod, in place', async () => {
    const original = book();
    const changed = structuredClone(original);
    const note = changed.notes[4]!;
    note.fields.Answer = '<p>A better answer</p>';
    note.mod += 3_600;

    const col = collection();
    const { state: first } = col.import(await emit(original));
    const { imports, state: second } = col.import(await emit(changed));
    expect(imports[0]).toMatchObject({ error: null, added: 0, updated: 1, dupes: 11 });

    const before = byGuid(first).get(note.guid)!;
    const after = byGuid(second).get(note.guid)!;
    expect(after.id).toBe(before.id);
    expect(after.mod).toBe(note.mod);
    expect(after.fields.Answer).toBe('<p>A better answer</p>');
    expect(second.notes).toHaveLength(12);
    expect(second.cards).toHaveLength(12);
    const untouched = (state: AnkiState) => state.notes.filter((n) => n.guid !== note.guid);
    expect(untouched(second)).toEqual(untouched(first));
  });

  it('does not update a changed note whose mod stayed the same ("update if newer")', async () => {
    const original = book();
    const changed = structuredClone(original);
    changed.notes[4]!.fields.Answer = '<p>A better answer</p>';

    const col = collection();
    const { state: first } = col.import(await emit(original));
    const { imports, state: second } = col.import(await emit(changed));
    expect(imports[0]).toMatchObject({ error: null, added: 0, updated: 0, dupes: 12 });
    expect(second.notes).toEqual(first.notes);
  });

  it('adds exactly one note and card when one note is added', async () => {
    const original = book();
    const grown = structuredClone(original);
    const added: Note = {
      ...structuredClone(original.notes[5]!),
      guid: 'book-new',
      mod: BASE_MOD + 10_000,
    };
    added.fields.Question = '<p>A new question</p>';
    grown.notes.splice(6, 0, added);

    const col = collection();
    const { state: first } = col.import(await emit(original));
    const { imports, state: second } = col.import(await emit(grown));
    expect(imports[0]).toMatchObject({ error: null, added: 1, updated: 0, dupes: 12 });
    expect(second.notes).toHaveLength(13);
    expect(second.cards).toHaveLength(13);
    const fresh = byGuid(second).get('book-new')!;
    expect(fresh.fields.Question).toBe('<p>A new question</p>');
    expect(second.cards.find((card) => card.nid === fresh.id)!.deck).toBe(added.deck);
    // everything imported before keeps its id and content
    const kept = second.notes.filter((note) => note.guid !== 'book-new');
    expect(kept).toEqual(first.notes);
  });

  it('brings a restyled note type to existing users when its mod rises', async () => {
    const col = collection();
    col.import(await emit(book()));

    vi.resetModules();
    vi.doMock('../../src/render/templates.js', async (importOriginal) => ({
      ...(await importOriginal<object>()),
      CSS: '.card { color: rebeccapurple; }\n',
    }));
    const restyled = await import('../../src/emit/apkg.js');
    const pkg = book();
    const sameMod = await restyled.emitApkg(pkg, OPTIONS);
    const newerMod = await restyled.emitApkg(pkg, { notetypeMod: OPTIONS.notetypeMod + 60 });
    vi.doUnmock('../../src/render/templates.js');
    vi.resetModules();

    const css = (state: AnkiState) => state.notetypes.find((nt) => nt.id === NOTETYPE_ID)!.css;
    const unchanged = col.import(sameMod);
    expect(unchanged.imports[0]!.error).toBeNull();
    expect(css(unchanged.state)).toBe(CSS);
    const updated = col.import(newerMod);
    expect(updated.imports[0]!.error).toBeNull();
    expect(css(updated.state)).toBe('.card { color: rebeccapurple; }\n');
    // still one deckc note type, holding every note
    expect(updated.state.notetypes.filter((nt) => nt.name.startsWith('deckc'))).toHaveLength(1);
    expect(updated.state.notes).toHaveLength(12);
  });
});

describe('several deckc packages in one collection', () => {
  it('imports a second, different package beside the first without clashes', async () => {
    const first = book('book', 'book');
    // Built later than the first (note ids are creation times).
    const second = makePackage(8, { name: 'physics' }, (n) => ({
      guid: `physics-${n}`,
      deck: n < 4 ? 'Physics::Waves' : 'Physics::Optics',
      added: (BASE_MOD + 3600) * 1000 + n,
    }));
    const firstBytes = await emit(first);
    const secondBytes = await emit(second);
    const ours = [await readApkg(firstBytes), await readApkg(secondBytes)];

    const col = collection();
    const { imports, state } = col.import(firstBytes, secondBytes);
    expect(imports.map((entry) => entry.error)).toEqual([null, null]);
    expect(imports[1]).toMatchObject({ added: 8, updated: 0, dupes: 0 });

    expect(state.notes).toHaveLength(20);
    expect(state.cards).toHaveLength(20);
    // no id had to be renumbered: the packages' id ranges do not overlap
    expect(state.notes.map((note) => note.id).sort()).toEqual(
      [...ours[0]!.notes, ...ours[1]!.notes].map((note) => note.id).sort(),
    );
    expect(nonDefaultDecks(state).sort()).toEqual([
      'Book',
      'Book::Chapter 1',
      'Book::Chapter 2',
      'Physics',
      'Physics::Optics',
      'Physics::Waves',
    ]);
    expect(state.notetypes.filter((nt) => nt.name.startsWith('deckc'))).toHaveLength(1);
    expect(col.check().check.ok).toBe(true);
  });
});

describe('a large package', () => {
  it('imports 3,000 notes of ~1 KB in source order and leaves Check Database nothing to fix', async () => {
    const pkg = makeLargePackage(3_000);
    const col = collection();
    const { imports, state } = col.import(await emit(pkg));
    expect(imports[0]).toMatchObject({ error: null, added: 3_000 });
    const guidOf = new Map(state.notes.map((note) => [note.id, note.guid]));
    const studyOrder = [...state.cards]
      .sort((a, b) => a.due - b.due || a.id - b.id)
      .map((card) => guidOf.get(card.nid));
    expect(studyOrder).toEqual(pkg.notes.map((note) => note.guid));
    expect(Object.keys(state.decks)).toHaveLength(1 + 1 + 3 + 30);
    expect(col.check().check).toEqual({ ok: true, messages: ['Database rebuilt and optimized.'] });
  });
});
