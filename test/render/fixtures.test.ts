/**
 * One folder per rendering behaviour under test/fixtures/render/<case>/: `input.md` is a card's
 * answer Markdown (field starting at line 1, column 1 of the file), `expected.html` the rendered
 * answer followed by the packaged media, `messages.txt` the diagnostics. The fixture folder is the
 * input root; images are read from it. `UPDATE=1 npx vitest run test/render` regenerates. A card
 * whose answer holds Anki clozes is a cloze card (`cloze-*` folders): its expected.html is its
 * Question field (the question 'Q?' and the answer: the cloze text) and then its Answer field.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../src/diagnostics/report.js';
import { renderCard } from '../../src/render/render-card.js';
import { cardWithAnswer } from './helpers.js';

const root = join(import.meta.dirname, '../fixtures/render');
const update = process.env.UPDATE === '1';

function render(dir: string) {
  const input = readFileSync(join(dir, 'input.md'), 'utf8').replace(/\n$/, '');
  const sink = new DiagnosticSink('input.md');
  const result = renderCard(cardWithAnswer(input), {
    sink,
    file: 'input.md',
    readMedia: (path) => {
      const full = join(dir, path);
      return existsSync(full) ? new Uint8Array(readFileSync(full)) : null;
    },
  });
  // Only the answer carries the fixture; the question is a fixed 'Q?'.
  const media = result.media.map((m) => `<!-- media: ${m.name} (${m.data.length} bytes) -->\n`);
  const fields = result.cloze
    ? `<!-- cloze card: Question field -->\n${result.fields.Question}\n<!-- Answer field -->\n${result.fields.Answer}`
    : result.fields.Answer;
  const html = `${fields}\n${media.join('')}`;
  const messages = sink.messages
    .map(
      (m) =>
        `${m.line}:${m.column}-${m.endLine}:${m.endColumn} ${m.severity} ${m.message} [${m.rule}]\n`,
    )
    .join('');
  return { html, messages };
}

describe('render fixtures', () => {
  for (const name of readdirSync(root).sort()) {
    it(name, () => {
      const dir = join(root, name);
      const actual = render(dir);
      const htmlPath = join(dir, 'expected.html');
      const messagesPath = join(dir, 'messages.txt');
      if (update || !existsSync(htmlPath)) {
        writeFileSync(htmlPath, actual.html);
        writeFileSync(messagesPath, actual.messages);
      }
      expect(actual.html).toBe(readFileSync(htmlPath, 'utf8'));
      expect(actual.messages).toBe(readFileSync(messagesPath, 'utf8'));
    });
  }
});
