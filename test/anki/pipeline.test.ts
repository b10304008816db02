/**
 * The whole pipeline against real Anki: Markdown → `deckc build` → import, then edit the source,
 * rebuild and import again, as a user does. Run with `npm run test:anki`.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';
import { AnkiCollection, type AnkiState, assertAnkiInstalled } from './anki.js';

const fixtures = new URL('../fixtures/cli/library/', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'deckc-pipeline-'));
const source = path.join(dir, 'input/Book/part-01.md');
let epoch = 1_700_000_000;
let col: AnkiCollection;

/** Rebuilds at a later time (as CI would) and imports the package into the same collection. */
async function rebuildAndImport() {
  epoch += 1000;
  const r = await runCli(['build', '--format', 'apkg'], dir, { SOURCE_DATE_EPOCH: String(epoch) });
  expect(r.code, r.stderr).toBe(0);
  // The retirements, when there are any, come beside the package (a user imports both).
  const retired = path.join(dir, 'dist/Book.retired.apkg');
  const packages = [readFileSync(path.join(dir, 'dist/Book.apkg'))];
  if (existsSync(retired)) packages.push(readFileSync(retired));
  const { imports, state } = col.import(...packages);
  expect(imports.map((i) => i.error)).toEqual(packages.map(() => null));
  return state;
}

const edit = (from: string, to: string) => {
  const text = readFileSync(source, 'utf8');
  expect(text).toContain(from);
  writeFileSync(source, text.replace(from, to));
};

const byQuestion = (state: AnkiState) =>
  new Map(state.notes.map((n) => [n.fields.Question!.replace(/<[^>]+>/g, ''), n]));

beforeAll(() => {
  assertAnkiInstalled();
  cpSync(fixtures, path.join(dir, 'input'), { recursive: true });
  col = new AnkiCollection();
});
afterAll(() => col?.remove());

describe('re-importing rebuilt decks into real Anki', () => {
  let first: AnkiState;

  it('imports the first build: every card, in source order, in its deck', async () => {
    first = await rebuildAndImport();
    expect(first.notes).toHaveLength(3);
    const questions = first.cards
      .slice()
      .sort((a, b) => a.due - b.due)
      .map((c) => first.notes.find((n) => n.id === c.nid)!.fields.Question);
    expect(questions.map((q) => q!.replace(/<[^>]+>/g, ''))).toEqual([
      'What is one?',
      'What is two?',
      'What is three?',
    ]);
    expect(Object.keys(first.decks).sort()).toEqual([
      'Book',
      'Book::Part 01',
      'Book::Part 02',
      'Default',
    ]);
  });

  it('an unchanged rebuild changes nothing', async () => {
    const state = await rebuildAndImport();
    expect(state.notes).toEqual(first.notes);
    expect(state.cards).toEqual(first.cards);
  });

  it('an edited answer updates exactly that note in place', async () => {
    edit('The number **1**.', 'The number **one**.');
    const state = await rebuildAndImport();
    expect(state.notes.map((n) => n.id)).toEqual(first.notes.map((n) => n.id));
    const before = byQuestion(first);
    const after = byQuestion(state);
    expect(after.get('What is one?')!.fields.Answer).toContain('one');
    expect(after.get('What is one?')!.mod).toBeGreaterThan(before.get('What is one?')!.mod);
    expect(after.get('What is two?')).toEqual(before.get('What is two?'));
    expect(after.get('What is three?')).toEqual(before.get('What is three?'));
  });

  it('an edited question keeps its note (same answer, unambiguous)', async () => {
    const before = byQuestion(first).get('What is two?')!;
    edit(':p What is two?', ':p What is the number two?');
    const state = await rebuildAndImport();
    expect(state.notes).toHaveLength(3);
    const after = byQuestion(state).get('What is the number two?')!;
    expect(after.id).toBe(before.id);
    expect(after.guid).toBe(before.guid);
  });

  it('an added card adds exactly one note', async () => {
    edit('#### Second', '#### Added\n:p What is zero?\n??x\nNothing.\nx??\n\n---\n\n#### Second');
    const state = await rebuildAndImport();
    expect(state.notes).toHaveLength(4);
    expect(byQuestion(state).has('What is zero?')).toBe(true);
  });

  it("a removed card's note is tagged retired and keeps its card (never deleted)", async () => {
    const before = byQuestion(first).get('What is one?')!;
    edit('#### First\nSome context.\n:p What is one?\n??x\nThe number **one**.\nx??\n\n---\n', '');
    const state = await rebuildAndImport();
    expect(state.notes).toHaveLength(4);
    const retired = state.notes.find((n) => n.id === before.id)!;
    expect(retired.tags).toContain('deckc::retired');
    expect(state.cards.filter((c) => c.nid === before.id)).toHaveLength(1);
  });

  it('leaves a collection that Check Database finds clean', () => {
    const { check } = col.check();
    expect(check.ok, check.messages.join('\n')).toBe(true);
  });
});
