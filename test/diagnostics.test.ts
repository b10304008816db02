import { describe, expect, it } from 'vitest';
import { formatGithub, formatJson, formatText } from '../src/diagnostics/format.js';
import { DiagnosticSink } from '../src/diagnostics/report.js';

const sink = new DiagnosticSink('deck/a.md');
sink.report(
  'answer-closer',
  { start: { line: 3, column: 1, offset: 10 }, end: { line: 3, column: 4, offset: 13 } },
  "Unexpected '??x' closing an answer, expected 'x??'",
);

describe('formatters', () => {
  it('text reads like a compiler', () => {
    expect(formatText(sink.messages)).toBe(
      "deck/a.md:3:1: warning: Unexpected '??x' closing an answer, expected 'x??' [answer-closer]\n",
    );
  });
  it('json is one array with the documented keys', () => {
    const parsed = JSON.parse(formatJson(sink.messages));
    expect(parsed).toEqual([
      {
        file: 'deck/a.md',
        line: 3,
        column: 1,
        endLine: 3,
        endColumn: 4,
        severity: 'warning',
        rule: 'answer-closer',
        message: "Unexpected '??x' closing an answer, expected 'x??'",
      },
    ]);
  });
  it('github escapes properties and data', () => {
    expect(formatGithub(sink.messages)).toBe(
      "::warning file=deck/a.md,line=3,col=1,endLine=3,endColumn=4,title=deckc answer-closer::Unexpected '??x' closing an answer, expected 'x??'\n",
    );
  });
  it('show a related place: a note line, a JSON key, words in an annotation', () => {
    const repeated = {
      ...sink.messages[0]!,
      rule: 'duplicate-question',
      message: 'Unexpected repeated question',
      related: { file: 'deck/b.md', line: 7, column: 1, message: 'first asked here' },
    };
    expect(formatText([repeated])).toBe(
      'deck/a.md:3:1: warning: Unexpected repeated question [duplicate-question]\ndeck/b.md:7:1: note: first asked here\n',
    );
    expect(JSON.parse(formatJson([repeated]))[0].related).toEqual(repeated.related);
    expect(formatGithub([repeated])).toContain(
      '::Unexpected repeated question (first asked here: deck/b.md:7:1)',
    );
  });
});
