/**
 * deckc's places and diagnostics in the protocol's terms: deckc counts lines and columns from 1,
 * LSP from 0; both count columns in UTF-16 code units, so only the base changes.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic as LspDiagnostic, Range, TextEdit } from 'vscode-languageserver/node';
import type { Fix } from '../fix/apply.js';
import type { Diagnostic } from '../validate/schema.js';

const SEVERITY = { error: 1, warning: 2, info: 3 } as const;

/** A 1-based diagnostic place as an LSP range (0-based, UTF-16: the same units). */
export const toRange = (
  start: { line: number; column: number },
  end: { line: number; column: number },
): Range => ({
  start: { line: start.line - 1, character: start.column - 1 },
  end: { line: end.line - 1, character: end.column - 1 },
});

export const rangeOf = (d: Diagnostic) => toRange(d, { line: d.endLine, column: d.endColumn });

const before = (a: Range['start'], b: Range['start']) =>
  a.line < b.line || (a.line === b.line && a.character <= b.character);
export const intersects = (a: Range, b: Range) => before(a.start, b.end) && before(b.start, a.end);
export const contains = (outer: Range, inner: Range) =>
  before(outer.start, inner.start) && before(inner.end, outer.end);

/** A diagnostic as LSP's, its related place a file URL under `root`, its fix kept as data. */
export function toLsp(d: Diagnostic, root: string): LspDiagnostic {
  return {
    range: rangeOf(d),
    severity: SEVERITY[d.severity],
    code: d.rule,
    source: 'deckc',
    message: d.message,
    ...(d.related
      ? {
          relatedInformation: [
            {
              location: {
                uri: pathToFileURL(path.join(root, d.related.file)).href,
                range: toRange(d.related, d.related),
              },
              message: d.related.message,
            },
          ],
        }
      : {}),
    ...(d.fix ? { data: { fix: d.fix } } : {}),
  };
}

export const toTextEdit = (e: Fix['edits'][number]): TextEdit => ({
  range: toRange(e, { line: e.endLine, column: e.endColumn }),
  newText: e.text,
});
