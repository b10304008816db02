/**
 * The open documents: what the server keeps of each (`DocState`), analysed again on open and on
 * every change, and published with its root's workspace diagnostics. Only the cards whose
 * content changed are rendered again (analysis.ts caches the rest), so one keystroke costs one
 * card's render; a document with many unrendered cards (just opened, a paste) is rendered in
 * slices between messages, so a keystroke is never blocked behind it.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyse, type RenderCache } from './analysis.js';
import { toLsp } from './protocol.js';
import type { Root } from './workspace.js';

/** Cards rendered at once before diagnostics go out; more are rendered in slices. */
const RENDER_AT_ONCE = 16;
/** Work per slice of a background job before yielding to incoming messages, in milliseconds. */
export const SLICE_MS = 8;

export const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface DocState {
  uri: string;
  root: Root;
  /** Relative to the root, `/` separators. */
  path: string;
  cache: RenderCache;
  analysis: Analysis | null;
  version: number;
  timer: NodeJS.Timeout | null;
}

/** A document's state once analysed. */
export type Analysed = DocState & { analysis: Analysis };

export const isAnalysed = (state: DocState | null): state is Analysed => !!state?.analysis;

/** The open documents by URI, and the connection their diagnostics go out on. */
export interface OpenDocuments {
  connection: Connection;
  states: Map<string, DocState>;
}

/** Whether `file` (relative to `root`) is open in the editor, whose text then wins over disk. */
export const isOpen = (open: OpenDocuments, root: Root, file: string) =>
  [...open.states.values()].some((s) => s.root === root && s.path === file);

/** Analyses the document's current text and publishes its diagnostics (and its root's). */
export async function update(open: OpenDocuments, state: DocState, doc: TextDocument) {
  const version = doc.version;
  const a = analyse(doc.getText(), state.path, state.root.options, state.cache);
  state.analysis = a;
  state.version = version;
  const before = JSON.stringify(state.root.index.files.get(state.path) ?? null);
  state.root.index.set(state.path, a.summary);
  const cards = a.parsed.file.children;
  const missing = a.rendered.flatMap((r, k) => (r === null ? [k] : []));
  if (missing.length <= RENDER_AT_ONCE) {
    for (const k of missing) a.rendered[k] = state.cache.get(cards[k]!);
    state.cache.sweep();
  }
  publish(open.connection, state);
  // Other open files of the root see this one's ids and questions.
  if (JSON.stringify(a.summary) !== before) publishRoot(open, state.root, state);
  if (missing.length > RENDER_AT_ONCE) {
    let slice = performance.now();
    for (const k of missing) {
      if (state.analysis !== a) return; // a newer version took over
      a.rendered[k] = state.cache.get(cards[k]!);
      if (performance.now() - slice > SLICE_MS) {
        await yieldToMessages();
        slice = performance.now();
      }
    }
    if (state.analysis !== a) return;
    state.cache.sweep();
    publish(open.connection, state);
  }
}

/** Publishes the diagnostics of the root's analysed open documents (but `except`). */
export function publishRoot(open: OpenDocuments, root: Root, except?: DocState) {
  for (const s of open.states.values())
    if (s.root === root && s !== except && s.analysis) publish(open.connection, s);
}

function publish(connection: Connection, state: DocState) {
  const a = state.analysis!;
  const all = [
    ...a.parsed.diagnostics,
    ...a.rendered.flatMap((r) => r ?? []),
    ...state.root.index.diagnostics(state.path),
  ];
  void connection.sendDiagnostics({
    uri: state.uri,
    version: state.version,
    diagnostics: all.map((d) => toLsp(d, state.root.index.root)),
  });
}
