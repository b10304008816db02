import { describe, expect, it } from 'vitest';
import { deckNameFor, packageFileName, readableName } from '../../src/decks/name.js';
import type { FileMeta } from '../../src/validate/schema.js';

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
  it('makes safe file names', () => {
    expect(packageFileName('A/B::C')).toBe('A-B__C');
  });
});
