import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { readApkg } from '../helpers/read-apkg.js';
import { runCli } from './run.js';

const fixtures = new URL('../fixtures/cli/', import.meta.url).pathname;

/** A fresh copy of a fixture library in a temp folder (builds write the lock beside the sources). */
function workspace(name: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-cli-'));
  cpSync(path.join(fixtures, name), path.join(dir, 'input'), { recursive: true });
  return dir;
}

const outputs = (dir: string) =>
  Object.fromEntries(
    readdirSync(path.join(dir, 'dist'))
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, 'dist', f))]),
  );

describe('deckc build', () => {
  it('compiles input/ into dist/ with one package per top-level deck, and a lock file', async () => {
    const dir = workspace('library');
    const r = await runCli(['build', '--format', 'json,csv'], dir);
    expect(r.stderr).toContain("Unexpected '??x' closing an answer");
    expect(r.code).toBe(0);
    expect(Object.keys(outputs(dir))).toEqual(['Book.csv', 'Book.json']);
    const deck = JSON.parse(readFileSync(path.join(dir, 'dist/Book.json'), 'utf8'));
    expect(deck.cards.map((c: { question: string; deck: string }) => [c.deck, c.question])).toEqual(
      [
        ['Book::Part 01', 'What is one?'],
        ['Book::Part 01', 'What is two?'],
        ['Book::Part 02', 'What is three?'],
      ],
    );
    expect(deck.cards[0].source).toEqual({ file: 'Book/part-01.md', line: 9, column: 1 });
    expect(readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8')).toContain(
      '"q":"What is one?"',
    );
  });

  it('writes JSON decks that the shipped JSON Schema accepts', async () => {
    const dir = workspace('library');
    await runCli(['build', '--format', 'json'], dir);
    const schemaUrl = new URL('../../schema/deck.schema.json', import.meta.url);
    const validate = new Ajv2020({ strict: false }).compile(
      JSON.parse(readFileSync(schemaUrl, 'utf8')),
    );
    const deck = JSON.parse(readFileSync(path.join(dir, 'dist/Book.json'), 'utf8'));
    expect(validate(deck), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...deck, cards: [{ ...deck.cards[0], source: { file: 'a.md' } }] })).toBe(
      false,
    );
  });

  it('rebuilds byte-identically, and with the lock, at any later time', async () => {
    const dir = workspace('library');
    await runCli(['build'], dir, { SOURCE_DATE_EPOCH: '1700000000' });
    const first = outputs(dir);
    const lock = readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8');
    await runCli(['build'], dir, { SOURCE_DATE_EPOCH: '1800000000' });
    expect(outputs(dir)).toEqual(first);
    expect(readFileSync(path.join(dir, 'input/deckc.lock.json'), 'utf8')).toBe(lock);
  });

  it('--frozen fails on a stale lock and writes nothing', async () => {
    const dir = workspace('library');
    const missing = await runCli(['build', '--frozen'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[lock-stale]');
    expect(readdirSync(dir)).toEqual(['input']);
    await runCli(['build'], dir);
    expect((await runCli(['build', '--frozen'], dir)).code).toBe(0);
    const file = path.join(dir, 'input/Book/part-01.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('The number **1**.', 'One.'));
    const stale = await runCli(['check', '--frozen'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('deckc.lock.json:1:1: error:');
  });

  it('--strict turns warnings into exit 1', async () => {
    const dir = workspace('library');
    expect((await runCli(['check'], dir)).code).toBe(0);
    expect((await runCli(['check', '--strict'], dir)).code).toBe(1);
  });

  it('exits 1 on errors, still building the good cards', async () => {
    const dir = workspace('broken');
    const r = await runCli(['build', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^input\/bad\.md:2:1: error: .*\[missing-answer\]$/m);
    const deck = JSON.parse(readFileSync(path.join(dir, 'dist/Default.json'), 'utf8'));
    expect(deck.cards.map((c: { question: string }) => c.question)).toEqual(['What is fine?']);
  });

  it('--reporter json prints exactly one JSON array on stdout', async () => {
    const dir = workspace('broken');
    const r = await runCli(['check', '--reporter', 'json'], dir);
    const parsed = JSON.parse(r.stdout);
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed[0]).toMatchObject({
      file: 'input/bad.md',
      line: 2,
      severity: 'error',
      rule: 'missing-answer',
    });
    expect(Object.keys(parsed[0]).sort()).toEqual([
      'column',
      'endColumn',
      'endLine',
      'file',
      'line',
      'message',
      'rule',
      'severity',
    ]);
    expect(r.stderr).toContain('deckc: 1 file, 1 card');
  });

  it('--reporter github prints annotations', async () => {
    const dir = workspace('broken');
    const r = await runCli(['check', '--reporter', 'github'], dir);
    expect(r.stderr).toMatch(/^::error file=input\/bad\.md,line=2,col=1,.*::/m);
  });

  it('packages local images once under a content-hash name, and reports a missing one', async () => {
    const dir = workspace('media');
    const r = await runCli(['build', '--format', 'apkg,html'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^input\/Deck\/cards\.md:14:1: error: .*\[missing-media\]$/m);
    const pkg = await readApkg(readFileSync(path.join(dir, 'dist/Deck.apkg')));
    const svg = readFileSync(path.join(dir, 'input/Deck/img/dot.svg'));
    const [name, bytes] = Object.entries(pkg.mediaFiles)[0] ?? [];
    expect(Object.keys(pkg.mediaFiles)).toEqual([name]);
    expect(name).toMatch(/^deckc-[0-9a-f]{16}\.svg$/);
    expect(Buffer.from(bytes as Uint8Array).equals(svg)).toBe(true);
    expect(pkg.notes[0]!.flds).toContain(`src="${name}"`);
    const preview = readFileSync(path.join(dir, 'dist/Deck.html'), 'utf8');
    expect(preview).toContain('missing-media');
    expect(preview).toContain(`src="data:image/svg+xml;base64,${svg.toString('base64')}"`);
  });

  it('writes no partial file: outputs appear whole or not at all', async () => {
    const dir = workspace('library');
    await runCli(['build'], dir);
    expect(readdirSync(path.join(dir, 'dist')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
