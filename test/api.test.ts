import { describe, expect, it } from 'vitest';
import * as deckc from '../src/index.js';

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(deckc).sort()).toEqual([
      'Card',
      'Config',
      'Diagnostic',
      'FIELD_NAMES',
      'FORMATS',
      'JsonCard',
      'JsonDeck',
      'LOCK_FILE',
      'Lock',
      'NOTETYPE_ID',
      'Note',
      'Package',
      'REPORTERS',
      'RULES',
      'SourceFile',
      'compileFile',
      'emitApkg',
      'emitCsv',
      'emitJson',
      'emitPackage',
      'emitPreview',
      'formatGithub',
      'formatJson',
      'formatText',
      'jsonSchemas',
      'linkProject',
      'parseFile',
      'renderCard',
      'serializeLock',
    ]);
  });

  it('compiles a card end to end through the library alone', async () => {
    const file = deckc.compileFile(':p What is 1 + 1?\n??x\n$2$\nx??\n', 'a.md', () => null, {
      rootDeck: 'Default',
    });
    const linked = deckc.linkProject([file], null, { now: 1_700_000_000 });
    expect(linked.packages[0]!.notes[0]!.fields.Answer).toBe('<p>\\(2\\)</p>');
    const out = await deckc.emitPackage(linked.packages[0]!, ['apkg', 'csv'], linked.lock);
    expect([...out.keys()]).toEqual(['apkg', 'csv']);
  });
});
