/**
 * Code actions: a quick fix for each fixable parse diagnostic in the range asked about (when it
 * keeps the file's cards), a fix-all beside them, and the fix-all as `source.fixAll.deckc`
 * (what an editor runs on save). The fixes are the parser's, applied as `deckc fix` does.
 */
import {
  type CodeAction,
  CodeActionKind,
  type CodeActionParams,
  type TextEdit,
} from 'vscode-languageserver/node';
import { fixText, keepsCards } from '../fix/apply.js';
import type { Analysed } from './documents.js';
import { intersects, rangeOf, toLsp, toTextEdit } from './protocol.js';

const FIX_ALL = `${CodeActionKind.SourceFixAll}.deckc`;

export function codeActions(state: Analysed, params: CodeActionParams): CodeAction[] {
  const { text } = state.analysis;
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((k) => kind.startsWith(k));
  const actions: CodeAction[] = [];
  const fixable = state.analysis.parsed.diagnostics.filter((d) => d.fix);
  if (wants(CodeActionKind.QuickFix)) {
    for (const d of fixable) {
      if (!intersects(rangeOf(d), params.range)) continue;
      if (!keepsCards(text, state.path, [d.fix!])) continue;
      actions.push({
        title: d.fix!.message,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLsp(d, state.root.index.root)],
        isPreferred: true,
        edit: { changes: { [state.uri]: d.fix!.edits.map(toTextEdit) } },
      });
    }
  }
  if (fixable.length > 0 && actions.length > 0 && wants(CodeActionKind.QuickFix)) {
    const all = fixAll(state, CodeActionKind.QuickFix);
    if (all) actions.push(all);
  }
  if (only?.some((k) => FIX_ALL.startsWith(k))) {
    const all = fixAll(state, FIX_ALL);
    if (all) actions.push(all);
  }
  return actions;
}

/** Every fix of the file as one action of `kind`, null when there is nothing to fix. */
function fixAll(state: Analysed, kind: string): CodeAction | null {
  const { text } = state.analysis;
  const fixed = fixText(text, state.path);
  if (fixed.text === text) return null;
  return {
    title: 'Fix all deckc problems in this file',
    kind,
    edit: { changes: { [state.uri]: [minimalEdit(text, fixed.text)] } },
  };
}

/** One edit turning `a` into `b`: the changed middle between their common prefix and suffix. */
function minimalEdit(a: string, b: string): TextEdit {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  // Never between the CR and the LF of one line ending.
  if (start > 0 && a[start - 1] === '\r' && a[start] === '\n') start--;
  let end = 0;
  while (
    end < a.length - start &&
    end < b.length - start &&
    a[a.length - 1 - end] === b[b.length - 1 - end]
  )
    end++;
  const cut = a.length - end;
  if (end > 0 && a[cut - 1] === '\r' && a[cut] === '\n') end--;
  const position = (offset: number) => {
    const lines = a.slice(0, offset).split(/\r\n|\n|\r/);
    return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
  };
  return {
    range: { start: position(start), end: position(a.length - end) },
    newText: b.slice(start, b.length - end),
  };
}
