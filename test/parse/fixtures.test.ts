/**
 * One folder per behaviour under test/fixtures/parse: input.md beside expected.json (the card
 * tree, see readableTree) and messages.txt (the diagnostics as text). `UPDATE=1 npx vitest run`
 * regenerates the expected files; read them before committing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/diagnostics/format.js';
import { parseFile } from '../../src/parse/parse-file.js';
import { readableTree } from './snapshot.js';

const root = join(import.meta.dirname, '../fixtures/parse');
const update = process.env.UPDATE === '1';
const folders = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('parse fixtures', () => {
  it('has fixtures', () => {
    expect(folders.length).toBeGreaterThan(30);
  });
  for (const name of folders) {
    it(name, () => {
      const dir = join(root, name);
      const input = readFileSync(join(dir, 'input.md'));
      const result = parseFile(new Uint8Array(input), `${name}/input.md`);
      const tree = `${JSON.stringify(readableTree(result), null, 2)}\n`;
      const messages = formatText(result.diagnostics);
      const treeFile = join(dir, 'expected.json');
      const messagesFile = join(dir, 'messages.txt');
      if (update) {
        writeFileSync(treeFile, tree);
        writeFileSync(messagesFile, messages);
      }
      expect(tree).toBe(readFileSync(treeFile, 'utf8'));
      expect(messages).toBe(readFileSync(messagesFile, 'utf8'));
    });
  }
});
