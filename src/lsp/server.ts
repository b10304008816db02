/**
 * `deckc lsp`: a Language Server Protocol server for the card language, over stdio.
 *
 * On open and on every change (debounced by DEBOUNCE_MS) a document is parsed again — the
 * structure pass only takes milliseconds — and its cards rendered for their diagnostics, but
 * only the cards whose content changed (analysis.ts caches the rest), so one keystroke costs one
 * card's render. A document with many unrendered cards (just opened, a paste) is rendered in
 * slices between messages, so a keystroke is never blocked behind it. The build engine never
 * runs here.
 *
 * Each document belongs to an input root: the nearest folder above it holding deckc.lock.json
 * (up to the workspace folder), else its workspace folder. The root's other Markdown files are
 * read once, in slices, for the workspace checks (workspace.ts); open documents win over disk.
 * Files changed on disk outside the editor (edited, created, deleted, a folder removed) reach
 * the index through `workspace/didChangeWatchedFiles`, registered dynamically for Markdown files
 * (and any deletion or creation, for folders and media) when the client can register watchers;
 * otherwise the server watches each root itself (fs.watch on each folder).
 */

import { existsSync, type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionKind,
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  type DocumentSymbol,
  FileChangeType,
  type FoldingRange,
  type Diagnostic as LspDiagnostic,
  MarkupKind,
  ProposedFeatures,
  type Range,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type TextEdit,
  WatchKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Fix, fixText, keepsCards } from '../fix/apply.js';
import { LOCK_FILE } from '../identity/lock.js';
import { loadConfig } from '../io/config-file.js';
import { collectInput, mediaReader } from '../io/input.js';
import { parseFile } from '../parse/parse-file.js';
import type { Diagnostic } from '../validate/schema.js';
import {
  type Analysis,
  analyse,
  cardAtLine,
  type DeckOptions,
  type FileSummary,
  RenderCache,
  summarize,
} from './analysis.js';
import { RootIndex } from './workspace.js';

/** Quiet time after a change before the document is analysed again, in milliseconds. */
export const DEBOUNCE_MS = 30;
/** Quiet time after a file event from the client before the root's files are read again. */
const WATCH_DEBOUNCE_MS = 50;
/** Cards rendered at once before diagnostics go out; more are rendered in slices. */
const RENDER_AT_ONCE = 16;
/** Work per slice of a background job before yielding to incoming messages, in milliseconds. */
const SLICE_MS = 8;

const SEVERITY = { error: 1, warning: 2, info: 3 } as const;

interface Root {
  index: RootIndex;
  options: DeckOptions;
  /** The config's ignore globs, for listing the root's files again. */
  ignore: readonly string[];
  readMedia: (path: string) => Uint8Array | null;
  /** Resolves when the root's files on disk are in the index. */
  loaded: Promise<void>;
  /** Files changed on disk (relative paths) waiting to be read again, and whether to list the root again. */
  pending: {
    changed: Set<string>;
    relist: boolean;
    /** A file other than Markdown was created or deleted: render the open documents again. */
    media: boolean;
    timer: NodeJS.Timeout | null;
  };
  /** The refresh under way, if any: refreshes of one root run one after another. */
  refreshing: Promise<void>;
}

interface DocState {
  uri: string;
  root: Root;
  /** Relative to the root, `/` separators. */
  path: string;
  cache: RenderCache;
  analysis: Analysis | null;
  version: number;
  timer: NodeJS.Timeout | null;
}

const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs the server on stdin/stdout until the client says exit. */
export function startServer(): Promise<number> {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  serve(connection);
  connection.listen();
  return new Promise(() => {
    // The protocol's `exit` notification ends the process (vscode-languageserver's handler).
  });
}

/** Wires the server's handlers to a connection (exported for the benchmark's in-process use). */
export function serve(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocState>();
  const roots = new Map<string, Root>();
  let folders: string[] = [];
  let watchDynamic = false;

  connection.onInitialize((params) => {
    watchDynamic =
      params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    folders = (params.workspaceFolders ?? [])
      .map((f) => fileURLToPath(f.uri))
      .concat(params.rootUri ? [fileURLToPath(params.rootUri)] : []);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: {
          codeActionKinds: [CodeActionKind.QuickFix, `${CodeActionKind.SourceFixAll}.deckc`],
        },
        documentSymbolProvider: true,
        hoverProvider: true,
        foldingRangeProvider: true,
      },
      serverInfo: { name: 'deckc' },
    };
  });

  connection.onInitialized(() => {
    if (!watchDynamic) return;
    connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: '**/*.md' },
          // A folder deleted (or moved in) is one event for the folder, not one per file.
          { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete },
        ],
      })
      .catch(() => {
        // A client that refuses: files changed outside the editor are seen when next opened.
      });
  });

  /** The input root of a file: the nearest folder with a lock file, else its workspace folder. */
  function rootOf(file: string): string {
    const folder = folders
      .filter((f) => file.startsWith(f + path.sep))
      .sort((a, b) => b.length - a.length)[0];
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, LOCK_FILE))) return dir;
      if (dir === folder || path.dirname(dir) === dir) break;
    }
    return folder ?? path.dirname(file);
  }

  function rootFor(dir: string): Root {
    const root = roots.get(dir);
    if (root) return root;
    const index = new RootIndex(dir);
    const made: Root = {
      index,
      options: { rootDeck: 'Default', decks: {} },
      ignore: [],
      readMedia: () => null,
      loaded: Promise.resolve(),
      pending: { changed: new Set(), relist: false, media: false, timer: null },
      refreshing: Promise.resolve(),
    };
    try {
      made.readMedia = mediaReader(dir);
    } catch {
      // A root that cannot be resolved reads no media.
    }
    made.loaded = loadRoot(made, dir).catch(() => {
      // An unreadable root: the open documents are still checked against each other.
    });
    roots.set(dir, made);
    if (!watchDynamic) watchRoot(dir);
    return made;
  }

  /** Reads the config and the root's files into the index, a few at a time. */
  async function loadRoot(root: Root, dir: string) {
    const folder = folders.find((f) => dir === f || dir.startsWith(f + path.sep)) ?? dir;
    const { config } = await loadConfig(folder);
    root.options = { rootDeck: config.rootDeck ?? 'Default', decks: config.decks ?? {} };
    root.ignore = config.ignore ?? [];
    const input = await collectInput(dir, dir, root.ignore);
    let slice = performance.now();
    for (const file of input.files) {
      if (root.index.files.has(file.path) && isOpen(root, file.path)) continue;
      try {
        const parsed = parseFile(new Uint8Array(readFileSync(file.absolute)), file.path);
        if (!isOpen(root, file.path))
          root.index.set(file.path, summarize(parsed, file.path, root.options));
      } catch {
        // A file that vanished meanwhile.
      }
      if (performance.now() - slice > SLICE_MS) {
        await yieldToMessages();
        slice = performance.now();
      }
    }
    publishRoot(root);
  }

  /** A file's summary as the disk has it, null when unreadable or gone. */
  function readSummary(root: Root, file: string) {
    try {
      const bytes = new Uint8Array(readFileSync(path.join(root.index.root, file)));
      return summarize(parseFile(bytes, file), file, root.options);
    } catch {
      return null;
    }
  }

  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const { uri, type } of changes)
      if (uri.startsWith('file:')) fileEvent(fileURLToPath(uri), type);
  });

  /** Notes a file changed on disk in the roots holding it; their refresh follows, debounced. */
  function fileEvent(file: string, type: FileChangeType) {
    for (const root of roots.values()) {
      const dir = root.index.root;
      if (!file.startsWith(dir + path.sep)) continue;
      const relative = path.relative(dir, file).split(path.sep).join('/');
      // What no walk reads: hidden files and folders, node_modules (and the cache, .deckc-cache).
      if (relative.split('/').some(hidden)) continue;
      const markdown = /\.md$/i.test(relative);
      if (type === FileChangeType.Changed) {
        if (!markdown) continue;
        // A file the index does not know may be new to it (or ignored): list the root again.
        if (root.index.files.has(relative)) root.pending.changed.add(relative);
        else root.pending.relist = true;
      } else {
        // Media that appeared or went away changes what the open documents render.
        if (!markdown) root.pending.media = true;
        if (type === FileChangeType.Deleted || markdown || isFolder(file)) {
          root.pending.relist = true;
          if (markdown) root.pending.changed.add(relative);
        }
      }
      if (root.pending.timer) clearTimeout(root.pending.timer);
      root.pending.timer = setTimeout(() => {
        root.pending.timer = null;
        // A failed refresh must not stop the ones after it.
        root.refreshing = root.refreshing.then(() => refresh(root)).catch(() => {});
      }, WATCH_DEBOUNCE_MS);
    }
  }

  /**
   * A client that cannot register watchers (Neovim on Linux, for one, says so): the server
   * watches the root itself, one watch per folder (not per file, as a recursive fs.watch does on
   * Linux), hidden folders, node_modules and linked folders left out. `rename` is a creation or
   * a deletion, told apart by the disk; a folder created is watched in turn (and listed whole by
   * the refresh, for files written before its watch began).
   */
  function watchRoot(dir: string) {
    const watchers = new Map<string, FSWatcher>();
    const forget = (folder: string) => {
      for (const [f, w] of watchers)
        if (f === folder || f.startsWith(folder + path.sep)) {
          w.close();
          watchers.delete(f);
        }
    };
    const add = async (folder: string): Promise<void> => {
      if (watchers.has(folder)) return;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, (event, name) => {
          if (!name || hidden(name.toString())) return;
          const file = path.join(folder, name.toString());
          if (event === 'change') return fileEvent(file, FileChangeType.Changed);
          const there = existsSync(file);
          if (there && isFolder(file)) void add(file);
          if (!there) forget(file);
          fileEvent(file, there ? FileChangeType.Created : FileChangeType.Deleted);
        });
      } catch {
        return; // gone already, or no watch left (inotify limits): seen when opened
      }
      watcher.on('error', () => forget(folder));
      watcher.unref();
      watchers.set(folder, watcher);
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const entry of entries)
        if (entry.isDirectory() && !hidden(entry.name)) await add(path.join(folder, entry.name));
    };
    void add(dir);
  }

  const hidden = (name: string) => name.startsWith('.') || name === 'node_modules';

  const isFolder = (file: string) => {
    try {
      return statSync(file).isDirectory();
    } catch {
      return false;
    }
  };

  /** Reads again what changed on disk in a root and republishes its open documents if it matters. */
  async function refresh(root: Root) {
    await root.loaded;
    const { changed, relist, media } = root.pending;
    root.pending = { changed: new Set(), relist: false, media: false, timer: root.pending.timer };
    if (media)
      for (const state of states.values()) {
        if (state.root !== root) continue;
        state.cache.clear();
        const doc = documents.get(state.uri);
        if (doc) schedule(doc, 0);
      }
    let dirty = false;
    const put = (file: string, summary: FileSummary | null) => {
      const was = root.index.files.get(file) ?? null;
      if (JSON.stringify(was) === JSON.stringify(summary)) return;
      root.index.set(file, summary);
      dirty = true;
    };
    const read = new Set<string>();
    let listed: Set<string> | null = null;
    if (relist) {
      try {
        const input = await collectInput(root.index.root, root.index.root, root.ignore);
        listed = new Set(input.files.map((f) => f.path));
      } catch {
        listed = new Set(); // the root itself is gone
      }
      for (const file of [...root.index.files.keys()])
        if (!listed.has(file) && !isOpen(root, file)) put(file, null);
      for (const file of listed) if (!root.index.files.has(file)) read.add(file);
    }
    for (const file of changed)
      if (listed ? listed.has(file) : root.index.files.has(file)) read.add(file);
    let slice = performance.now();
    for (const file of read) {
      if (isOpen(root, file)) continue; // the editor's text wins
      put(file, readSummary(root, file));
      if (performance.now() - slice > SLICE_MS) {
        await yieldToMessages();
        slice = performance.now();
      }
    }
    if (dirty) publishRoot(root);
  }

  const isOpen = (root: Root, file: string) =>
    [...states.values()].some((s) => s.root === root && s.path === file);

  function stateOf(doc: TextDocument): DocState {
    let state = states.get(doc.uri);
    if (state) return state;
    const file = doc.uri.startsWith('file:') ? fileURLToPath(doc.uri) : doc.uri;
    const dir = doc.uri.startsWith('file:') ? rootOf(file) : (folders[0] ?? process.cwd());
    const root = rootFor(dir);
    const relative = path.relative(dir, file).split(path.sep).join('/');
    state = {
      uri: doc.uri,
      root,
      path: relative,
      cache: new RenderCache(relative, (p) => root.readMedia(p)),
      analysis: null,
      version: -1,
      timer: null,
    };
    states.set(doc.uri, state);
    return state;
  }

  function schedule(doc: TextDocument, delay: number) {
    const state = stateOf(doc);
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      const current = documents.get(doc.uri);
      if (current) void update(state, current);
    }, delay);
  }

  /** Analyses the document's current text and publishes its diagnostics (and its root's). */
  async function update(state: DocState, doc: TextDocument) {
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
    publish(state);
    // Other open files of the root see this one's ids and questions.
    if (JSON.stringify(a.summary) !== before) publishRoot(state.root, state);
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
      publish(state);
    }
  }

  function publishRoot(root: Root, except?: DocState) {
    for (const s of states.values()) if (s.root === root && s !== except && s.analysis) publish(s);
  }

  function publish(state: DocState) {
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

  documents.onDidChangeContent(({ document }) => {
    schedule(document, states.has(document.uri) ? DEBOUNCE_MS : 0);
  });

  documents.onDidClose(({ document }) => {
    const state = states.get(document.uri);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    states.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    // Back to what the disk says (deleted or never saved: gone from the root).
    state.root.index.set(state.path, readSummary(state.root, state.path));
    publishRoot(state.root);
  });

  /** The state of a document, analysed up to its current version. */
  async function current(uri: string): Promise<DocState | null> {
    const doc = documents.get(uri);
    if (!doc) return null;
    const state = stateOf(doc);
    if (state.version !== doc.version || !state.analysis) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      await update(state, doc);
    }
    return state;
  }

  connection.onCodeAction(async (params) => {
    const state = await current(params.textDocument.uri);
    if (!state?.analysis) return [];
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
    const fixAll = (kind: string): CodeAction | null => {
      const fixed = fixText(text, state.path);
      if (fixed.text === text) return null;
      return {
        title: 'Fix all deckc problems in this file',
        kind,
        edit: { changes: { [state.uri]: [minimalEdit(text, fixed.text)] } },
      };
    };
    if (fixable.length > 0 && actions.length > 0 && wants(CodeActionKind.QuickFix)) {
      const all = fixAll(CodeActionKind.QuickFix);
      if (all) actions.push(all);
    }
    if (only?.some((k) => `${CodeActionKind.SourceFixAll}.deckc`.startsWith(k))) {
      const all = fixAll(`${CodeActionKind.SourceFixAll}.deckc`);
      if (all) actions.push(all);
    }
    return actions;
  });

  connection.onDocumentSymbol(async (params) => {
    const state = await current(params.textDocument.uri);
    if (!state?.analysis) return [];
    return state.analysis.parsed.file.children.map((card): DocumentSymbol => {
      const range = toRange(card.position.start, card.position.end);
      const q = card.question.position;
      let selectionRange = toRange(q.start, q.end);
      if (!contains(range, selectionRange))
        selectionRange = { start: range.start, end: range.start };
      const question = card.question.value.split(/\r?\n|\r/)[0]!.trim();
      return {
        name: question.length > 100 ? `${question.slice(0, 99)}…` : question || '(empty)',
        ...(card.title ? { detail: card.title.value } : {}),
        kind: SymbolKind.Field,
        range,
        selectionRange,
      };
    });
  });

  connection.onFoldingRanges(async (params) => {
    const state = await current(params.textDocument.uri);
    if (!state?.analysis) return [];
    return state.analysis.parsed.file.children
      .map(
        (card): FoldingRange => ({
          startLine: card.position.start.line - 1,
          endLine: card.position.end.line - 1,
        }),
      )
      .filter((r) => r.endLine > r.startLine);
  });

  connection.onHover(async (params) => {
    const state = await current(params.textDocument.uri);
    if (!state?.analysis) return null;
    const card = cardAtLine(state.analysis.parsed, params.position.line + 1);
    if (!card) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: card.answer.value },
      range: toRange(card.question.position.start, card.question.position.end),
    };
  });

  documents.listen(connection);
}

/** A 1-based diagnostic place as an LSP range (0-based, UTF-16: the same units). */
const toRange = (
  start: { line: number; column: number },
  end: { line: number; column: number },
): Range => ({
  start: { line: start.line - 1, character: start.column - 1 },
  end: { line: end.line - 1, character: end.column - 1 },
});

const rangeOf = (d: Diagnostic) => toRange(d, { line: d.endLine, column: d.endColumn });

const before = (a: Range['start'], b: Range['start']) =>
  a.line < b.line || (a.line === b.line && a.character <= b.character);
const intersects = (a: Range, b: Range) => before(a.start, b.end) && before(b.start, a.end);
const contains = (outer: Range, inner: Range) =>
  before(outer.start, inner.start) && before(inner.end, outer.end);

function toLsp(d: Diagnostic, root: string): LspDiagnostic {
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

const toTextEdit = (e: Fix['edits'][number]): TextEdit => ({
  range: toRange(e, { line: e.endLine, column: e.endColumn }),
  newText: e.text,
});

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
