import { FIELD_NAMES, type Note } from '../validate/schema.js';
import { Utf8Chunks } from './chunks.js';
import { notetypeIdOf } from './notetype.js';

/** Every field quoted, quotes doubled: a record can never start with `#` (a comment to Anki). */
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * A tab-separated file with Anki 2.1.54+ headers: Anki matches rows to existing notes by the
 * same GUIDs as the .apkg (so formats can be mixed without duplicates) and picks deckc's note
 * type by its numeric id, which only exists once a deckc .apkg has been imported. Each row names
 * its note's own note type, so the column carries the kind: `notetypeId` for basic notes, the
 * cloze or reversed note type's id for those (the .apkg of the deck brings them).
 */
export function emitCsv(notes: readonly Note[], notetypeId: number): Uint8Array {
  const columns = ['GUID', 'Notetype', 'Deck', ...FIELD_NAMES, 'Tags'];
  const header = [
    '#separator:Tab',
    '#html:true',
    '#guid column:1',
    '#notetype column:2',
    '#deck column:3',
    `#tags column:${columns.length}`,
    '#if matches:update current',
    '#match scope:notetype',
    `#columns:${columns.join('\t')}`,
  ];
  const out = new Utf8Chunks();
  out.add(header.join('\n'));
  for (const n of notes)
    out.add(
      `\n${[
        n.guid,
        String(n.kind ? notetypeIdOf(n.kind) : notetypeId),
        n.deck,
        ...FIELD_NAMES.map((f) => n.fields[f]),
        n.tags.join(' '),
      ]
        .map(quote)
        .join('\t')}`,
    );
  out.add('\n');
  return out.done();
}
