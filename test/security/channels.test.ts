/**
 * Issue 15's security table: every hostile vector, through every channel deckc writes — the note
 * fields (compile + render), the .apkg's notes, the CSV, the JSON and the preview page — must
 * come out unable to run a script (test/browser/security.test.ts loads the previews in chromium),
 * with the diagnostics that say what was removed.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { FIELD_NAMES } from '../../src/validate/schema.js';
import { readApkg } from '../helpers/read-apkg.js';
import { buildVector, unsafeIn, unsafeInName, VECTORS } from './vectors.js';

const decoder = new TextDecoder();

describe('the checker', () => {
  it('flags what deckc wrote before issue 15', () => {
    expect(unsafeIn('<p>\\(\\href{javascript:void(0)}{X}\\)</p>')).toEqual(['MathJax command']);
    expect(unsafeIn('<p>\\(\\hr<wbr>ef{j}{X}\\)</p>')).toEqual(['MathJax command']);
    expect(unsafeIn('<p>[\\(]x[/\\)]</p>')).toEqual(['mangled [$]']);
    expect(unsafeIn('<p>[sound:../../x]</p>')).toContain('sound path');
    expect(unsafeIn('<p>[latex]\\input{/etc/passwd}[/latex]</p>')).toEqual(['LaTeX command']);
    expect(unsafeIn('<code>\\href</code> \\\u2060href [sound:deckc-0123456789abcdef.mp3]')).toEqual(
      [],
    );
  });
});

describe('no script through any channel', () => {
  for (const v of VECTORS) {
    it(v.name, async () => {
      const { compiled, pkg, out, diagnostics } = await buildVector(v);
      const rules = new Set(diagnostics.map((d) => d.rule));
      for (const rule of v.rules) expect(rules, `reports ${rule}`).toContain(rule);
      expect(rules).not.toContain('internal-error');
      for (const d of diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
      expect(compiled.cards).toHaveLength(1);

      // Note fields, as compiled.
      const fields = compiled.cards[0]!.html;
      for (const name of FIELD_NAMES) expect(unsafeIn(fields[name]), `field ${name}`).toEqual([]);
      if (v.keeps) expect(fields.Answer).toContain(v.keeps);

      const names = [compiled.cards[0]!.deck, ...compiled.cards[0]!.tags];
      for (const name of names) expect(unsafeInName(name)).toEqual([]);

      // The .apkg: note fields (0x1f-separated), tags and decks as Anki stores them.
      const apkg = await readApkg(out.get('apkg')!);
      expect(apkg.notes).toHaveLength(1);
      expect(apkg.notes[0]!.flds.split('\x1f')).toHaveLength(FIELD_NAMES.length);
      for (const tag of apkg.notes[0]!.tags.trim().split(' '))
        expect(unsafeInName(tag)).toEqual([]);
      for (const deck of Object.values(apkg.col.decks))
        expect(unsafeInName(String(deck.name))).toEqual([]);
      for (const field of apkg.notes[0]!.flds.split('\x1f')) expect(unsafeIn(field)).toEqual([]);
      expect(apkg.notes[0]!.flds.split('\x1f')[1]).toBe(fields.Answer);

      // The CSV, parsed as Anki would (tab-separated, quoted, '#' header lines).
      const csv = decoder.decode(out.get('csv')!);
      const rows: string[][] = parse(csv, { delimiter: '\t', comment: '#', relax_quotes: false });
      expect(rows).toHaveLength(1);
      for (const cell of rows[0]!) expect(unsafeIn(cell)).toEqual([]);
      expect(rows[0]![4]).toBe(fields.Answer);
      expect(rows[0]![2]).toBe(pkg.notes[0]!.deck);
      for (const name of [rows[0]![2]!, ...rows[0]!.at(-1)!.split(' ')])
        expect(unsafeInName(name)).toEqual([]);

      // The JSON: the rendered HTML (the Markdown source is the author's, kept as written).
      const json = JSON.parse(decoder.decode(out.get('json')!));
      for (const name of FIELD_NAMES) expect(unsafeIn(json.cards[0].html[name])).toEqual([]);
      for (const name of [json.deck, json.cards[0].deck, ...json.cards[0].tags])
        expect(unsafeInName(name)).toEqual([]);

      // The preview: one script (the theme switch), no handler, no script URL.
      const page = decoder.decode(out.get('html')!);
      expect(page.match(/<script\b/gi)).toHaveLength(1);
      expect(page).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
      expect(page).not.toMatch(/<[a-z][^>]*\s(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript):/i);
      expect(pkg.notes).toHaveLength(1);
    });
  }
});
