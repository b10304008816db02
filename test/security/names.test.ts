/**
 * Folder names become deck names and configured tags become tags: both go through safeName, and
 * a folder holding `<`, `>`, `"` or a control character is reported as a front matter deck is.
 */
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../src/compile.js';

const CARD = ':p Q?\n??x\nA.\nx??\n';

describe('names made from folders and configured tags', () => {
  it('reports a folder with markup used as a deck name, and removes it', () => {
    const compiled = compileFile(CARD, 'F<svg onload=alert(1)>/Sub\u001b[2J/a.md', () => null, {
      rootDeck: 'Default',
    });
    const unsafe = compiled.diagnostics.filter((d) => d.rule === 'unsafe-name');
    expect(unsafe.map((d) => [d.line, d.column, d.message])).toEqual([
      [
        1,
        1,
        "Unexpected '<', '>' in the folder name 'Fsvg onload=alert(1)' used as a deck name, expected text without markup or control characters (removed: Anki shows names as HTML)",
      ],
      [
        1,
        1,
        "Unexpected 'U+001B' in the folder name 'Sub[2J' used as a deck name, expected text without markup or control characters (removed: Anki shows names as HTML)",
      ],
    ]);
    expect(compiled.cards[0]!.deck).toBe('Fsvg onload=alert(1)::Sub[2J::a');
  });

  it('says nothing when front matter names the deck', () => {
    const compiled = compileFile(`---\ndeck: Safe\n---\n${CARD}`, 'F<x>/a.md', () => null, {
      rootDeck: 'Default',
    });
    expect(compiled.diagnostics.filter((d) => d.rule === 'unsafe-name')).toEqual([]);
  });

  it('makes configured tags safe', () => {
    const compiled = compileFile(CARD, 'a.md', () => null, {
      rootDeck: 'Default',
      tags: ['a<b>', 'c\u0000d', 'e "f"'],
    });
    expect(compiled.cards[0]!.tags).toEqual(['ab', 'cd', 'e_f']);
  });
});
