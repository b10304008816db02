import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deckKey,
  deckNameFor,
  foldCase,
  normalizeDeckName,
  packageFileName,
  readableName,
  safeName,
  settleDeckNames,
} from '../../src/decks/name.js';
import { safeName as parseSafeName } from '../../src/parse/meta.js';
import type { FileMeta } from '../../src/validate/schema.js';
import { ankiDeckNameComponent, ankiNativeDeckName } from '../model/anki-names.js';

const meta = (m: Partial<FileMeta> = {}): FileMeta => ({
  title: null,
  book: null,
  part: null,
  chapter: null,
  deck: null,
  tags: [],
  ...m,
});

describe('deck names', () => {
  it('cleans machine-made names', () => {
    expect(readableName('2B005---Streaming-Systems_processed')).toBe('Streaming Systems');
    expect(readableName('10A005---C-Software-Design---Klaus-Iglberger')).toBe(
      'C Software Design - Klaus Iglberger',
    );
    expect(readableName('my_notes.md')).toBe('my notes');
  });
  it('turns folders into a deck tree with the part as leaf', () => {
    expect(
      deckNameFor(
        'Lib/2B005---Streaming-Systems/2ssb_part04.md',
        meta({ part: 4, book: 'x' }),
        'Default',
      ),
    ).toBe('Lib::Streaming Systems::Part 04');
  });
  it('names a root-level file after its book', () => {
    expect(
      deckNameFor('p.md', meta({ book: '2A001---AI-Engineering_processed', part: 25 }), 'Default'),
    ).toBe('AI Engineering::Part 25');
    expect(deckNameFor('notes.md', meta(), 'Default')).toBe('Default::notes');
  });
  it('lets front matter name the deck', () => {
    expect(deckNameFor('a/b.md', meta({ deck: ' X :: Y ' }), 'Default')).toBe('X::Y');
  });
  it('makes safe file names, with a stable hash whenever cleaning changed the name', () => {
    expect(packageFileName('Rust')).toBe('Rust');
    expect(packageFileName('Café Übung 2')).toBe('Café Übung 2');
    expect(packageFileName('A/B::C')).toMatch(/^A-B__C-[0-9a-f]{8}$/);
    expect(packageFileName('A/B::C')).toBe(packageFileName('A/B::C'));
    // Issue 15: C++ and C# were both C-.apkg, A/B and A?B both A-B.
    expect(packageFileName('C++')).not.toBe(packageFileName('C#'));
    expect(packageFileName('A/B')).not.toBe(packageFileName('A?B'));
    expect(packageFileName('C++')).toMatch(/^C--[0-9a-f]{8}$/);
    // Never one name for a deck that is already readable and one that cleans to it.
    expect(packageFileName('C-')).toBe('C-');
    expect(packageFileName('C++')).not.toBe('C-');
    expect(packageFileName('CON')).toMatch(/^CON-[0-9a-f]{8}$/);
    expect(packageFileName('..')).toMatch(/^deck-[0-9a-f]{8}$/);
  });
  it('keeps package file names within 150 bytes before the hash', () => {
    const name = packageFileName('é'.repeat(400));
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(150 + 9);
    expect(name).toMatch(/^é+-[0-9a-f]{8}$/);
  });
  it('gives distinct package file names to distinct decks (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('C', '+', '#', '/', '?', ':', ' ', '.', 'é', '-') }),
        fc.string({ unit: fc.constantFrom('C', '+', '#', '/', '?', ':', ' ', '.', 'é', '-') }),
        (a, b) => {
          if (a !== b) expect(packageFileName(a)).not.toBe(packageFileName(b));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('safeName removes markup and control characters, and says which', () => {
    expect(safeName('X<img src=x onerror=alert(1)>')).toEqual({
      name: 'Ximg src=x onerror=alert(1)',
      removed: ['<', '>'],
    });
    expect(safeName('a\u0000b\u001b[2J"c"')).toEqual({
      name: 'ab[2Jc',
      removed: ['U+0000', 'U+001B', '"'],
    });
    expect(normalizeDeckName('F<svg onload=alert(1)>::\u009bx')).toBe('Fsvg onload=alert(1)::x');
  });
  it('safeName agrees with the parser’s copy (parse/meta.ts may not import decks)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(parseSafeName(s)).toEqual(safeName(s));
      }),
    );
  });
});

const ANKI_VERSIONS = ['2.1.55', '23.10', '24.11', '26.08'];

describe('normalizeDeckName: the name Anki stores', () => {
  it('trims components, drops empty ones and returns nothing when nothing is left', () => {
    expect(normalizeDeckName(' X :: Y ')).toBe('X::Y');
    expect(normalizeDeckName('A::::B::')).toBe('A::B');
    expect(normalizeDeckName(':: ::')).toBe('');
  });
  it('trims colons so that joined components split back the same way', () => {
    expect(normalizeDeckName('Weird:::Part 03')).toBe('Weird::Part 03');
    expect(normalizeDeckName('Weird: :: :Part 03')).toBe('Weird::Part 03');
    expect(normalizeDeckName('a: :b')).toBe('a: :b');
    expect(normalizeDeckName(': : a')).toBe('a');
  });
  it('composes to NFC and removes control characters and double quotes', () => {
    expect(normalizeDeckName('Cafe\u0301')).toBe('Café');
    expect(normalizeDeckName('"Quoted"\tdeck\u0007')).toBe('Quoteddeck');
    // Removing the control character brings `:` `:` together: a new separator, split again.
    expect(normalizeDeckName('a:\u0001:b')).toBe('a::b');
    expect(normalizeDeckName('e\u0001\u0301')).toBe('é');
  });
  it('trims what Rust calls white space, not what JavaScript trims', () => {
    expect(normalizeDeckName('\u00a0A\u0085\u3000')).toBe('A');
    expect(normalizeDeckName('\ufeffA')).toBe('\ufeffA');
  });
  it('leaves every component as each Anki from 2.1.55 on normalises it, and is idempotent', () => {
    const alphabet = fc.constantFrom(
      ...['a', 'B', ':', ' ', '\u00a0', '\u0085', '\ufeff', '"', '\u0001', '\u001f', '\u007f'],
      ...['e', '\u0301', 'é', 'ß', 'ẞ', '\t', '\n', 'İ', 'ı', '::', '\u3000', '\u200b'],
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        const name = normalizeDeckName(chars.join(''));
        expect(normalizeDeckName(name)).toBe(name);
        if (name === '') return;
        for (const version of ANKI_VERSIONS) {
          for (const component of name.split('::')) {
            expect(ankiDeckNameComponent(component, version)).toBe(component);
          }
          expect(ankiNativeDeckName(name, version)).toBe(name.split('::').join('\x1f'));
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('agrees with the port of Anki on its own examples (rslib/src/decks/name.rs tests)', () => {
    expect(ankiNativeDeckName('foo::::baz', '26.08')).toBe('foo\x1fblank\x1fbaz');
    expect(ankiNativeDeckName('fo\x1fo::ba\nr', '26.08')).toBe('foo\x1fbar');
    expect(ankiNativeDeckName('foo:::bar', '26.08')).toBe('foo\x1fbar');
    expect(ankiNativeDeckName('foo:::bar:baz: ', '26.08')).toBe('foo\x1fbar:baz');
    // Before 23.10 the colon stays: `Weird:::Part 03` is `Weird` / `:Part 03`.
    expect(ankiNativeDeckName('Weird:::Part 03', '2.1.66')).toBe('Weird\x1f:Part 03');
    expect(ankiNativeDeckName('"Q"', '2.1.66')).toBe('Q');
    expect(ankiNativeDeckName('"Q"', '24.11')).toBe('"Q"');
  });
});

describe('deckNameFor: names Anki leaves alone', () => {
  it("normalises a folder name ending in ':' (Weird::) before the leaf", () => {
    expect(deckNameFor('Weird::/p.md', meta({ part: 3 }), 'Default')).toBe('Weird::Part 03');
  });
  it('falls back to the folder-made name when front matter names nothing', () => {
    expect(deckNameFor('a/b.md', meta({ deck: ' :: ' }), 'Default')).toBe('a::b');
  });
});

describe('deckKey: the identity under which Anki finds a deck', () => {
  it('folds case fully and composes first', () => {
    expect(deckKey('Café::X')).toBe(deckKey('CAFE\u0301::x'));
    expect(deckKey('Straße')).toBe(deckKey('STRASSE'));
    expect(deckKey('Straße')).toBe(deckKey('STRAẞE'));
    expect(deckKey('ΟΔΟΣ')).toBe(deckKey('οδος'));
    expect(deckKey('\u212a')).toBe(deckKey('k'));
  });
  it('keeps apart what Anki keeps apart', () => {
    expect(deckKey('ı')).not.toBe(deckKey('i'));
    expect(deckKey('A::B')).not.toBe(deckKey('A:B'));
    expect(foldCase('Cafe\u0301')).not.toBe(foldCase('Café'));
  });
});

describe('settleDeckNames', () => {
  it('spells every prefix the first way it was seen', () => {
    const names = ['Café::X', 'café::y', 'CAFÉ::X', 'Cafe\u0301::x::Deep', 'Other'];
    expect([...settleDeckNames(names)]).toEqual([
      ['Café::X', 'Café::X'],
      ['café::y', 'Café::y'],
      ['CAFÉ::X', 'Café::X'],
      ['Cafe\u0301::x::Deep', 'Café::X::Deep'],
      ['Other', 'Other'],
    ]);
  });
  it('normalises first, and settles an empty name to nothing', () => {
    expect([...settleDeckNames([' a :: b ', 'A::B:', '::'])]).toEqual([
      [' a :: b ', 'a::b'],
      ['A::B:', 'a::b'],
      ['::', ''],
    ]);
  });
  it('is deterministic and idempotent', () => {
    const names = fc.array(fc.constantFrom('A', 'a', 'B', 'b', 'ß', 'SS', 'é', 'e\u0301'), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(fc.array(names, { maxLength: 8 }), (list) => {
        const input = list.map((parts) => parts.join('::'));
        const settled = settleDeckNames(input);
        expect(settleDeckNames(input)).toEqual(settled);
        const again = settleDeckNames(settled.values());
        for (const value of settled.values()) expect(again.get(value)).toBe(value);
        // One spelling per key.
        const byKey = new Map<string, string>();
        for (const value of settled.values()) {
          const first = byKey.get(deckKey(value)) ?? value;
          byKey.set(deckKey(value), first);
          expect(value).toBe(first);
        }
      }),
    );
  });
});
