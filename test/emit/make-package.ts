/** Small Package objects for emitter tests and the real-Anki suite. */
import type { MediaFile, Note, Package } from '../../src/validate/schema.js';

/** 2026-01-01T00:00:00Z, in seconds: a plausible `mod` for test notes. */
export const BASE_MOD = 1_767_225_600;

export function makeNote(n: number, overrides: Partial<Note> = {}): Note {
  return {
    guid: `guid-${n}`,
    deck: 'Test',
    tags: [`t${n}`],
    fields: {
      Question: `<p>Question ${n}?</p>`,
      Answer: `<p>Answer ${n}.</p>`,
      Title: n % 2 === 0 ? `Title ${n}` : '',
      Context: '',
      Source: `book.md:${n + 1}`,
    },
    mod: BASE_MOD + n,
    added: BASE_MOD * 1000 + n,
    source: { file: 'book.md', line: n + 1, column: 1 },
    ...overrides,
  };
}

export function makePackage(
  count: number,
  overrides: Partial<Package> = {},
  noteOverrides: (n: number) => Partial<Note> = () => ({}),
): Package {
  return {
    name: 'test',
    notes: Array.from({ length: count }, (_, n) => makeNote(n, noteOverrides(n))),
    media: [],
    ...overrides,
  };
}

/** A 1×1 transparent PNG, named by content the way the renderer names media. */
export const PNG: MediaFile = {
  name: 'pixel-8f3c2b.png',
  data: Uint8Array.from(
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    ),
  ),
};

export const SVG: MediaFile = {
  name: 'diagram-1a2b3c.svg',
  data: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'),
};

/** A package of `count` notes with about 1 KB of fields each, spread over nested decks. */
export function makeLargePackage(count: number, name = 'large'): Package {
  const filler = (n: number, words: number) =>
    Array.from({ length: words }, (_, i) => ['wave', 'energy', 'field', 'force'][(n + i) % 4]).join(
      ' ',
    );
  return makePackage(count, { name }, (n) => ({
    guid: `${name}-${n}`,
    deck: `Library::Book ${Math.floor(n / 1000)}::Part ${Math.floor(n / 100) % 10}`,
    fields: {
      Question: `<p>Question ${n}: ${filler(n, 30)}?</p>`,
      Answer: `<p>${filler(n + 1, 90)}</p>`,
      Title: `Chapter ${n % 40}`,
      Context: n % 3 === 0 ? `<p>${filler(n + 2, 30)}</p>` : '',
      Source: `library/book.md:${n * 12 + 1}`,
    },
  }));
}
