/** The preview puts each diagnostic beside the note whose lines hold it, at any size (issue 15). */
import { describe, expect, it } from 'vitest';
import { emitPreview } from '../../src/emit/html.js';
import type { Diagnostic, Note } from '../../src/validate/schema.js';

const note = (i: number, line: number): Note => ({
  guid: `g${i}`,
  deck: 'D',
  tags: [],
  fields: { Question: `Q${i}`, Answer: 'True.', Title: '', Context: '', Source: 'a.md' },
  mod: 0,
  added: 0,
  source: { file: 'a.md', line, column: 1 },
});
const diagnostic = (line: number): Diagnostic => ({
  file: 'a.md',
  line,
  column: 1,
  endLine: line,
  endColumn: 1,
  severity: 'warning',
  rule: 'unbalanced-math',
  message: `at ${line}`,
});

describe('preview diagnostics', () => {
  it('assigns 20,000 diagnostics to 20,000 notes of one file by line', () => {
    const notes = Array.from({ length: 20_000 }, (_, i) => note(i, 10 + 5 * i));
    const diagnostics = [diagnostic(1), ...notes.map((n) => diagnostic(n.source.line + 2))];
    const page = emitPreview({ deck: 'D', notes, diagnostics });
    expect(page.match(/<li class="sev-warning">/g)).toHaveLength(20_001);
    // Line 1 is before the first note; line 12 belongs to note 1, the last line to the last note.
    expect(page).toMatch(
      /Diagnostics outside cards<\/h2><ul class="diagnostics"><li[^>]*><code>a\.md:1:1</,
    );
    const last = page.slice(page.indexOf('id="note-20000"'));
    expect(last).toContain(`a.md:${10 + 5 * 19_999 + 2}:1`);
    const first = page.slice(page.indexOf('id="note-1"'), page.indexOf('id="note-2"'));
    expect(first).toContain('a.md:12:1');
    expect(first).not.toContain('a.md:17:1');
  });
});
