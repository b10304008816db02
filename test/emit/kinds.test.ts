/**
 * Cloze and reversed notes in the outputs (issue 14): each kind under its own note type, only the
 * note types a package uses, one card per cloze number and two per reversed note, the CSV's
 * notetype column and the preview's cards. A package of basic notes is pinned byte for byte by
 * test/golden.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { emitApkg } from '../../src/emit/apkg.js';
import { emitCsv } from '../../src/emit/csv.js';
import { emitPreview } from '../../src/emit/html.js';
import {
  CLOZE_NOTETYPE_ID,
  cardOrds,
  KIND_NOTETYPES,
  NOTETYPE_ID,
  notetypeModOf,
  REVERSED_NOTETYPE_ID,
} from '../../src/emit/notetype.js';
import { CLOZE_CSS } from '../../src/render/templates.js';
import type { Note } from '../../src/validate/schema.js';
import { readApkg } from '../helpers/read-apkg.js';
import { makeNote, makePackage } from './make-package.js';

const MOD = 1_700_000_000;
const cloze = (n: number, question: string): Note =>
  makeNote(n, { kind: 'cloze', fields: { ...makeNote(n).fields, Question: question } });
const reversed = (n: number): Note => makeNote(n, { kind: 'reversed' });

describe('note types in a package', () => {
  it('holds only the note types its notes use', async () => {
    const only = async (notes: Note[]) =>
      Object.keys(
        (await readApkg(await emitApkg(makePackage(0, { notes }), { notetypeMod: MOD }))).col
          .models,
      );
    expect(await only([makeNote(0)])).toEqual([String(NOTETYPE_ID)]);
    expect(await only([cloze(0, '{{c1::x}}')])).toEqual([String(CLOZE_NOTETYPE_ID)]);
    expect(await only([makeNote(0), cloze(1, '{{c1::x}}'), reversed(2)])).toEqual(
      [NOTETYPE_ID, CLOZE_NOTETYPE_ID, REVERSED_NOTETYPE_ID].map(String),
    );
  });

  it('writes the cloze note type as Anki’s cloze kind, one template, cloze filter on both sides', async () => {
    const apkg = await readApkg(
      await emitApkg(makePackage(0, { notes: [cloze(0, '{{c1::x}}')] }), { notetypeMod: MOD }),
    );
    const model = apkg.col.models[String(CLOZE_NOTETYPE_ID)]!;
    expect(model).toMatchObject({ name: 'deckc cloze', type: 1, sortf: 0 });
    expect(model.mod).toBe(notetypeModOf('cloze', MOD));
    const [template, ...more] = model.tmpls as { name: string; qfmt: string; afmt: string }[];
    expect(more).toEqual([]);
    expect(template!.name).toBe('Cloze');
    expect(template!.qfmt).toContain('{{cloze:Question}}');
    expect(template!.afmt).toContain('{{cloze:Question}}');
    expect(template!.afmt).not.toContain('{{FrontSide}}');
    expect(model.css).toContain(CLOZE_CSS);
    expect((model.flds as { name: string }[]).map((f) => f.name)).toEqual([
      'Question',
      'Answer',
      'Title',
      'Context',
      'Source',
    ]);
  });

  it('gives each kind distinct frozen ids, none next to deckc’s (Anki 2.1.15 probes id + 1)', () => {
    const ids = [
      NOTETYPE_ID,
      ...Object.values(KIND_NOTETYPES).flatMap((nt) => [
        nt.id,
        ...Object.values(nt.fieldIds),
        ...nt.templates.map((t) => t.id),
      ]),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    for (const nt of Object.values(KIND_NOTETYPES)) {
      expect(Math.abs(nt.id - NOTETYPE_ID)).toBeGreaterThan(1_000);
      expect(nt.id).toBeLessThan(Date.now());
    }
  });
});

describe('cards of each kind', () => {
  it('one per cloze number (ord = number − 1), two per reversed note, ids unique and not far ahead', async () => {
    const notes = [
      cloze(0, '<p>{{c2::b}} {{c1::a}} {{c2::again}} {{c5::e::hint}}</p>'),
      makeNote(1),
      reversed(2),
    ];
    const apkg = await readApkg(await emitApkg(makePackage(0, { notes }), { notetypeMod: MOD }));
    const byNote = (id: number) => apkg.cards.filter((c) => c.nid === id).map((c) => c.ord);
    const [a, b, c] = apkg.notes;
    expect([a!.mid, b!.mid, c!.mid]).toEqual([
      CLOZE_NOTETYPE_ID,
      NOTETYPE_ID,
      REVERSED_NOTETYPE_ID,
    ]);
    expect(byNote(a!.id)).toEqual([0, 1, 4]);
    expect(byNote(b!.id)).toEqual([0]);
    expect(byNote(c!.id)).toEqual([0, 1]);
    const ids = apkg.cards.map((card) => card.id);
    expect(new Set(ids).size).toBe(ids.length);
    const newest = Math.max(...apkg.notes.map((n) => n.id));
    for (const id of ids) expect(id).toBeLessThanOrEqual(newest + ids.length);
    // Every card of a note is due with its note (siblings share a position).
    for (const card of apkg.cards) {
      expect(card.due).toBe(apkg.notes.findIndex((n) => n.id === card.nid) + 1);
    }
  });

  it('a cloze note whose clozes all vanished still has one card (ord 0)', () => {
    expect(cardOrds(cloze(0, '<p>no cloze</p>'))).toEqual([0]);
  });
});

describe('CSV', () => {
  it('names each row’s own note type: the kind', () => {
    const csv = new TextDecoder().decode(
      emitCsv([makeNote(0), cloze(1, '{{c1::x}}'), reversed(2)], NOTETYPE_ID),
    );
    const rows = csv.trim().split('\n').slice(9);
    expect(rows.map((r) => r.split('\t')[1])).toEqual(
      [NOTETYPE_ID, CLOZE_NOTETYPE_ID, REVERSED_NOTETYPE_ID].map((id) => `"${id}"`),
    );
  });
});

describe('preview', () => {
  const page = emitPreview({
    deck: 'Test',
    notes: [cloze(0, '<p>{{c1::Paris}} is in {{c2::France::country}}.</p>'), reversed(1)],
    diagnostics: [],
  });
  it('shows each cloze card with its cloze hidden on the front and revealed on the back', () => {
    expect(page).toContain('<h3>Front · Cloze 1</h3>');
    expect(page).toContain('<h3>Back · Cloze 2</h3>');
    expect(page).toContain('<p><span class=cloze>[...]</span> is in France.</p>');
    expect(page).toContain('<p>Paris is in <span class=cloze>[country]</span>.</p>');
    expect(page).toContain('<p><span class=cloze>Paris</span> is in France.</p>');
    expect(page).toContain(CLOZE_CSS);
  });
  it('shows a reversed note in each direction', () => {
    expect(page).toContain('<h3>Front · Card 2</h3>');
    expect(page).toMatch(
      /<h3>Front · Card 2<\/h3><div class="card card2">[\s\S]*?<div class="deckc-question"><p>Answer 1\.<\/p><\/div><\/div>/,
    );
    expect(page).toContain('4 cards');
  });
});
