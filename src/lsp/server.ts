/**
 * `deckc lsp`: a Language Server Protocol server for the card language, over stdio.
 *
 * On open and on every change (debounced by DEBOUNCE_MS) a document is parsed again — the
 * structure pass only takes milliseconds — and its cards rendered for their diagnostics
 * (documents.ts). The build engine never runs here.
 *
 * Each document belongs to an input root: the nearest folder above it holding deckc.lock.json
 * (up to the workspace folder), else its workspace folder. The root's other Markdown files are
 * read once, in slices, for the workspace checks (workspace.ts); open documents win over disk.
 * Files changed on disk outside the editor (edited, created, deleted, a folder removed) reach
 * the index through `workspace/didChangeWatchedFiles`, registered dynamically for Markdown files
 * (and any deletion or creation, for folders and media) when the client can register watchers;
 * otherwise the server watches each root itself (fs.watch on each folder).
 *
 * The requests are answered from the document's analysis: code actions (code-actions.ts), the
 * outline, folds and hover (outline.ts).
 */

import { existsSync, type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  type InitializeParams,
  type InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  WatchKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LOCK_FILE } from '../identity/lock.js';
import { loadConfig } from '../io/config-file.js';
import { collectInput, mediaReader } from '../io/input.js';
import { parseFile } from '../parse/parse-file.js';
import { type FileSummary, RenderCache, summarize } from './analysis.js';
import { codeActions } from './code-actions.js';
import {
  type Analysed,
  type DocState,
  isAnalysed,
  isOpen,
  type OpenDocuments,
  publishRoot,
  SLICE_MS,
  update,
  yieldToMessages,
} from './documents.js';
import { documentSymbols, foldingRanges, hover } from './outline.js';
import { type Root, RootIndex } from './workspace.js';

/** Quiet time after a change before the document is analysed again, in milliseconds. */
export const DEBOUNCE_MS = 30;
/** Quiet time after a file event from the client before the root's files are read again. */
const WATCH_DEBOUNCE_MS = 50;

/** What the server holds between messages. */
interface Server extends OpenDocuments {
  documents: TextDocuments<TextDocument>;
  /** The input roots by folder (absolute). */
  roots: Map<string, Root>;
  /** The workspace folders (absolute), then the root URI's. */
  folders: string[];
  /** Whether the client watches files for the server (else it watches each root itself). */
  watchDynamic: boolean;
}

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
  const server: Server = {
    connection,
    documents: new TextDocuments(TextDocument),
    states: new Map(),
    roots: new Map(),
    folders: [],
    watchDynamic: false,
  };
  const { documents } = server;
  connection.onInitialize((params) => initialize(server, params));
  connection.onInitialized(() => registerWatchers(server));
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const { uri, type } of changes)
      if (uri.startsWith('file:')) fileEvent(server, fileURLToPath(uri), type);
  });
  documents.onDidChangeContent(({ document }) => {
    schedule(server, document, server.states.has(document.uri) ? DEBOUNCE_MS : 0);
  });
  documents.onDidClose(({ document }) => close(server, document));
  connection.onCodeAction(answer(server, codeActions, []));
  connection.onDocumentSymbol(answer(server, (s) => documentSymbols(s.analysis.parsed), []));
  connection.onFoldingRanges(answer(server, (s) => foldingRanges(s.analysis.parsed), []));
  connection.onHover(answer(server, (s, p) => hover(s.analysis.parsed, p.position), null));
  documents.listen(connection);
}

/** Notes the client's folders and whether it watches files; answers the server's capabilities. */
function initialize(server: Server, params: InitializeParams): InitializeResult {
  server.watchDynamic =
    params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  server.folders = (params.workspaceFolders ?? [])
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
}

/** Asks a client that can watch files to report Markdown files, and folders created or deleted. */
function registerWatchers(server: Server) {
  if (!server.watchDynamic) return;
  server.connection.client
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
}

/** The input root of a file: the nearest folder with a lock file, else its workspace folder. */
function rootOf(server: Server, file: string): string {
  const folder = server.folders
    .filter((f) => file.startsWith(f + path.sep))
    .sort((a, b) => b.length - a.length)[0];
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, LOCK_FILE))) return dir;
    if (dir === folder || path.dirname(dir) === dir) break;
  }
  return folder ?? path.dirname(file);
}

function rootFor(server: Server, dir: string): Root {
  const root = server.roots.get(dir);
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
  made.loaded = loadRoot(server, made, dir).catch(() => {
    // An unreadable root: the open documents are still checked against each other.
  });
  server.roots.set(dir, made);
  if (!server.watchDynamic) watchRoot(server, dir);
  return made;
}

/** Reads the config and the root's files into the index, a few at a time. */
async function loadRoot(server: Server, root: Root, dir: string) {
  const folder = server.folders.find((f) => dir === f || dir.startsWith(f + path.sep)) ?? dir;
  const { config } = await loadConfig(folder);
  root.options = { rootDeck: config.rootDeck ?? 'Default', decks: config.decks ?? {} };
  root.ignore = config.ignore ?? [];
  const input = await collectInput(dir, dir, root.ignore);
  let slice = performance.now();
  for (const file of input.files) {
    if (root.index.files.has(file.path) && isOpen(server, root, file.path)) continue;
    try {
      const parsed = parseFile(new Uint8Array(readFileSync(file.absolute)), file.path);
      if (!isOpen(server, root, file.path))
        root.index.set(file.path, summarize(parsed, file.path, root.options));
    } catch {
      // A file that vanished meanwhile.
    }
    if (performance.now() - slice > SLICE_MS) {
      await yieldToMessages();
      slice = performance.now();
    }
  }
  publishRoot(server, root);
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

/** Notes a file changed on disk in the roots holding it; their refresh follows, debounced. */
function fileEvent(server: Server, file: string, type: FileChangeType) {
  for (const root of server.roots.values()) {
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
      root.refreshing = root.refreshing.then(() => refresh(server, root)).catch(() => {});
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
function watchRoot(server: Server, dir: string) {
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
        if (event === 'change') return fileEvent(server, file, FileChangeType.Changed);
        const there = existsSync(file);
        if (there && isFolder(file)) void add(file);
        if (!there) forget(file);
        fileEvent(server, file, there ? FileChangeType.Created : FileChangeType.Deleted);
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
async function refresh(server: Server, root: Root) {
  await root.loaded;
  const { changed, relist, media } = root.pending;
  root.pending = { changed: new Set(), relist: false, media: false, timer: root.pending.timer };
  if (media)
    for (const state of server.states.values()) {
      if (state.root !== root) continue;
      state.cache.clear();
      const doc = server.documents.get(state.uri);
      if (doc) schedule(server, doc, 0);
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
      if (!listed.has(file) && !isOpen(server, root, file)) put(file, null);
    for (const file of listed) if (!root.index.files.has(file)) read.add(file);
  }
  for (const file of changed)
    if (listed ? listed.has(file) : root.index.files.has(file)) read.add(file);
  let slice = performance.now();
  for (const file of read) {
    if (isOpen(server, root, file)) continue; // the editor's text wins
    put(file, readSummary(root, file));
    if (performance.now() - slice > SLICE_MS) {
      await yieldToMessages();
      slice = performance.now();
    }
  }
  if (dirty) publishRoot(server, root);
}

function stateOf(server: Server, doc: TextDocument): DocState {
  let state = server.states.get(doc.uri);
  if (state) return state;
  const file = doc.uri.startsWith('file:') ? fileURLToPath(doc.uri) : doc.uri;
  const dir = doc.uri.startsWith('file:')
    ? rootOf(server, file)
    : (server.folders[0] ?? process.cwd());
  const root = rootFor(server, dir);
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
  server.states.set(doc.uri, state);
  return state;
}

function schedule(server: Server, doc: TextDocument, delay: number) {
  const state = stateOf(server, doc);
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = null;
    const current = server.documents.get(doc.uri);
    if (current) void update(server, state, current);
  }, delay);
}

/** A document closed: no diagnostics for it, and its summary back to the disk's. */
function close(server: Server, document: TextDocument) {
  const state = server.states.get(document.uri);
  if (!state) return;
  if (state.timer) clearTimeout(state.timer);
  server.states.delete(document.uri);
  void server.connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  // Back to what the disk says (deleted or never saved: gone from the root).
  state.root.index.set(state.path, readSummary(state.root, state.path));
  publishRoot(server, state.root);
}

/** The state of a document, analysed up to its current version. */
async function current(server: Server, uri: string): Promise<DocState | null> {
  const doc = server.documents.get(uri);
  if (!doc) return null;
  const state = stateOf(server, doc);
  if (state.version !== doc.version || !state.analysis) {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    await update(server, state, doc);
  }
  return state;
}

/** A request on a document, answered from its current analysis; `none` for a document not open. */
function answer<P extends { textDocument: { uri: string } }, R>(
  server: Server,
  respond: (state: Analysed, params: P) => R,
  none: R,
): (params: P) => Promise<R> {
  return async (params) => {
    const state = await current(server, params.textDocument.uri);
    return isAnalysed(state) ? respond(state, params) : none;
  };
}
