import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { emitCsv } from '../../src/emit/csv.js';
import type { Note } from '../../src/validate/schema.js';

const note = (guid: string, question: string, answer: string): Note => ({
  guid,
  deck: 'Book::Part 01',
  tags: ['chapter::Intro', 'x'],
  fields: { Question: question, Answer: answer, Title: '', Context: '', Source: 'Book · a.md:3' },
  mod: 1,
  added: 1_000,
  source: { file: 'a.md', line: 3, column: 1 },
});

describe('emitCsv', () => {
  const notes = [
    note('g1', '# not a comment', '<p>tab\there, "quotes", and\nnewlines</p>'),
    note('#g2', 'plain', '<pre><code>a\r\nb</code></pre>'),
  ];
  const text = new TextDecoder().decode(emitCsv(notes, 1700000000000));
  const lines = text.split('\n');
  const headerCount = lines.findIndex((l) => !l.startsWith('#'));

  it('starts with the Anki file headers, separator first', () => {
    expect(lines.slice(0, headerCount)).toEqual([
      '#separator:Tab',
      '#html:true',
      '#guid column:1',
      '#notetype column:2',
      '#deck column:3',
      '#tags column:9',
      '#if matches:update current',
      '#match scope:notetype',
      '#columns:GUID\tNotetype\tDeck\tQuestion\tAnswer\tTitle\tContext\tSource\tTags',
    ]);
  });

  it('never lets a record start with #', () => {
    const body = text.split('\n').slice(headerCount).join('\n');
    const records = parse(body, { delimiter: '\t', relax_quotes: false, raw: true }) as unknown as {
      raw: string;
    }[];
    for (const r of records) expect(r.raw.startsWith('#')).toBe(false);
  });

  it('round-trips every field byte for byte through a real CSV parser', () => {
    const body = text.split('\n').slice(headerCount).join('\n');
    const rows = parse(body, { delimiter: '\t' }) as string[][];
    expect(rows).toEqual(
      notes.map((n) => [
        n.guid,
        '1700000000000',
        n.deck,
        n.fields.Question,
        n.fields.Answer,
        n.fields.Title,
        n.fields.Context,
        n.fields.Source,
        n.tags.join(' '),
      ]),
    );
  });
});
