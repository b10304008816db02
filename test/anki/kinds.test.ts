/**
 * Cloze and reversed notes (issue 14) in real Anki 2.1.15: real `deckc build` outputs of
 * test/fixtures/identity/kinds/ imported the way a user does. Cloze cards are generated one per
 * number and rendered with their cloze hidden on the front; reversed notes have two cards, one
 * each way; an edit updates each kind in place (same note, review history kept); a card that
 * changes kind becomes a new note and its old note is retired, never ignored as "note type has
 * changed". The same scenarios against the model of today's importer: test/model/kinds.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitPreview } from '../../src/emit/html.js';
import { CLOZE_NOTETYPE_ID, NOTETYPE_ID, REVERSED_NOTETYPE_ID } from '../../src/emit/notetype.js';
import { compileFile, emitPackage, linkProject } from '../../src/index.js';
import { revealCloze } from '../../src/render/cloze.js';
import type { Note } from '../../src/validate/schema.js';
import { Project, removeProjects } from '../helpers/project.js';
import {
  AnkiCollection,
  type AnkiImport,
  type AnkiNote,
  type AnkiState,
  assertAnkiInstalled,
} from './anki.js';

const RETIRED_TAG = 'deckc::retired';
const E0 = 1_767_225_600;
const DAY = 86_400;
const collections: AnkiCollection[] = [];

function collection(): AnkiCollection {
  const col = new AnkiCollection();
  collections.push(col);
  return col;
}

beforeAll(() => {
  assertAnkiInstalled();
});

afterAll(() => {
  for (const col of collections.splice(0)) col.remove();
  removeProjects();
});

/** Imports the deck's package, then its retirements when the build wrote them. */
function importBuild(col: AnkiCollection, p: Project): { imports: AnkiImport[]; state: AnkiState } {
  const retired = p.output('Kinds.retired.apkg');
  const result = col.import(p.apkg('Kinds'), ...(retired ? [retired] : []));
  for (const entry of result.imports) {
    expect(entry.error).toBeNull();
    // 2.1.15's word for a note it ignores because its note type differs (anki2.py _importNotes).
    expect(entry.log.join('\n')).not.toMatch(/note type has changed/);
  }
  return result;
}

const text = (html: string | undefined) => (html ?? '').replace(/<[^>]+>/g, '').trim();
const noteOf = (state: AnkiState, start: string, mid?: number): AnkiNote => {
  const note = state.notes.find(
    (n) => text(n.fields.Question).startsWith(start) && (mid === undefined || n.mid === mid),
  );
  expect(note, start).toBeDefined();
  return note!;
};
const cardsOf = (state: AnkiState, note: AnkiNote) => state.cards.filter((c) => c.nid === note.id);
const added = (i: AnkiImport) => [i.added, i.updated];
/** A note as the preview takes it, its fields as Anki stored them. */
const previewNote = (note: AnkiNote): Note => ({
  guid: note.guid,
  deck: 'Kinds',
  tags: [],
  fields: note.fields as Note['fields'],
  mod: note.mod,
  added: note.id,
  source: { file: 'x.md', line: 1, column: 1 },
});
/** The card's side as the reviewer shows it, without the note type's <style>. */
const side = (html: string | undefined) =>
  (html ?? '')
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('cloze and reversed notes in Anki 2.1.15', () => {
  it('each kind arrives under its note type with its cards, clozes hidden on the front', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    const { imports } = importBuild(col, p);
    expect(added(imports[0]!)).toEqual([5, 0]);
    const state = col.dump(true);
    const nt = new Map(state.notetypes.map((m) => [m.id, m]));
    expect(nt.get(CLOZE_NOTETYPE_ID)).toMatchObject({
      name: 'deckc cloze',
      type: 1,
      templates: ['Cloze'],
    });
    expect(nt.get(REVERSED_NOTETYPE_ID)).toMatchObject({
      type: 0,
      templates: ['Card 1', 'Card 2'],
    });
    // What Anki computes for the reversed templates is what deckc ships.
    expect(nt.get(REVERSED_NOTETYPE_ID)!.req).toEqual(nt.get(REVERSED_NOTETYPE_ID)!.reqComputed);

    const cloze = noteOf(state, 'The capital of');
    expect(cloze.mid).toBe(CLOZE_NOTETYPE_ID);
    const [c1, c2, ...more] = cardsOf(state, cloze);
    expect(more).toEqual([]);
    expect([c1!.ord, c2!.ord]).toEqual([0, 1]);
    expect(side(c1!.question)).toContain('The capital of <span class=cloze>[...]</span> is Paris.');
    expect(side(c1!.answer)).toContain('The capital of <span class=cloze>France</span> is Paris.');
    expect(side(c1!.answer)).toContain('Since the 10th century.');
    expect(side(c1!.question)).not.toContain('Since the 10th century.');
    expect(side(c2!.question)).toContain(
      'The capital of France is <span class=cloze>[...]</span>.',
    );

    const hund = noteOf(state, 'der Hund');
    expect(hund.mid).toBe(REVERSED_NOTETYPE_ID);
    const [forward, backward] = cardsOf(state, hund);
    expect(side(forward!.question)).toContain('der Hund');
    expect(side(forward!.question)).not.toContain('the dog');
    expect(side(backward!.question)).toContain('the dog');
    expect(side(backward!.question)).not.toContain('der Hund');
    expect(side(backward!.answer)).toContain('der Hund');
    // The preview builds both directions with the same templates: what Anki rendered.
    const preview = emitPreview({
      deck: 'Kinds',
      notes: [{ ...previewNote(hund), kind: 'reversed' }],
      diagnostics: [],
    }).replace(/\s+/g, ' ');
    for (const card of [forward!, backward!]) {
      expect(preview).toContain(side(card.question));
      expect(preview).toContain(side(card.answer));
    }
    expect(noteOf(state, 'Which planet').mid).toBe(NOTETYPE_ID);
    expect(state.cards).toHaveLength(8);
    expect(col.check().check.ok).toBe(true);
  });

  it('an edit updates cloze and reversed notes in place, history kept; a new cloze adds its card', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    const first = importBuild(col, p).state;
    const cloze = noteOf(first, 'The capital of');
    const hund = noteOf(first, 'der Hund');
    const reviewed = [...cardsOf(first, cloze), ...cardsOf(first, hund)].map((c) => c.id);
    const studied = col.review(...reviewed);
    expect(studied.revlog).toHaveLength(4);

    p.edit('part-01.md', 'Since the 10th century.', 'Since 987.');
    p.edit('vocab.md', 'the dog', 'the hound');
    await p.build(E0 + DAY);
    const edited = importBuild(col, p);
    expect(added(edited.imports[0]!)).toEqual([0, 2]);
    const after = edited.state;
    expect(after.notes.find((n) => n.guid === cloze.guid)).toMatchObject({ id: cloze.id });
    expect(text(after.notes.find((n) => n.guid === cloze.guid)!.fields.Answer)).toBe('Since 987.');
    expect(text(after.notes.find((n) => n.guid === hund.guid)!.fields.Answer)).toBe('the hound');
    expect(after.revlog).toEqual(studied.revlog);
    for (const id of reviewed) {
      expect(after.cards.find((c) => c.id === id)).toEqual(studied.cards.find((c) => c.id === id));
    }

    p.edit('part-01.md', 'is {{c2::Paris}}.', 'is {{c2::Paris}}, on the {{c3::Seine}}.');
    await p.build(E0 + 2 * DAY);
    const third = importBuild(col, p);
    expect(added(third.imports[0]!)).toEqual([0, 1]);
    const rendered = col.dump(true);
    const cards = cardsOf(rendered, cloze);
    expect(cards.map((c) => c.ord)).toEqual([0, 1, 2]);
    expect(side(cards[2]!.question)).toContain('on the <span class=cloze>[...]</span>.');
    expect(rendered.revlog).toEqual(studied.revlog);
  });

  it('basic → cloze is a new note and retires the old one (history kept); back again restores it', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    const first = importBuild(col, p).state;
    const planets = noteOf(first, 'Which planet');
    const water = noteOf(first, 'What is H2O');
    const studied = col.review(cardsOf(first, planets)[0]!.id);

    p.edit('part-01.md', 'Which planet is the largest?', 'Which planet is the {{c1::largest}}?');
    p.edit('part-01.md', 'What is H2O? {#water}', 'What is {{c1::H2O}}? {#water}');
    await p.build(E0 + DAY);
    const changed = importBuild(col, p);
    expect(changed.imports.map(added)).toEqual([
      [2, 0],
      [0, 2],
    ]);
    const state = changed.state;
    for (const old of [planets, water]) {
      expect(state.notes.find((n) => n.guid === old.guid)).toMatchObject({
        id: old.id,
        mid: NOTETYPE_ID,
        tags: [RETIRED_TAG],
      });
    }
    expect(state.revlog).toEqual(studied.revlog);
    const clozePlanets = noteOf(state, 'Which planet', CLOZE_NOTETYPE_ID);
    expect(clozePlanets.guid).not.toBe(planets.guid);
    expect(cardsOf(state, clozePlanets)).toHaveLength(1);

    p.edit('part-01.md', 'Which planet is the {{c1::largest}}?', 'Which planet is the largest?');
    p.edit('part-01.md', 'What is {{c1::H2O}}? {#water}', 'What is H2O? {#water}');
    await p.build(E0 + 2 * DAY);
    const back = importBuild(col, p);
    expect(back.imports.map(added)).toEqual([
      [0, 2],
      [0, 2],
    ]);
    expect(back.state.notes.find((n) => n.guid === planets.guid)).toMatchObject({
      id: planets.id,
      tags: [],
    });
    expect(back.state.notes.find((n) => n.guid === clozePlanets.guid)!.tags).toEqual([RETIRED_TAG]);
    expect(back.state.revlog).toEqual(studied.revlog);
  });

  it('reverse off gives basic notes and retires the reversed ones; on again restores them', async () => {
    const p = new Project('kinds');
    await p.build(E0);
    const col = collection();
    const first = importBuild(col, p).state;
    const hund = noteOf(first, 'der Hund');
    const hundCards = cardsOf(first, hund);

    p.edit('vocab.md', 'reverse: true', 'reverse: false');
    await p.build(E0 + DAY);
    const off = importBuild(col, p);
    expect(off.imports.map(added)).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect(off.state.notes.find((n) => n.guid === hund.guid)).toMatchObject({
      mid: REVERSED_NOTETYPE_ID,
      tags: [RETIRED_TAG],
    });
    const basicHund = noteOf(off.state, 'der Hund', NOTETYPE_ID);
    expect(cardsOf(off.state, basicHund)).toHaveLength(1);

    p.edit('vocab.md', 'reverse: false', 'reverse: true');
    await p.build(E0 + 2 * DAY);
    const on = importBuild(col, p);
    expect(on.imports.map(added)).toEqual([
      [0, 2],
      [0, 2],
    ]);
    expect(on.state.notes.find((n) => n.guid === hund.guid)).toMatchObject({
      id: hund.id,
      tags: [],
    });
    expect(cardsOf(on.state, hund).map((c) => c.id)).toEqual(hundCards.map((c) => c.id));
    expect(on.state.notes.find((n) => n.guid === basicHund.guid)!.tags).toEqual([RETIRED_TAG]);
  });
});

describe('what a cloze holds, in Anki 2.1.15', () => {
  it('math with }} and code with :: inside a cloze hide and reveal whole', async () => {
    const source = [
      '# Flashcards: Math (Part 1)',
      '',
      ':p The root is {{c1::$\\frac{1}{x_{2}}$}} and the type {{c2::`std::vector<int>`::a C++ type}}.',
      '',
      'Also $y = {{c3::2x}}$.',
      '??x',
      'Both inside clozes.',
      'x??',
      '',
    ].join('\n');
    const file = compileFile(source, 'Math/part-1.md', () => null, { rootDeck: 'Default' });
    expect(file.diagnostics).toEqual([]);
    const { packages, lock } = linkProject([file], null, { now: E0 });
    const apkg = (await emitPackage(packages[0]!, ['apkg'], lock)).get('apkg')!;
    const col = collection();
    const { imports } = col.import(apkg);
    expect(imports[0]!.error).toBeNull();
    const state = col.dump(true);
    const [c1, c2, c3] = state.cards;
    expect(state.cards).toHaveLength(3);
    expect(side(c3!.question)).toContain('Also \\(y = [...]\\).');
    // The preview's cloze filter is Anki's: each side as Anki rendered it.
    const field = state.notes[0]!.fields.Question!;
    for (const card of state.cards) {
      expect(side(card.question)).toContain(side(revealCloze(field, card.ord + 1, true)));
      expect(side(card.answer)).toContain(side(revealCloze(field, card.ord + 1, false)));
    }
    expect(side(c1!.question)).toContain('The root is <span class=cloze>[...]</span> and the type');
    expect(side(c1!.answer)).toContain(
      'The root is <span class=cloze>\\(\\frac{1}{x_{2} }\\)</span> and the type',
    );
    expect(side(c2!.question)).toContain('and the type <span class=cloze>[a C++ type]</span>.');
    expect(side(c2!.answer)).toContain(
      '<span class=cloze><code>std:&#58;vector&lt;int></code></span>',
    );
  });
});
