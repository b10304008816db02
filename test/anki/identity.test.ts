/**
 * Identity v2 (issue 10) against real Anki 2.1.15: real `deckc build` outputs of small projects
 * (test/fixtures/identity/) imported the way a user does, and only what Anki stored asserted —
 * notes by GUID, their mods, fields and tags, decks, card ids, review history.
 * The same scenarios against the model of today's importer: test/model/round-trip.test.ts.
 * Run with `npm run test:anki`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project, removeProjects } from '../helpers/project.js';
import {
  AnkiCollection,
  type AnkiImport,
  type AnkiNote,
  type AnkiState,
  assertAnkiInstalled,
} from './anki.js';

const FIXTURES = new URL('../fixtures/identity/', import.meta.url).pathname;
const RETIRED_TAG = 'deckc::retired';
/** 2026-01-01 00:00 UTC: every scenario's first build; later builds are days later. */
const E0 = 1_767_225_600;
const DAY = 86_400;

const collections: AnkiCollection[] = [];

function collection(): AnkiCollection {
  const col = new AnkiCollection();
  collections.push(col);
  return col;
}

/** Imports packages and checks that none failed. */
function importAll(
  col: AnkiCollection,
  ...packages: Uint8Array[]
): { imports: AnkiImport[]; state: AnkiState } {
  const result = col.import(...packages);
  for (const entry of result.imports) expect(entry.error).toBeNull();
  return result;
}

const text = (html: string | undefined) => (html ?? '').replace(/<[^>]+>/g, '').trim();
const byGuid = (state: AnkiState) => new Map(state.notes.map((note) => [note.guid, note]));
const byQuestion = (state: AnkiState) =>
  new Map(state.notes.map((note) => [text(note.fields.Question), note]));
const noteOf = (state: AnkiState, question: string): AnkiNote => {
  const note = byQuestion(state).get(question);
  expect(note, question).toBeDefined();
  return note!;
};
const cardsOf = (state: AnkiState, note: AnkiNote) => state.cards.filter((c) => c.nid === note.id);

/** The edits fixture is `book(CARD.one, CARD.two, CARD.three)`; edits write the file whole. */
const CARD = {
  zero: '#### Zeroth\n:p What is zero?\n??x\nThe number 0.\nx??',
  one: '#### First\n:p What is one?\n??x\nThe number 1.\nx??',
  two: '#### Second\n:p What is two?\n??x\nThe number 2.\nx??',
  three: '#### Third\n:p What is three?\n??x\nThe number 3.\nx??',
};
const book = (...cards: string[]) =>
  `# Flashcards: Book (Part 1)\n\n**Starting Chapter:** Basics\n\n---\n\n${cards.join('\n\n---\n\n')}\n\n---\n`;
const FILE = 'part-01.md';

beforeAll(() => {
  assertAnkiInstalled();
});

afterAll(() => {
  for (const col of collections.splice(0)) col.remove();
  removeProjects();
});

describe('two projects side by side', () => {
  it('share no GUID: one collection holds 2 + 2 notes, and re-importing A touches nothing of B', async () => {
    // Both have a `Rust` deck asking "What is ownership?" and both use {#intro}; built the same
    // second, so even their note ids collide.
    const a = new Project('two-projects/a');
    const b = new Project('two-projects/b');
    await a.build(E0);
    await b.build(E0);
    expect(a.lock().project).not.toBe(b.lock().project);

    const col = collection();
    const { imports, state } = importAll(col, a.apkg('Rust'), b.apkg('Rust'));
    expect(imports.map((i) => [i.added, i.updated])).toEqual([
      [2, 0],
      [2, 0],
    ]);
    expect(state.notes).toHaveLength(4);
    expect(new Set(state.notes.map((n) => n.guid)).size).toBe(4);
    expect(state.cards).toHaveLength(4);
    const answers = state.notes.map((n) => text(n.fields.Answer)).sort();
    expect(answers.filter((t) => t.startsWith('Project A'))).toHaveLength(2);
    expect(answers.filter((t) => t.startsWith('Project B'))).toHaveLength(2);

    const isB = (n: AnkiNote) => text(n.fields.Answer).startsWith('Project B');
    const bNotes = state.notes.filter(isB);
    const bCards = state.cards.filter((c) => bNotes.some((n) => n.id === c.nid));

    // The same package again: nothing at all changes.
    const again = importAll(col, a.apkg('Rust'));
    expect([again.imports[0]!.added, again.imports[0]!.updated]).toEqual([0, 0]);
    expect(again.state.notes).toEqual(state.notes);

    // A rebuilt with both cards edited: exactly A's two notes update, B's stay as they were.
    a.edit('rust.md', 'exactly one owner.', 'exactly one owner at a time.');
    a.edit('rust.md', 'without a garbage collector.', 'without a garbage collector, at last.');
    await a.build(E0 + DAY);
    const edited = importAll(col, a.apkg('Rust'));
    expect([edited.imports[0]!.added, edited.imports[0]!.updated]).toEqual([0, 2]);
    expect(edited.state.notes.filter(isB)).toEqual(bNotes);
    expect(edited.state.cards.filter((c) => bNotes.some((n) => n.id === c.nid))).toEqual(bCards);
    expect(edited.state.notes).toHaveLength(4);
  });
});

describe('an edit changes only the edited note', () => {
  it('inserting a card at the top re-imports as 1 added, 0 updated; reordering and deleting update nothing', async () => {
    const p = new Project('edits');
    await p.build(E0);
    const col = collection();
    const first = importAll(col, p.apkg('Book')).state;
    expect(first.notes).toHaveLength(3);
    expect(p.read(FILE)).toBe(book(CARD.one, CARD.two, CARD.three));

    p.write(FILE, book(CARD.zero, CARD.one, CARD.two, CARD.three));
    await p.build(E0 + DAY);
    const inserted = importAll(col, p.apkg('Book'));
    expect(inserted.imports[0]!).toMatchObject({ added: 1, updated: 0, dupes: 3 });
    expect(inserted.state.notes).toHaveLength(4);
    const after = byGuid(inserted.state);
    for (const note of first.notes) expect(after.get(note.guid)).toEqual(note);
    for (const card of first.cards) expect(inserted.state.cards).toContainEqual(card);

    // Reorder: three moves to the top of the file, one to the bottom.
    p.write(FILE, book(CARD.three, CARD.zero, CARD.two, CARD.one));
    await p.build(E0 + 2 * DAY);
    const reordered = importAll(col, p.apkg('Book'));
    expect(reordered.imports[0]!).toMatchObject({ added: 0, updated: 0, dupes: 4 });
    expect(reordered.state.notes).toEqual(inserted.state.notes);
    expect(reordered.state.cards).toEqual(inserted.state.cards);

    // Delete the second card and rebuild: the live notes' package updates nothing.
    p.write(FILE, book(CARD.three, CARD.zero, CARD.one));
    await p.build(E0 + 3 * DAY);
    const deleted = importAll(col, p.apkg('Book'));
    expect(deleted.imports[0]!).toMatchObject({ added: 0, updated: 0, dupes: 3 });
    expect(deleted.state.notes).toEqual(inserted.state.notes);
  });
});

describe('removing a card', () => {
  it('a fresh collection gets only live notes; old collections learn of the retirement; a restored card comes back', async () => {
    const p = new Project('edits');
    await p.build(E0);
    const build1 = p.apkg('Book');
    expect(p.output('Book.retired.apkg')).toBeNull();

    // Two users import the first build and study "What is two?".
    const recent = collection();
    const stale = collection();
    for (const col of [recent, stale]) {
      const { state } = importAll(col, build1);
      const two = noteOf(state, 'What is two?');
      const studied = col.review(cardsOf(state, two)[0]!.id);
      expect(studied.revlog).toHaveLength(1);
      expect(cardsOf(studied, two)[0]!.type).not.toBe(0);
    }
    const studied = stale.dump();
    const twoBefore = noteOf(studied, 'What is two?');
    const twoCard = cardsOf(studied, twoBefore)[0]!;

    // Build 2 removes it; `recent` imports that build with its retirements.
    p.write(FILE, book(CARD.one, CARD.three));
    await p.build(E0 + DAY);
    const retired2 = p.output('Book.retired.apkg');
    expect(retired2).not.toBeNull();
    const r2 = importAll(recent, p.apkg('Book'), retired2!);
    expect(r2.imports.map((i) => [i.added, i.updated])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(noteOf(r2.state, 'What is two?').tags).toEqual([RETIRED_TAG]);

    // Build 3 edits another card.
    p.edit(FILE, 'The number 3.', 'The number three.');
    await p.build(E0 + 2 * DAY);
    const latest = p.apkg('Book');
    const latestRetired = p.output('Book.retired.apkg');
    expect(latestRetired).not.toBeNull();

    // A new user imports the latest package: live notes only, nothing retired anywhere.
    const fresh = collection();
    const f = importAll(fresh, latest).state;
    expect(f.notes.map((n) => text(n.fields.Question)).sort()).toEqual([
      'What is one?',
      'What is three?',
    ]);
    expect(f.tags).not.toContain(RETIRED_TAG);
    expect(f.notes.flatMap((n) => n.tags)).not.toContain(RETIRED_TAG);
    expect(Object.keys(f.decks).filter((d) => /retired/i.test(d))).toEqual([]);

    // The user who last imported build 1 (two builds ago) imports the latest outputs once.
    const s = importAll(stale, latest, latestRetired!);
    expect(s.imports.map((i) => [i.added, i.updated])).toEqual([
      [0, 1],
      [0, 1],
    ]);
    const twoRetired = noteOf(s.state, 'What is two?');
    expect(twoRetired).toMatchObject({ id: twoBefore.id, guid: twoBefore.guid });
    expect(twoRetired.tags).toEqual([RETIRED_TAG]);
    expect(s.state.tags).toContain(RETIRED_TAG);
    // Its card stays where it was, with its review history.
    expect(cardsOf(s.state, twoRetired)).toEqual([twoCard]);
    expect(s.state.revlog.filter((r) => r.cid === twoCard.id)).toHaveLength(1);
    expect(text(noteOf(s.state, 'What is three?').fields.Answer)).toBe('The number three.');
    expect(s.state.notes).toHaveLength(3);

    // `recent` imports the latest outputs too: the retired note is already as they ship it.
    const r3 = importAll(recent, latest, latestRetired!);
    expect(r3.imports.map((i) => [i.added, i.updated])).toEqual([
      [0, 1],
      [0, 0],
    ]);

    // The card comes back: same GUID, untagged on the next import, history kept.
    p.write(FILE, book(CARD.one, CARD.two, CARD.three.replace('3.', 'three.')));
    await p.build(E0 + 3 * DAY);
    expect(p.output('Book.retired.apkg')).toBeNull();
    for (const col of [stale, recent]) {
      const back = importAll(col, p.apkg('Book'));
      expect([back.imports[0]!.added, back.imports[0]!.updated]).toEqual([0, 1]);
      const two = noteOf(back.state, 'What is two?');
      expect(two.guid).toBe(twoBefore.guid);
      expect(two.tags).not.toContain(RETIRED_TAG);
      expect(text(two.fields.Answer)).toBe('The number 2.');
      expect(cardsOf(back.state, two)).toHaveLength(1);
      expect(
        back.state.revlog.filter((r) => r.cid === cardsOf(back.state, two)[0]!.id),
      ).toHaveLength(1);
      expect(back.state.notes).toHaveLength(3);
    }
    expect(cardsOf(stale.dump(), twoBefore)).toEqual([twoCard]);
  });
});

/** The version 1 GUID formulas (deckc before 512b493), written out here on their own. */
function hashBase62(s: string): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = BigInt(`0x${createHash('sha256').update(s).digest('hex').slice(0, 16)}`);
  let out = '';
  for (let i = 0; i < 11; i++) {
    out = digits[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}
const v1Derived = (scope: string, key: string) =>
  hashBase62(`deckc\u0000q\u0000${scope}\u0000${key}`);
const v1Explicit = (id: string) => hashBase62(`deckc\u0000id\u0000${id}`);

describe('a version 1 lock', () => {
  it('keeps every GUID it holds, and a collection of the old package is updated in place', async () => {
    const v1 = JSON.parse(readFileSync(path.join(FIXTURES, 'v1-lock/deckc.lock.json'), 'utf8'));
    expect(v1.lockfileVersion).toBe(1);
    expect(v1.project).toBeUndefined();
    const oldGuids = Object.keys(v1.notes).sort();
    // The fixture is what deckc 1 wrote: GUIDs of the v1 formulas, `at` with a line.
    const expected = Object.entries(
      v1.notes as Record<string, { key: string; q: string; at: string }>,
    ).map(([, e]) =>
      e.q === 'What is a borrow?' ? v1Explicit('borrow') : v1Derived('Rust', e.key),
    );
    expect(expected.sort()).toEqual(oldGuids);
    for (const e of Object.values(v1.notes as Record<string, { at: string }>))
      expect(e.at).toMatch(/:\d+$/);

    // A user's collection that imported deckc 1's package.
    const col = collection();
    const old = importAll(col, readFileSync(path.join(FIXTURES, 'v1-package/Rust.apkg'))).state;
    expect(old.notes.map((n) => n.guid).sort()).toEqual(oldGuids);

    const p = new Project('v1-lock');
    await p.build(E0);
    const lock = p.lock();
    expect(lock.lockfileVersion).toBe(2);
    expect(lock.project).toMatch(/^[0-9A-Za-z_-]{8,64}$/);
    expect(Object.keys(lock.notes).sort()).toEqual(oldGuids);

    // The package holds exactly those GUIDs: in a fresh collection, and over the old notes.
    const fresh = importAll(collection(), p.apkg('Rust')).state;
    expect(fresh.notes.map((n) => n.guid).sort()).toEqual(oldGuids);
    const { imports, state } = importAll(col, p.apkg('Rust'));
    expect(imports[0]!.added).toBe(0);
    expect(imports[0]!.updated).toBe(3);
    expect(state.notes.map((n) => [n.guid, n.id])).toEqual(old.notes.map((n) => [n.guid, n.id]));
    expect(state.cards.map((c) => [c.id, c.nid, c.did])).toEqual(
      old.cards.map((c) => [c.id, c.nid, c.did]),
    );
    for (const note of state.notes) expect(note.fields.Source).not.toMatch(/:\d+/);

    // A card added after the migration gets a new, salted GUID; the old ones stay.
    p.edit(
      'Rust/lifetimes.md',
      '---\n',
      '---\n\n#### Moves\n:p What is a move?\n??x\nOwnership passed on.\nx??\n\n---\n',
    );
    await p.build(E0 + DAY);
    const next = importAll(col, p.apkg('Rust'));
    expect([next.imports[0]!.added, next.imports[0]!.updated]).toEqual([1, 0]);
    const added = noteOf(next.state, 'What is a move?');
    expect(oldGuids).not.toContain(added.guid);
    expect(added.guid).not.toBe(v1Derived('Rust', 'x'));
    expect(Object.keys(p.lock().notes)).toEqual(expect.arrayContaining(oldGuids));
  });
});

describe("new notes' ids are their creation time", () => {
  it('note and card ids lie within the second before the build that made them, and stay', async () => {
    const p = new Project('edits');
    await p.build(E0);
    const col = collection();
    const first = importAll(col, p.apkg('Book')).state;
    for (const note of first.notes) {
      expect(note.id).toBeGreaterThanOrEqual((E0 - 1) * 1000);
      expect(note.id).toBeLessThan(E0 * 1000);
    }
    for (const card of first.cards) {
      expect(card.id).toBeGreaterThanOrEqual((E0 - 1) * 1000);
      expect(card.id).toBeLessThan(E0 * 1000);
    }

    const E1 = E0 + 5 * DAY;
    p.write(FILE, book(CARD.zero, CARD.one, CARD.two.replace('2.', 'two.'), CARD.three));
    await p.build(E1);
    const again = importAll(col, p.apkg('Book')).state;
    const zero = noteOf(again, 'What is zero?');
    expect(zero.id).toBeGreaterThanOrEqual((E1 - 1) * 1000);
    expect(zero.id).toBeLessThan(E1 * 1000);
    expect(cardsOf(again, zero)[0]!.id).toBeGreaterThanOrEqual((E1 - 1) * 1000);
    const before = byGuid(first);
    for (const note of again.notes.filter((n) => n !== zero))
      expect(note.id).toBe(before.get(note.guid)!.id);

    // A new user of the later build: the same ids (they are the package's), studied in source order.
    const fresh = importAll(collection(), p.apkg('Book')).state;
    expect(fresh.notes.map((n) => [n.guid, n.id])).toEqual(again.notes.map((n) => [n.guid, n.id]));
    expect(fresh.cards.map((c) => c.id)).toEqual(again.cards.map((c) => c.id));
    const order = [...fresh.cards]
      .sort((a, b) => a.due - b.due)
      .map((c) => text(fresh.notes.find((n) => n.id === c.nid)!.fields.Question));
    expect(order).toEqual(['What is zero?', 'What is one?', 'What is two?', 'What is three?']);
  });
});

describe('deck names as Anki stores them', () => {
  it("':' in a title, case twins and NFC/NFD spellings land in one deck each through .apkg", async () => {
    const p = new Project('deck-names');
    await p.build(E0);
    const col = collection();
    const packages = ['Café', 'Weird'].map((deck) => p.apkg(deck));
    expect(p.output('café.apkg')).toBeNull();
    expect(p.output('Cafe\u0301.apkg')).toBeNull();
    const { state } = importAll(col, ...packages);
    expect(Object.keys(state.decks).sort()).toEqual(
      [
        'Café',
        'Café::Part 01',
        'Café::Part 02',
        'Café::Part 03',
        'Default',
        'Weird',
        'Weird::Part 03',
      ].sort(),
    );
    const deckOf = (q: string) => cardsOf(state, noteOf(state, q))[0]!.deck;
    expect(deckOf('Where does a colon in a book title go?')).toBe('Weird::Part 03');
    expect(deckOf('What is cafe one?')).toBe('Café::Part 01');
    expect(deckOf('What is cafe two?')).toBe('Café::Part 02');
    expect(deckOf('What is cafe three?')).toBe('Café::Part 03');

    // Rebuilt later and imported again: no deck more.
    p.edit('cafe-2.md', 'The second.', 'The second one.');
    await p.build(E0 + DAY);
    const again = importAll(col, p.apkg('Café'), p.apkg('Weird')).state;
    expect(Object.keys(again.decks).sort()).toEqual(Object.keys(state.decks).sort());
    expect(again.notes).toHaveLength(4);
  });
});

describe('a lost lock', () => {
  it('is loud, and with the project id pinned in the config the rebuild updates the same notes', async () => {
    const p = new Project('two-projects/a');
    await p.build(E0);
    const project = p.lock().project!;
    const col = collection();
    const before = importAll(col, p.apkg('Rust')).state;
    expect(before.notes).toHaveLength(2);

    rmSync(path.join(p.root, 'deckc.lock.json'));
    p.edit('rust.md', 'exactly one owner.', 'exactly one owner at a time.');
    writeFileSync(path.join(p.dir, 'deckc.config.json'), JSON.stringify({ project }));
    const r = await p.build(E0 + DAY);
    expect(r.stdout + r.stderr).toContain('[lock-missing]');
    const { imports, state } = importAll(col, p.apkg('Rust'));
    expect(imports[0]!.added).toBe(0);
    expect(state.notes.map((n) => [n.guid, n.id])).toEqual(before.notes.map((n) => [n.guid, n.id]));
    expect(state.cards).toEqual(before.cards);
    expect(text(noteOf(state, 'What is ownership?').fields.Answer)).toContain('at a time');
  });
});
