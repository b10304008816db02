import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PreviousLock } from '../../src/build/previous-lock.js';
import { serializeLock } from '../../src/identity/lock.js';
import { IoError } from '../../src/io/input.js';

const FILE = 'deckc.lock.json';
const entry = {
  added: 100,
  answer: 'a',
  at: 'book/p1.md',
  content: 'c',
  deck: 'Book::Part 01',
  key: 'k',
  mod: 250,
  q: 'q',
};
const TEXT = serializeLock({
  project: 'Prj1aaaaaaaaaaaaaaaaaa',
  notetype: { mod: 100, style: 'style-1' },
  notes: { G1aaaaaaaaa: entry },
});
const BYTES = Buffer.from(TEXT);
const none = { remembered: undefined, indexHash: undefined };

describe('the previous lock', () => {
  it('without a lock file: no hash, no project, nothing to parse', () => {
    const { lock, diagnostics } = PreviousLock.open(FILE, null, none);
    expect(diagnostics).toEqual([]);
    expect(lock!.hash).toBeNull();
    expect(lock!.project).toBeNull();
    expect(lock!.full()).toBeNull();
    expect(lock!.newestMod()).toBe(0);
  });

  it('parses and validates a lock the cache does not know, and reads its project', () => {
    const { lock } = PreviousLock.open(FILE, BYTES, none);
    expect(lock!.canonical).toBe(false);
    expect(lock!.parsedSoFar()?.notes.G1aaaaaaaaa?.mod).toBe(250);
    expect(lock!.project).toBe('Prj1aaaaaaaaaaaaaaaaaa');
    expect(lock!.lines()).toBeNull();
    expect(lock!.newestMod()).toBe(250);
  });

  it('leaves a canonical lock unparsed, readable by lines, until the whole is asked for', () => {
    const first = PreviousLock.open(FILE, BYTES, none).lock!;
    const { lock } = PreviousLock.open(FILE, BYTES, {
      remembered: undefined,
      indexHash: first.hash!,
    });
    expect(lock!.canonical).toBe(true);
    expect(lock!.parsedSoFar()).toBeUndefined();
    expect(lock!.project).toBe('Prj1aaaaaaaaaaaaaaaaaa');
    expect(lock!.lines()).toHaveLength(1);
    expect(lock!.full()?.notes.G1aaaaaaaaa?.deck).toBe('Book::Part 01');
    // Once parsed whole, it is read one way only.
    expect(lock!.lines()).toBeNull();
  });

  it('takes the lock watch mode remembers when its hash is the file’s', () => {
    const parsed = PreviousLock.open(FILE, BYTES, none).lock!;
    const remembered = { hash: parsed.hash!, lock: parsed.full()! };
    const { lock } = PreviousLock.open(FILE, BYTES, { remembered, indexHash: undefined });
    expect(lock!.parsedSoFar()).toBe(remembered.lock);
    const stale = { hash: 'other', lock: parsed.full()! };
    const again = PreviousLock.open(FILE, BYTES, { remembered: stale, indexHash: undefined });
    expect(again.lock!.parsedSoFar()).not.toBe(remembered.lock);
  });

  it('reports a conflicted lock it cannot merge, and opens none', () => {
    const text = readFileSync(
      new URL('../fixtures/lock/different-projects/deckc.lock.json', import.meta.url),
    );
    const { lock, diagnostics } = PreviousLock.open(FILE, text, none);
    expect(lock).toBeNull();
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('reports a GUID with two entries (a bad merge) at the second, and opens none', () => {
    const two = serializeLock({
      project: 'Prj1aaaaaaaaaaaaaaaaaa',
      notetype: { mod: 100, style: 'style-1' },
      notes: { G1aaaaaaaaa: entry, G2aaaaaaaaa: { ...entry, key: 'k2', q: 'q2' } },
    }).replace('G2aaaaaaaaa', 'G1aaaaaaaaa');
    const { lock, diagnostics, why } = PreviousLock.open(FILE, Buffer.from(two), none);
    expect(lock).toBeNull();
    expect(why).toBe('has GUIDs with two entries');
    const line = two.split('\n').findIndex((l, n) => n > 5 && l.includes('G1aaaaaaaaa')) + 1;
    expect(diagnostics).toEqual([
      expect.objectContaining({ rule: 'lock-duplicate', severity: 'error', file: FILE, line }),
    ]);
    expect(diagnostics[0]!.message).toContain(`(the first is at line ${line - 1})`);
    // The same key in two different entries' fields is no duplicate.
    expect(PreviousLock.open(FILE, BYTES, none).diagnostics).toEqual([]);
  });

  it('refuses a lock file that is not JSON', () => {
    expect(() => PreviousLock.open(FILE, Buffer.from('{ nope'), none)).toThrow(IoError);
  });
});
