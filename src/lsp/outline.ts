/**
 * What the editor shows of a document's cards: an outline symbol per card (named by its
 * question's first line), a folding range per card of more than one line, and a card's answer
 * on hover over its question.
 */
import {
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  MarkupKind,
  type Position,
  SymbolKind,
} from 'vscode-languageserver/node';
import type { ParseResult } from '../parse/parse-file.js';
import { cardAtLine } from './analysis.js';
import { contains, toRange } from './protocol.js';

export function documentSymbols(parsed: ParseResult): DocumentSymbol[] {
  return parsed.file.children.map((card): DocumentSymbol => {
    const range = toRange(card.position.start, card.position.end);
    const q = card.question.position;
    let selectionRange = toRange(q.start, q.end);
    if (!contains(range, selectionRange)) selectionRange = { start: range.start, end: range.start };
    const question = card.question.value.split(/\r?\n|\r/)[0]!.trim();
    return {
      name: question.length > 100 ? `${question.slice(0, 99)}…` : question || '(empty)',
      ...(card.title ? { detail: card.title.value } : {}),
      kind: SymbolKind.Field,
      range,
      selectionRange,
    };
  });
}

export function foldingRanges(parsed: ParseResult): FoldingRange[] {
  return parsed.file.children
    .map(
      (card): FoldingRange => ({
        startLine: card.position.start.line - 1,
        endLine: card.position.end.line - 1,
      }),
    )
    .filter((r) => r.endLine > r.startLine);
}

/** The answer of the card whose marker or question holds `position` (0-based), else null. */
export function hover(parsed: ParseResult, position: Position): Hover | null {
  const card = cardAtLine(parsed, position.line + 1);
  if (!card) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: card.answer.value },
    range: toRange(card.question.position.start, card.question.position.end),
  };
}
