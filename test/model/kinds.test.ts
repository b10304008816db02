/**
 * Cloze and reversed notes (issue 14) against the model of today's importer (anki-importer.ts)
 * for Anki 2.1.55, 23.10, 24.11 and 26.08, on real `deckc build` outputs of
 * test/fixtures/identity/kinds/: each kind imports with its cards, an edit updates each kind in
 * place, and a card that changes kind (basic → cloze and back, reverse on and off) becomes a new
 * note while its old note is retired: never a "conflicting" note. The same scenarios in real
 * Anki 2.1.15: test/anki/kinds.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CLOZE_NOTETYPE_ID, NOTETYPE_ID, REVERSED_NOTETYPE_ID } from '../../src/emit/notetype.js';
import { Project, removeProjects } from '../helpers/project.js';
import { type ImportResult, ModelCollection, type ModelNote } from './anki-importer.js';

const RETIRED_TAG = 'deckc::retired';
const VERSIONS = ['2.1.55', '23.10', '24.11', '26.08'];
const E0 = 1_767_225_600;
const DAY = 86_400;
const LATER = 3_600;
const Q = 0;
const A = 1;

afterAll(() => {
  removeProjects();
});

const text = (html: string | undefined) => (html ?? '').replace(/<[^>]+>/g, '').trim();
const counts = (r: ImportResult) => [r.counts.added, r.counts.updated, r.counts.conflicting];
const noteOf = (col: ModelCollection, start: string): ModelNote => {
  const note = col.state().notes.find((n) => text(n.fields[Q]).startsWith(start));
  expect(note, start).toBeDefined();
  return note!;
};

describe.each(VERSIONS)('Anki %s', (version) => {
  const collection = () => new ModelCollection({ version });
  /** Imports the deck's package, then its retirements when there are any. */
  const importBuild = async (col: ModelCollection, p: Project, now: number) => {
    const main = await col.importApkg(p.apkg('Kinds'), { now });
    const retired = p.output('Kinds.retired.apkg');
    return [main, retired ? await col.importApkg(retired, { now }) : null] as const;
  };

  it('imports each kind with its cards: one per cloze number, two per reversed note', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    const [r] = await importBuild(col, p, E0 + LATER);
    expect(counts(r)).toEqual([5, 0, 0]);
    const cloze = noteOf(col, 'The capital of');
    expect(cloze.mid).toBe(CLOZE_NOTETYPE_ID);
    expect(col.cardsOf(cloze.guid).map((c) => c.ord)).toEqual([0, 1]);
    expect(noteOf(col, 'Which planet').mid).toBe(NOTETYPE_ID);
    const hund = noteOf(col, 'der Hund');
    expect(hund.mid).toBe(REVERSED_NOTETYPE_ID);
    expect(col.cardsOf(hund.guid).map((c) => [c.ord, c.deck])).toEqual([
      [0, 'Kinds::Vocab'],
      [1, 'Kinds::Vocab'],
    ]);
    expect(col.state().cards).toHaveLength(8);
  });

  it('an edit updates a cloze and a reversed note in place; a new cloze number adds its card', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    await importBuild(col, p, E0 + LATER);
    const before = col.state();
    const cloze = noteOf(col, 'The capital of');
    const hund = noteOf(col, 'der Hund');

    p.edit('part-01.md', 'Since the 10th century.', 'Since 987.');
    p.edit('vocab.md', 'the dog', 'the hound');
    await p.build(E0 + DAY);
    const [r1, retired1] = await importBuild(col, p, E0 + DAY + LATER);
    expect(counts(r1)).toEqual([0, 2, 0]);
    expect(retired1).toBeNull();
    expect(col.noteByGuid(cloze.guid)).toMatchObject({ id: cloze.id, mid: CLOZE_NOTETYPE_ID });
    expect(text(col.noteByGuid(cloze.guid)!.fields[A])).toBe('Since 987.');
    expect(text(col.noteByGuid(hund.guid)!.fields[A])).toBe('the hound');
    expect(col.state().cards).toEqual(before.cards);

    // A third cloze: the question changed, the answer did not, so the note is followed.
    p.edit('part-01.md', 'is {{c2::Paris}}.', 'is {{c2::Paris}}, on the {{c3::Seine}}.');
    await p.build(E0 + 2 * DAY);
    const [r2] = await importBuild(col, p, E0 + 2 * DAY + LATER);
    expect(counts(r2)).toEqual([0, 1, 0]);
    expect(r2.updated).toEqual([cloze.guid]);
    expect(col.cardsOf(cloze.guid).map((c) => c.ord)).toEqual([0, 1, 2]);
    for (const card of before.cards) expect(col.state().cards).toContainEqual(card);
  });

  it('basic → cloze (also with an explicit id) is a new note and retires the old; back again restores it', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    await importBuild(col, p, E0 + LATER);
    const planets = noteOf(col, 'Which planet');
    const water = noteOf(col, 'What is H2O');
    const planetCards = col.cardsOf(planets.guid);

    p.edit('part-01.md', 'Which planet is the largest?', 'Which planet is the {{c1::largest}}?');
    p.edit('part-01.md', 'What is H2O? {#water}', 'What is {{c1::H2O}}? {#water}');
    await p.build(E0 + DAY);
    const [main, retired] = await importBuild(col, p, E0 + DAY + LATER);
    expect(counts(main)).toEqual([2, 0, 0]);
    expect(main.added).not.toContain(planets.guid);
    expect(main.added).not.toContain(water.guid);
    expect(counts(retired!)).toEqual([0, 2, 0]);
    expect(retired!.updated.sort()).toEqual([planets.guid, water.guid].sort());
    for (const old of [planets, water]) {
      expect(col.noteByGuid(old.guid)).toMatchObject({
        id: old.id,
        mid: NOTETYPE_ID,
        tags: [RETIRED_TAG],
      });
    }
    expect(col.cardsOf(planets.guid)).toEqual(planetCards);
    const clozePlanets = col
      .state()
      .notes.find((n) => n.mid === CLOZE_NOTETYPE_ID && text(n.fields[Q]).startsWith('Which'))!;
    expect(clozePlanets.guid).not.toBe(planets.guid);
    expect(col.cardsOf(clozePlanets.guid).map((c) => c.ord)).toEqual([0]);

    // Back to basic: the old notes come back (same note, same cards), the cloze ones retire.
    p.edit('part-01.md', 'Which planet is the {{c1::largest}}?', 'Which planet is the largest?');
    p.edit('part-01.md', 'What is {{c1::H2O}}? {#water}', 'What is H2O? {#water}');
    await p.build(E0 + 2 * DAY);
    const [back, retiredBack] = await importBuild(col, p, E0 + 2 * DAY + LATER);
    expect(counts(back)).toEqual([0, 2, 0]);
    expect(back.updated.sort()).toEqual([planets.guid, water.guid].sort());
    expect(col.noteByGuid(planets.guid)).toMatchObject({ id: planets.id, tags: [] });
    expect(counts(retiredBack!)).toEqual([0, 2, 0]);
    expect(col.noteByGuid(clozePlanets.guid)!).toMatchObject({
      mid: CLOZE_NOTETYPE_ID,
      tags: [RETIRED_TAG],
    });
    // A fresh collection gets only the live notes.
    const fresh = collection();
    const [r] = await importBuild(fresh, p, E0 + 2 * DAY + LATER);
    expect(r.counts.added).toBe(5);
  });

  it('reverse off makes basic notes and retires the reversed; on again brings them back in place', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    await importBuild(col, p, E0 + LATER);
    const hund = noteOf(col, 'der Hund');
    const hundCards = col.cardsOf(hund.guid);

    p.edit('vocab.md', 'reverse: true', 'reverse: false');
    await p.build(E0 + DAY);
    const [off, retiredOff] = await importBuild(col, p, E0 + DAY + LATER);
    expect(counts(off)).toEqual([2, 0, 0]);
    expect(counts(retiredOff!)).toEqual([0, 2, 0]);
    expect(col.noteByGuid(hund.guid)).toMatchObject({
      mid: REVERSED_NOTETYPE_ID,
      tags: [RETIRED_TAG],
    });
    const basicHund = col
      .state()
      .notes.find((n) => n.mid === NOTETYPE_ID && text(n.fields[Q]) === 'der Hund')!;
    expect(col.cardsOf(basicHund.guid)).toHaveLength(1);

    p.edit('vocab.md', 'reverse: false', 'reverse: true');
    await p.build(E0 + 2 * DAY);
    const [on, retiredOn] = await importBuild(col, p, E0 + 2 * DAY + LATER);
    expect(counts(on)).toEqual([0, 2, 0]);
    expect(col.noteByGuid(hund.guid)).toMatchObject({ id: hund.id, tags: [] });
    expect(col.cardsOf(hund.guid)).toEqual(hundCards);
    expect(counts(retiredOn!)).toEqual([0, 2, 0]);
    expect(col.noteByGuid(basicHund.guid)!.tags).toEqual([RETIRED_TAG]);
  });

  it('CSV rows name each note’s own note type, so they update it once the .apkg brought it', async () => {
    const p = new Project('kinds');
    await p.build(E0, 'apkg,csv');
    const col = collection();
    await col.importApkg(p.apkg('Kinds'), { now: E0 + LATER });
    p.edit('part-01.md', 'Since the 10th century.', 'Since 987.');
    p.edit('vocab.md', 'the cat', 'the kitten');
    await p.build(E0 + DAY, 'apkg,csv');
    const r = col.importCsv(p.output('Kinds.csv')!, { now: E0 + DAY + LATER });
    expect([r.counts.added, r.counts.updated, r.counts.conflicting, r.counts.skipped]).toEqual([
      0, 2, 0, 0,
    ]);
    expect(col.state().cards).toHaveLength(8);
  });

  it('CSV alone into a collection with the note types generates one card per cloze number', async () => {
    const p = new Project('kinds');
    await p.build(E0, 'apkg,csv');
    const col = collection();
    await col.importApkg(p.apkg('Kinds'), { now: E0 + LATER });
    const fresh = collection();
    for (const nt of col.state().notetypes) fresh.addNotetype(nt);
    const r = fresh.importCsv(p.output('Kinds.csv')!, { now: E0 + LATER });
    expect(r.counts.added).toBe(5);
    expect(fresh.cardsOf(noteOf(fresh, 'The capital of').guid).map((c) => c.ord)).toEqual([0, 1]);
    expect(fresh.cardsOf(noteOf(fresh, 'der Hund').guid)).toHaveLength(2);
  });
});
