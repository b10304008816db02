/**
 * Media that users write (issue 14) against real Anki 2.1.15: a deck whose answers hold a sound
 * written as `![](x.mp3)` and as `[sound:x]`, an Obsidian sound embed `![[x.ogg]]` found from the
 * input root, an embedded picture `![[pic.png|120]]` found beside the file, and an `<audio>` tag,
 * built by `deckc build` and imported: every file must land in collection.media under the name
 * the fields reference, and a rebuild after the picture changed must update the note in place.
 * The deck is test/anki/fixtures/media/input. Run with `npm run test:anki`.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';
import { AnkiCollection, type AnkiNote, type AnkiState, assertAnkiInstalled } from './anki.js';

const fixture = new URL('./fixtures/media/input/', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'deckc-anki-media-'));
let epoch = 1_700_000_000;
let col: AnkiCollection;

async function buildAndImport(): Promise<AnkiState> {
  epoch += 1000;
  const r = await runCli(['build', '--format', 'apkg'], dir, { SOURCE_DATE_EPOCH: String(epoch) });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/missing-media|unsupported-media|media-outside-root|unsafe-html/);
  const { imports, state } = col.import(readFileSync(path.join(dir, 'dist/Lang.apkg')));
  expect(imports.map((i) => i.error)).toEqual([null]);
  return state;
}

const note = (state: AnkiState, question: string): AnkiNote => {
  const found = state.notes.find((n) => n.fields.Question!.includes(question));
  expect(found, question).toBeDefined();
  return found!;
};

/** Every media name a field references, as Anki 2.1.15 and later read them. */
const referenced = (field: string) => [
  ...[...field.matchAll(/\[sound:([^\]]+)\]/g)].map((m) => m[1]!),
  ...[...field.matchAll(/<(?:img|audio|video|source)\b[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!),
];

beforeAll(() => {
  assertAnkiInstalled();
  cpSync(fixture, path.join(dir, 'input'), { recursive: true });
  col = new AnkiCollection();
});
afterAll(() => col?.remove());

describe('sounds and embedded pictures in real Anki', () => {
  let first: AnkiState;

  it('imports every sound and picture into collection.media, referenced by the fields', async () => {
    first = await buildAndImport();
    expect(first.notes).toHaveLength(3);

    const hello = note(first, 'greet').fields.Answer!;
    const sounds = [...hello.matchAll(/\[sound:(deckc-[0-9a-f]{16}\.mp3)\]/g)].map((m) => m[1]);
    // `![](audio/hello.mp3)` and `[sound:audio/hello.mp3]`: one file, one name, two tags.
    expect(sounds).toHaveLength(2);
    expect(sounds[0]).toBe(sounds[1]);
    expect(hello).not.toContain('<img');

    const bye = note(first, 'goodbye').fields.Answer!;
    expect(bye).toMatch(/\[sound:deckc-[0-9a-f]{16}\.ogg\]/);
    expect(bye).toMatch(/<img src="deckc-[0-9a-f]{16}\.png" alt="pic.png" width="120">/);

    const clip = note(first, 'player').fields.Answer!;
    expect(clip).toMatch(/<audio controls src="_deckc-[0-9a-f]{16}\.mp3"><\/audio>/);

    const names = first.notes.flatMap((n) => Object.values(n.fields).flatMap(referenced));
    expect(names).toHaveLength(5);
    for (const name of names) expect(first.media, name).toContain(name);
    // The bytes Anki stored are the files the Markdown named.
    const media = `${col.path.replace(/\.anki2$/, '')}.media`;
    const ogg = /\[sound:([^\]]+\.ogg)\]/.exec(bye)![1]!;
    expect(readFileSync(path.join(media, ogg))).toEqual(
      readFileSync(path.join(fixture, 'bye.ogg')),
    );
  });

  it('renders the sound tags for Anki to play and the picture in the card', () => {
    const cards = col.dump(true).cards;
    const answers = cards.map((c) => c.answer ?? '');
    expect(answers.some((a) => /\[sound:deckc-[0-9a-f]{16}\.ogg\]/.test(a))).toBe(true);
    expect(answers.some((a) => /<img src="deckc-[0-9a-f]{16}\.png"/.test(a))).toBe(true);
  });

  it('a changed picture updates its note in place, with the new file', async () => {
    const before = note(first, 'goodbye');
    renameSync(path.join(dir, 'input/Lang/pic-2.png'), path.join(dir, 'input/Lang/pic.png'));
    const state = await buildAndImport();
    expect(state.notes.map((n) => n.id)).toEqual(first.notes.map((n) => n.id));
    const after = note(state, 'goodbye');
    expect(after.guid).toBe(before.guid);
    expect(after.mod).toBeGreaterThan(before.mod);
    const [oldPic] = referenced(before.fields.Answer!).filter((n) => n.endsWith('.png'));
    const [newPic] = referenced(after.fields.Answer!).filter((n) => n.endsWith('.png'));
    expect(newPic).not.toBe(oldPic);
    expect(state.media).toContain(newPic);
    // The other notes are untouched.
    expect(note(state, 'greet')).toEqual(note(first, 'greet'));
    expect(note(state, 'player')).toEqual(note(first, 'player'));
  });

  it('leaves a collection that Check Database finds clean', () => {
    const { check } = col.check();
    expect(check.ok, check.messages.join('\n')).toBe(true);
  });
});
