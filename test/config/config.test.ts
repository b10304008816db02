import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConfigText } from '../../src/io/config-file.js';
import { jsonSchemas } from '../../src/validate/json-schema.js';

describe('config', () => {
  it('accepts a valid config', () => {
    const r = checkConfigText(
      '{"input": ["decks"], "formats": ["apkg"], "bundle": true}',
      'deckc.config.json',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.config).toEqual({ input: ['decks'], formats: ['apkg'], bundle: true });
  });

  it('points at the bad value', () => {
    const text = '{\n  "out": "dist",\n  "formats": ["apkg", "docx"]\n}\n';
    const [d] = checkConfigText(text, 'deckc.config.json').diagnostics;
    expect(d).toMatchObject({
      file: 'deckc.config.json',
      line: 3,
      column: 23,
      severity: 'error',
      rule: 'config-invalid',
    });
    expect(d!.message).toContain("'formats.1'");
  });

  it('points at an unknown key', () => {
    const text = '{\n  "outt": "dist"\n}';
    const [d] = checkConfigText(text, 'deckc.config.json').diagnostics;
    expect(d).toMatchObject({ line: 2, column: 3 });
    expect(d!.message).toMatch(/outt/);
  });

  it('reports broken JSON at its place', () => {
    const [d] = checkConfigText('{\n  "out": \n}', 'deckc.config.json').diagnostics;
    expect(d).toMatchObject({ line: 3, column: 1, rule: 'config-invalid' });
  });

  it('reads the deckc key of package.json', () => {
    const r = checkConfigText(
      '{"name": "x", "deckc": {"tags": ["bad tag"]}}',
      'package.json',
      'deckc',
    );
    expect(r.diagnostics[0]!.message).toContain("'deckc.tags.0'");
    expect(checkConfigText('{"name": "x"}', 'package.json', 'deckc')).toMatchObject({
      file: null,
      diagnostics: [],
    });
  });

  it('ships JSON Schemas that match the zod schemas', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const shipped = JSON.parse(
        readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8'),
      );
      expect(shipped, `schema/${name} is stale: run npm run schema`).toEqual(schema);
    }
  });
});
