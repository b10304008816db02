/**
 * Identity v2 (issue 10) against the model of today's importer (test/model/anki-importer.ts) for
 * Anki 2.1.55, 23.10, 24.11 and 26.08: the scenarios of test/anki/identity.test.ts (real Anki
 * 2.1.15), on real `deckc build` outputs of the fixtures in test/fixtures/identity/, asserting
 * only what the collection stores — notes by GUID, mods, fields, tags, decks, card ids — and,
 * where the versions differ (an updated note's mtime: the import time until 24.11, the package's
 * from 25.02), each version's rule. CSV (which 2.1.15 cannot read with headers) only here.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Project, removeProjects } from '../helpers/project.js';
import { type ImportResult, ModelCollection, type ModelNote } from './anki-importer.js';
import { atLeast, CHANGES } from './anki-version.js';

const FIXTURES = new URL('../fixtures/identity/', import.meta.url).pathname;
const RETIRED_TAG = 'deckc::retired';
const VERSIONS = ['2.1.55', '23.10', '24.11', '26.08'];
/** 2026-01-01 00:00 UTC: every scenario's first build; later builds are days later. */
const E0 = 1_767_225_600;
const DAY = 86_400;
/** A user imports an hour after the build. */
const LATER = 3_600;
/** Field positions of deckc's note type. */
const Q = 0;
const A = 1;
const SOURCE = 4;

afterAll(() => {
  removeProjects();
});

const text = (html: string | undefined) => (html ?? '').replace(/<[^>]+>/g, '').trim();
const notes = (col: ModelCollection) => col.state().notes;
const noteOf = (col: ModelCollection, question: string): ModelNote => {
  const note = notes(col).find((n) => text(n.fields[Q]) === question);
  expect(note, question).toBeDefined();
  return note!;
};
const counts = (r: ImportResult) => [r.counts.added, r.counts.updated];

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

describe.each(VERSIONS)('Anki %s', (version) => {
  const collection = () => new ModelCollection({ version });
  /** An updated note's mtime: the import's clock until 24.11, the package's from 25.02. */
  const updatedMod = (built: number, imported: number) =>
    atLeast(version, CHANGES.keepIncomingMtime) ? built : imported;

  it('two projects side by side share no GUID: 2 + 2 notes, and re-importing A touches nothing of B', async () => {
    const a = new Project('two-projects/a');
    const b = new Project('two-projects/b');
    await a.build(E0);
    await b.build(E0);
    const col = collection();
    const ra = await col.importApkg(a.apkg('Rust'), { now: E0 + LATER });
    const rb = await col.importApkg(b.apkg('Rust'), { now: E0 + LATER });
    expect([counts(ra), counts(rb)]).toEqual([
      [2, 0],
      [2, 0],
    ]);
    expect(ra.added.filter((g) => rb.added.includes(g))).toEqual([]);
    expect(notes(col)).toHaveLength(4);
    // Built the same second, their ids collided: the second project's were moved (+999), not merged.
    expect(col.state().cards).toHaveLength(4);
    const isB = (n: ModelNote) => rb.added.includes(n.guid);
    const bNotes = notes(col).filter(isB);
    const bCards = col.state().cards.filter((c) => bNotes.some((n) => n.id === c.nid));
    expect(bNotes.map((n) => text(n.fields[A]))).toEqual([
      expect.stringMatching(/^Project B/),
      expect.stringMatching(/^Project B/),
    ]);

    const again = await col.importApkg(a.apkg('Rust'), { now: E0 + 2 * LATER });
    expect(counts(again)).toEqual([0, 0]);

    a.edit('rust.md', 'exactly one owner.', 'exactly one owner at a time.');
    a.edit('rust.md', 'without a garbage collector.', 'without a garbage collector, at last.');
    await a.build(E0 + DAY);
    const edited = await col.importApkg(a.apkg('Rust'), { now: E0 + DAY + LATER });
    expect(counts(edited)).toEqual([0, 2]);
    expect(edited.updated.sort()).toEqual([...ra.added].sort());
    expect(notes(col).filter(isB)).toEqual(bNotes);
    expect(col.state().cards.filter((c) => bNotes.some((n) => n.id === c.nid))).toEqual(bCards);
    for (const guid of ra.added) {
      expect(col.noteByGuid(guid)!.mod).toBe(updatedMod(E0 + DAY, E0 + DAY + LATER));
    }
  });

  it('inserting a card at the top imports as 1 added, 0 updated; reordering and deleting update nothing', async () => {
    const p = new Project('edits');
    await p.build(E0);
    expect(p.read(FILE)).toBe(book(CARD.one, CARD.two, CARD.three));
    const col = collection();
    await col.importApkg(p.apkg('Book'), { now: E0 + LATER });
    const first = col.state();

    p.write(FILE, book(CARD.zero, CARD.one, CARD.two, CARD.three));
    await p.build(E0 + DAY);
    const inserted = await col.importApkg(p.apkg('Book'), { now: E0 + DAY + LATER });
    expect(counts(inserted)).toEqual([1, 0]);
    expect(inserted.counts.unchanged).toBe(3);
    for (const note of first.notes) expect(col.noteByGuid(note.guid)).toEqual(note);
    for (const card of first.cards) expect(col.state().cards).toContainEqual(card);
    const afterInsert = col.state();

    p.write(FILE, book(CARD.three, CARD.zero, CARD.two, CARD.one));
    await p.build(E0 + 2 * DAY);
    const reordered = await col.importApkg(p.apkg('Book'), { now: E0 + 2 * DAY + LATER });
    expect(counts(reordered)).toEqual([0, 0]);
    expect(col.state().notes).toEqual(afterInsert.notes);
    expect(col.state().cards).toEqual(afterInsert.cards);

    p.write(FILE, book(CARD.three, CARD.zero, CARD.one));
    await p.build(E0 + 3 * DAY);
    const deleted = await col.importApkg(p.apkg('Book'), { now: E0 + 3 * DAY + LATER });
    expect(counts(deleted)).toEqual([0, 0]);
    expect(col.state().notes).toEqual(afterInsert.notes);
  });

  it('a removal: fresh collections get only live notes, old ones learn of it, a restored card comes back', async () => {
    const p = new Project('edits');
    await p.build(E0);
    const build1 = p.apkg('Book');
    const recent = collection();
    const stale = collection();
    await recent.importApkg(build1, { now: E0 + LATER });
    await stale.importApkg(build1, { now: E0 + LATER });
    const twoBefore = noteOf(stale, 'What is two?');
    const twoCards = stale.cardsOf(twoBefore.guid);
    expect(twoCards).toHaveLength(1);

    p.write(FILE, book(CARD.one, CARD.three));
    await p.build(E0 + DAY);
    const r2 = [
      await recent.importApkg(p.apkg('Book'), { now: E0 + DAY + LATER }),
      await recent.importApkg(p.output('Book.retired.apkg')!, { now: E0 + DAY + LATER }),
    ];
    expect(r2.map(counts)).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(recent.noteByGuid(twoBefore.guid)!.tags).toEqual([RETIRED_TAG]);

    p.edit(FILE, 'The number 3.', 'The number three.');
    await p.build(E0 + 2 * DAY);
    const latest = p.apkg('Book');
    const latestRetired = p.output('Book.retired.apkg');
    expect(latestRetired).not.toBeNull();

    const fresh = collection();
    await fresh.importApkg(latest, { now: E0 + 2 * DAY + LATER });
    expect(
      notes(fresh)
        .map((n) => text(n.fields[Q]))
        .sort(),
    ).toEqual(['What is one?', 'What is three?']);
    expect(notes(fresh).flatMap((n) => n.tags)).not.toContain(RETIRED_TAG);
    expect(fresh.deckNames().filter((d) => /retired/i.test(d))).toEqual([]);

    // Last imported two builds ago: one import of the latest outputs tells it everything.
    const s = [
      await stale.importApkg(latest, { now: E0 + 2 * DAY + LATER }),
      await stale.importApkg(latestRetired!, { now: E0 + 2 * DAY + LATER }),
    ];
    expect(s.map(counts)).toEqual([
      [0, 1],
      [0, 1],
    ]);
    const twoRetired = stale.noteByGuid(twoBefore.guid)!;
    expect(twoRetired).toMatchObject({ id: twoBefore.id, tags: [RETIRED_TAG] });
    expect(stale.cardsOf(twoBefore.guid)).toEqual(twoCards);
    expect(notes(stale)).toHaveLength(3);

    const r3 = [
      await recent.importApkg(latest, { now: E0 + 2 * DAY + LATER }),
      await recent.importApkg(latestRetired!, { now: E0 + 2 * DAY + LATER }),
    ];
    expect(r3.map(counts)).toEqual([
      [0, 1],
      [0, 0],
    ]);

    p.write(FILE, book(CARD.one, CARD.two, CARD.three.replace('3.', 'three.')));
    await p.build(E0 + 3 * DAY);
    expect(p.output('Book.retired.apkg')).toBeNull();
    for (const col of [stale, recent]) {
      const back = await col.importApkg(p.apkg('Book'), { now: E0 + 3 * DAY + LATER });
      expect(counts(back)).toEqual([0, 1]);
      expect(back.updated).toEqual([twoBefore.guid]);
      const two = col.noteByGuid(twoBefore.guid)!;
      expect(two.tags).not.toContain(RETIRED_TAG);
      expect(text(two.fields[A])).toBe('The number 2.');
      expect(two.id).toBe(twoBefore.id);
      expect(col.cardsOf(twoBefore.guid)).toEqual(twoCards);
      expect(notes(col)).toHaveLength(3);
    }
  });

  it('a version 1 lock keeps its GUIDs, and a collection of the old package is updated in place', async () => {
    const v1 = JSON.parse(readFileSync(path.join(FIXTURES, 'v1-lock/deckc.lock.json'), 'utf8'));
    expect(v1.lockfileVersion).toBe(1);
    const oldGuids = Object.keys(v1.notes).sort();
    const col = collection();
    // deckc 1's package (see test/fixtures/identity/v1-package/README.md), imported long ago.
    const old = await col.importApkg(readFileSync(path.join(FIXTURES, 'v1-package/Rust.apkg')), {
      now: 1_700_000_000 + LATER,
    });
    expect(old.added.sort()).toEqual(oldGuids);
    const before = col.state();

    const p = new Project('v1-lock');
    await p.build(E0);
    expect(p.lock()).toMatchObject({ lockfileVersion: 2, project: expect.any(String) });
    expect(Object.keys(p.lock().notes).sort()).toEqual(oldGuids);
    const fresh = collection();
    expect((await fresh.importApkg(p.apkg('Rust'), { now: E0 + LATER })).added.sort()).toEqual(
      oldGuids,
    );
    const r = await col.importApkg(p.apkg('Rust'), { now: E0 + LATER });
    expect(counts(r)).toEqual([0, 3]);
    expect(r.conflicting).toEqual([]);
    expect(col.state().notes.map((n) => [n.guid, n.id])).toEqual(
      before.notes.map((n) => [n.guid, n.id]),
    );
    expect(col.state().cards).toEqual(before.cards);
    for (const note of notes(col)) expect(note.fields[SOURCE]).not.toMatch(/:\d+/);
  });

  it("new notes' note and card ids are their creation time, and stay", async () => {
    const p = new Project('edits');
    await p.build(E0);
    const col = collection();
    await col.importApkg(p.apkg('Book'), { now: E0 + LATER });
    const first = col.state();
    for (const { id } of [...first.notes, ...first.cards]) {
      expect(id).toBeGreaterThanOrEqual((E0 - 1) * 1000);
      expect(id).toBeLessThan(E0 * 1000);
    }
    const E1 = E0 + 5 * DAY;
    p.write(FILE, book(CARD.zero, CARD.one, CARD.two.replace('2.', 'two.'), CARD.three));
    await p.build(E1);
    const r = await col.importApkg(p.apkg('Book'), { now: E1 + LATER });
    expect(counts(r)).toEqual([1, 1]);
    const zero = noteOf(col, 'What is zero?');
    expect(zero.id).toBeGreaterThanOrEqual((E1 - 1) * 1000);
    expect(zero.id).toBeLessThan(E1 * 1000);
    expect(col.cardsOf(zero.guid)[0]!.id).toBeGreaterThanOrEqual((E1 - 1) * 1000);
    for (const note of first.notes) expect(col.noteByGuid(note.guid)!.id).toBe(note.id);
    const fresh = collection();
    await fresh.importApkg(p.apkg('Book'), { now: E1 + LATER });
    expect(fresh.state().notes.map((n) => [n.guid, n.id])).toEqual(
      col.state().notes.map((n) => [n.guid, n.id]),
    );
  });

  it("deck names with ':', case twins and NFC/NFD land in one deck each through .apkg and CSV", async () => {
    const p = new Project('deck-names');
    await p.build(E0, 'apkg,csv');
    expect(p.output('café.apkg')).toBeNull();
    const expected = [
      'Café',
      'Café::Part 01',
      'Café::Part 02',
      'Café::Part 03',
      'Default',
      'Weird',
      'Weird::Part 03',
    ];
    const where = (col: ModelCollection, q: string) => col.cardsOf(noteOf(col, q).guid)[0]!.deck;
    const check = (col: ModelCollection) => {
      expect(col.deckNames()).toEqual([...expected].sort());
      expect(where(col, 'Where does a colon in a book title go?')).toBe('Weird::Part 03');
      expect(where(col, 'What is cafe one?')).toBe('Café::Part 01');
      expect(where(col, 'What is cafe two?')).toBe('Café::Part 02');
      expect(where(col, 'What is cafe three?')).toBe('Café::Part 03');
    };

    const byApkg = collection();
    for (const deck of ['Café', 'Weird'])
      await byApkg.importApkg(p.apkg(deck), { now: E0 + LATER });
    check(byApkg);
    // The CSV over the same notes: nothing added, nothing changed, no deck created.
    for (const deck of ['Café', 'Weird']) {
      const r = byApkg.importCsv(p.output(`${deck}.csv`)!, { now: E0 + 2 * LATER });
      expect([...counts(r), r.counts.skipped, r.createdDecks.length]).toEqual([0, 0, 0, 0]);
    }
    check(byApkg);

    // A collection with deckc's note type (from Weird.apkg) that gets Café by CSV alone.
    const byCsv = collection();
    await byCsv.importApkg(p.apkg('Weird'), { now: E0 + LATER });
    const csv = byCsv.importCsv(p.output('Café.csv')!, { now: E0 + LATER });
    expect([...counts(csv), csv.counts.skipped]).toEqual([3, 0, 0]);
    expect(csv.createdDecks).toEqual(['Café', 'Café::Part 01', 'Café::Part 02', 'Café::Part 03']);
    check(byCsv);
    // Again, after a rebuild: one update, still no deck more.
    p.edit('cafe-2.md', 'The second.', 'The second one.');
    await p.build(E0 + DAY, 'apkg,csv');
    const again = byCsv.importCsv(p.output('Café.csv')!, { now: E0 + DAY + LATER });
    expect([...counts(again), again.createdDecks.length]).toEqual([0, 1, 0]);
    check(byCsv);
  });
});

describe.each(VERSIONS)('Anki %s, when the lock or the clock goes wrong', (version) => {
  const collection = () => new ModelCollection({ version });

  it('a lost lock is loud; with the project id pinned in the config the rebuild updates in place', async () => {
    const p = new Project('two-projects/a');
    await p.build(E0);
    const project = p.lock().project!;
    const col = collection();
    const first = await col.importApkg(p.apkg('Rust'), { now: E0 + LATER });
    expect(first.counts.added).toBe(2);
    const before = col.state();

    // The lock is lost (its outputs remain) and a card was edited meanwhile.
    rmSync(path.join(p.root, 'deckc.lock.json'));
    p.edit('rust.md', 'exactly one owner.', 'exactly one owner at a time.');
    writeFileSync(path.join(p.dir, 'deckc.config.json'), JSON.stringify({ project }));
    const r = await p.build(E0 + DAY);
    expect(r.stdout + r.stderr).toContain('[lock-missing]');
    expect(p.lock().project).toBe(project);
    const again = await col.importApkg(p.apkg('Rust'), { now: E0 + DAY + LATER });
    expect(again.counts.added).toBe(0);
    expect(again.counts.conflicting).toBe(0);
    expect(notes(col).map((n) => [n.guid, n.id])).toEqual(before.notes.map((n) => [n.guid, n.id]));
    expect(col.state().cards).toEqual(before.cards);
    expect(text(noteOf(col, 'What is ownership?').fields[A])).toContain('at a time');
  });

  it("a SOURCE_DATE_EPOCH before the lock's newest change is a warning: on 2.1.55–24.11 its edits may not arrive", async () => {
    const p = new Project('edits');
    const E1 = E0 + 10 * DAY;
    await p.build(E1);
    const col = collection();
    await col.importApkg(p.apkg('Book'), { now: E1 + LATER });
    p.edit(FILE, 'The number 2.', 'The number 2!');
    await p.build(E1 + DAY);
    const updated = await col.importApkg(p.apkg('Book'), { now: E1 + DAY + LATER });
    expect(counts(updated)).toEqual([0, 1]);
    // Built again on a machine whose clock is days behind.
    p.edit(FILE, 'The number 2!', 'The number two.');
    const r = await p.build(E0);
    expect(r.stdout + r.stderr).toContain('[clock-skew]');
    const late = await col.importApkg(p.apkg('Book'), { now: E1 + DAY + 2 * LATER });
    // The edited note's mod is one more than the lock's (E1 + DAY + 1): older than the import
    // time 2.1.55–24.11 stamped on the note when it updated, newer than the package's mtime
    // that 25.02+ keeps.
    const arrives = atLeast(version, CHANGES.keepIncomingMtime);
    expect(counts(late)).toEqual([0, arrives ? 1 : 0]);
    expect(text(noteOf(col, 'What is two?').fields[A])).toBe(
      arrives ? 'The number two.' : 'The number 2!',
    );
  });

  it('a SOURCE_DATE_EPOCH in the future is a warning', async () => {
    const p = new Project('edits');
    const r = await p.build(Math.floor(Date.now() / 1000) + 2 * DAY);
    expect(r.stdout + r.stderr).toContain('[clock-skew]');
  });
});
