/**
 * Identity v2 through the command line: what a rebuilt deck carries into a collection. The same
 * scenarios run against real Anki in test/anki/identity.test.ts and against a model of today's
 * importer in test/model/round-trip.test.ts; these pin deckc's side (lock, outputs, exit codes).
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lock } from '../../src/identity/lock.js';
import { readApkg } from '../helpers/read-apkg.js';
import { runCli } from './run.js';

const fixtures = new URL('../fixtures/roundtrip/', import.meta.url).pathname;

function workspace(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-identity-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, 'input', name)), { recursive: true });
    writeFileSync(path.join(dir, 'input', name), text);
  }
  return dir;
}

const card = (q: string, a: string) => `#### ${q}\n:p ${q}\n??x\n${a}\nx??\n\n---\n\n`;
const lockOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8')) as Lock;
const build = (dir: string, epoch: number, ...args: string[]) =>
  runCli(['build', '-j', '1', ...args], dir, { SOURCE_DATE_EPOCH: String(epoch) });
const byQuestion = (lock: Lock) =>
  new Map(Object.entries(lock.notes).map(([guid, e]) => [e.q, { guid, ...e }]));

describe('identity v2', () => {
  it('inserting a card at the top of a file changes no other note', async () => {
    const dir = workspace({ 'Book/part-01.md': card('What is one?', 'One.') + card('Two?', '2') });
    expect((await build(dir, 1_760_000_000)).code).toBe(0);
    const before = byQuestion(lockOf(dir));
    const file = path.join(dir, 'input/Book/part-01.md');
    writeFileSync(file, card('Zero?', '0') + readFileSync(file, 'utf8'));
    expect((await build(dir, 1_760_001_000)).code).toBe(0);
    const after = byQuestion(lockOf(dir));
    for (const q of ['What is one?', 'Two?']) expect(after.get(q)).toEqual(before.get(q));
    expect(after.get('Zero?')!.mod).toBe(1_760_001_000);
    // The note's id is when it was first built: just before that build's time.
    expect(after.get('Zero?')!.added).toBeGreaterThan(1_760_000_999_000);
    expect(after.get('Zero?')!.added).toBeLessThan(1_760_001_000_000);
    const apkg = await readApkg(readFileSync(path.join(dir, 'dist/Book.apkg')));
    const source = apkg.notes.map((n) => n.flds.split('\x1f')[4]);
    expect(new Set(source)).toEqual(new Set(['Book/part-01.md']));
  });

  it('ships retired notes only in <Deck>.retired.apkg, and removes it when none are left', async () => {
    const dir = workspace({ 'Book/p.md': card('Keep?', 'k') + card('Drop?', 'd') });
    await build(dir, 1_760_000_000);
    const file = path.join(dir, 'input/Book/p.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, card('Keep?', 'k'));
    const r = await build(dir, 1_760_001_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 retired');
    const live = await readApkg(readFileSync(path.join(dir, 'dist/Book.apkg')));
    expect(live.notes.map((n) => n.tags.trim())).toEqual(['']);
    const retired = await readApkg(readFileSync(path.join(dir, 'dist/Book.retired.apkg')));
    expect(retired.notes).toHaveLength(1);
    expect(retired.notes[0]!.tags.trim()).toBe('deckc::retired');
    expect(retired.notes[0]!.mod).toBe(1_760_001_000);
    expect(retired.notes[0]!.guid).toBe(byQuestion(lockOf(dir)).get('Drop?')!.guid);
    // The card comes back: same GUID, live again, and the retirements file goes.
    writeFileSync(file, text);
    expect((await build(dir, 1_760_002_000)).code).toBe(0);
    expect(existsSync(path.join(dir, 'dist/Book.retired.apkg'))).toBe(false);
    expect(byQuestion(lockOf(dir)).get('Drop?')!.retired).toBeUndefined();
  });

  it('salts GUIDs per project: two projects with the same deck and ids share none', async () => {
    const text = `---\ndeck: Rust\n---\n\n${card('What is ownership?', 'A rule.')}#### Intro {#intro}\n:p Hello?\n??x\nHi.\nx??\n`;
    const a = workspace({ 'ownership.md': text });
    const b = workspace({ 'ownership.md': `${text}\n${card('Another?', 'Yes.')}` });
    await build(a, 1_760_000_000);
    await build(b, 1_760_000_000);
    const guidsA = Object.keys(lockOf(a).notes);
    const guidsB = Object.keys(lockOf(b).notes);
    expect(guidsA).toHaveLength(2);
    expect(guidsB.filter((g) => guidsA.includes(g))).toEqual([]);
    expect(lockOf(a).project).not.toBe(lockOf(b).project);
    // The same sources from scratch get the same project id: identical input, identical output.
    const again = workspace({ 'ownership.md': text });
    await build(again, 1_760_000_000);
    expect(lockOf(again)).toEqual(lockOf(a));
  });

  it('keeps every GUID of a version 1 lock and migrates it to version 2', async () => {
    const dir = workspace({ 'Book/p.md': card('What is one?', 'One.') });
    cpSync(path.join(fixtures, 'v1-lock/deckc.lock.json'), path.join(dir, 'input/deckc.lock.json'));
    const v1 = JSON.parse(readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8')) as Lock;
    const r = await build(dir, 1_760_000_000);
    expect(r.code, r.stderr).toBe(0);
    const v2 = lockOf(dir);
    expect(v2.lockfileVersion).toBe(2);
    expect(Object.keys(v2.notes)).toEqual(Object.keys(v1.notes));
    expect(v2.notes[Object.keys(v1.notes)[0]!]!.at).toBe('Book/p.md');
  });

  it('spells deck names as Anki stores them, one spelling per deck, in every output', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deckc-identity-'));
    cpSync(path.join(fixtures, 'deck-names/input'), path.join(dir, 'input'), { recursive: true });
    const r = await build(dir, 1_760_000_000, '--format', 'apkg,csv,json');
    expect(r.code, r.stderr).toBe(0);
    const decks = Object.values(lockOf(dir).notes)
      .map((e) => e.deck)
      .sort();
    expect(decks).toEqual(['Café::Drinks', 'Café::Drinks', 'Café::Food', 'Weird::Part 03']);
    expect(readdirSync(path.join(dir, 'dist')).sort()).toEqual([
      'Café.apkg',
      'Café.csv',
      'Café.json',
      'Weird.apkg',
      'Weird.csv',
      'Weird.json',
    ]);
    const csv = readFileSync(path.join(dir, 'dist/Café.csv'), 'utf8');
    const deckColumn = csv
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t')[2]);
    expect(new Set(deckColumn)).toEqual(new Set(['"Café::Drinks"', '"Café::Food"']));
    const json = JSON.parse(readFileSync(path.join(dir, 'dist/Café.json'), 'utf8'));
    expect(json.deck).toBe('Café');
  });

  it('merges a lock file with git merge conflicts, as npm merges package-lock.json', async () => {
    const dir = workspace({ 'Book/a.md': card('A?', 'a'), 'Book/b.md': card('B?', 'b') });
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
        stdio: 'pipe',
      });
    await build(dir, 1_760_000_000);
    git('init', '-q', '-b', 'main');
    git('add', 'input');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'other');
    writeFileSync(path.join(dir, 'input/Book/c.md'), card('C?', 'c'));
    await build(dir, 1_760_001_000);
    git('add', 'input');
    git('commit', '-qm', 'add C');
    git('checkout', '-q', 'main');
    writeFileSync(path.join(dir, 'input/Book/a.md'), card('A?', 'a, edited'));
    await build(dir, 1_760_002_000);
    git('add', 'input');
    git('commit', '-qm', 'edit A');
    expect(() => git('merge', '-q', 'other')).toThrow();
    const conflicted = readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8');
    expect(conflicted).toContain('<<<<<<<');
    const r = await build(dir, 1_760_003_000);
    expect(r.code, r.stderr).toBe(0);
    const merged = byQuestion(lockOf(dir));
    expect([...merged.keys()].sort()).toEqual(['A?', 'B?', 'C?']);
    expect(merged.get('A?')!.mod).toBe(1_760_002_000);
    expect(merged.get('C?')!.mod).toBe(1_760_001_000);
    // Merged and written back in canonical form: a second build is frozen-clean.
    expect((await build(dir, 1_760_004_000, '--frozen')).code).toBe(0);
  });

  it('reports an ambiguous lock conflict at its line and writes nothing', async () => {
    const dir = workspace({ 'Book/a.md': card('A?', 'a') });
    await build(dir, 1_760_000_000, '--out', 'first');
    const lockPath = path.join(dir, 'input/deckc.lock.json');
    const lines = readFileSync(lockPath, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"q":"A?"'));
    const other = lines[at]!.replace(/"content":"[0-9a-f]+"/, '"content":"0000000000000000"');
    lines.splice(at, 1, '<<<<<<< ours', lines[at]!, '=======', other, '>>>>>>> theirs');
    const text = lines.join('\n');
    writeFileSync(lockPath, text);
    const r = await build(dir, 1_760_001_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input\/deckc\.lock\.json:\d+:\d+: error: .*\[lock-conflict\]/);
    expect(r.stderr).toContain('nothing written');
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(readFileSync(lockPath, 'utf8')).toBe(text);
  });

  it('says loudly when the lock of a project built before is missing', async () => {
    const dir = workspace({ 'Book/a.md': card('A?', 'a') });
    await build(dir, 1_760_000_000, '--no-cache');
    writeFileSync(path.join(dir, 'input/deckc.lock.json'), '');
    execFileSync('rm', [path.join(dir, 'input/deckc.lock.json')]);
    const r = await build(dir, 1_760_001_000, '--no-cache');
    expect(r.stderr).toMatch(/input\/deckc\.lock\.json:1:1: warning: .*\[lock-missing\]/);
    const strict = await build(dir, 1_760_001_000, '--strict');
    expect(strict.code, strict.stderr).toBe(0);
  });

  it('warns about a SOURCE_DATE_EPOCH before the lock or in the future', async () => {
    const dir = workspace({ 'Book/a.md': card('A?', 'a') });
    await build(dir, 1_760_000_000);
    writeFileSync(path.join(dir, 'input/Book/a.md'), card('A?', 'b'));
    const behind = await build(dir, 1_700_000_000);
    expect(behind.stderr).toMatch(
      /warning: Unexpected SOURCE_DATE_EPOCH 1700000000, before .*\[clock-skew\]/,
    );
    const ahead = await build(dir, Math.floor(Date.now() / 1000) + 86_400);
    expect(ahead.stderr).toMatch(/in the future.*\[clock-skew\]/);
    const fine = await runCli(['build', '-j', '1'], dir, { SOURCE_DATE_EPOCH: '' });
    expect(fine.stderr).not.toContain('clock-skew');
  });

  it('refuses two input roots writing one output file before writing anything', async () => {
    const dir = workspace({ 'one/Book/a.md': card('A?', 'a'), 'two/Book/b.md': card('B?', 'b') });
    const r = await runCli(['build', '-j', '1', 'input/one', 'input/two'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[output-conflict]');
    // Not even the output folder: the one made for the staged outputs goes with them.
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(existsSync(path.join(dir, 'input/one/deckc.lock.json'))).toBe(false);
  });
});
