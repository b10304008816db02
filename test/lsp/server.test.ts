import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeAction,
  DocumentSymbol,
  FoldingRange,
  Hover,
  TextEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { type Client, startClient } from './client.js';

const CARDS = `#### Closers
:p What closes an answer?
??x
The marker \`x??\`.
??x

---

#### Math
:p What is $E$?
??x
**Energy**, in $$E = mc^2$$x??
`;

const OTHER = `#### Elsewhere
:p What is in another file? {#shared}
??x
An id.
x??

---

:p What closes an answer?
??x
Asked in another file of the same deck.
x??
`;

let dir: string;
let client: Client;
const uri = (name: string) => pathToFileURL(path.join(dir, 'decks', name)).href;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'deckc-lsp-'));
  mkdirSync(path.join(dir, 'decks/Book'), { recursive: true });
  writeFileSync(path.join(dir, 'decks/deckc.lock.json'), '');
  writeFileSync(path.join(dir, 'decks/Book/a.md'), CARDS);
  // Not open in the editor: the server reads it from disk for the workspace checks.
  writeFileSync(path.join(dir, 'decks/Book/0-first.md'), OTHER);
  client = await startClient(dir);
}, 30_000);

afterAll(async () => {
  await client?.stop();
});

function open(name: string, text: string, version = 1) {
  return client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uri(name), languageId: 'markdown', version, text },
  });
}

describe('deckc lsp over stdio', () => {
  it('publishes diagnostics on open: rule as code, severity, related places across files', async () => {
    await open('Book/a.md', CARDS);
    const p = await client.waitFor(uri('Book/a.md'), (p) =>
      p.diagnostics.some((d) => d.code === 'duplicate-question'),
    );
    const closer = p.diagnostics.find((d) => d.code === 'answer-closer')!;
    expect(closer).toMatchObject({
      source: 'deckc',
      severity: 2,
      range: { start: { line: 4, character: 0 }, end: { line: 4, character: 3 } },
      message: "Unexpected '??x' closing an answer, expected 'x??'",
    });
    const duplicate = p.diagnostics.find((d) => d.code === 'duplicate-question')!;
    expect(duplicate.range.start).toEqual({ line: 1, character: 0 });
    expect(duplicate.relatedInformation).toEqual([
      {
        location: {
          uri: uri('Book/0-first.md'),
          range: { start: { line: 8, character: 0 }, end: { line: 8, character: 0 } },
        },
        message: 'first asked here',
      },
    ]);
    expect(p.diagnostics.map((d) => d.code).sort()).toEqual([
      'answer-closer',
      'duplicate-question',
      'glued-marker',
    ]);
    // A client that cannot register file watchers is asked for none.
    expect(client.registrations).toEqual([]);
  });

  it('updates on change, debounced, and keeps workspace checks current', async () => {
    const edited = CARDS.replace(
      ':p What closes an answer?',
      ':p What closes an answer? {#shared}',
    );
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri('Book/a.md'), version: 2 },
      contentChanges: [{ text: edited }],
    });
    const p = await client.waitFor(uri('Book/a.md'), (p) => p.version === 2);
    const dup = p.diagnostics.find((d) => d.code === 'duplicate-id')!;
    expect(dup.severity).toBe(1);
    expect(dup.relatedInformation![0]!.location.uri).toBe(uri('Book/0-first.md'));
    expect(p.diagnostics.some((d) => d.code === 'duplicate-question')).toBe(false);
    // Back as it was (an incremental change this time).
    const start = edited.indexOf('? {#shared}') + 1;
    const doc = TextDocument.create(uri('Book/a.md'), 'markdown', 2, edited);
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri('Book/a.md'), version: 3 },
      contentChanges: [
        {
          range: { start: doc.positionAt(start), end: doc.positionAt(start + ' {#shared}'.length) },
          text: '',
        },
      ],
    });
    const back = await client.waitFor(uri('Book/a.md'), (p) => p.version === 3);
    expect(back.diagnostics.some((d) => d.code === 'duplicate-question')).toBe(true);
  });

  it('offers each fix as a quick fix, and fix all in file', async () => {
    const p = await client.waitFor(uri('Book/a.md'), (p) => p.version === 3);
    const closer = p.diagnostics.find((d) => d.code === 'answer-closer')!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: uri('Book/a.md') },
      range: closer.range,
      context: { diagnostics: [closer] },
    })) as CodeAction[];
    expect(actions.map((a) => [a.title, a.kind])).toEqual([
      ["Replace '??x' with 'x??'", 'quickfix'],
      ['Fix all deckc problems in this file', 'quickfix'],
    ]);
    expect(actions[0]!.edit!.changes![uri('Book/a.md')]).toEqual([
      { range: closer.range, newText: 'x??' },
    ]);
    const all = actions[1]!.edit!.changes![uri('Book/a.md')]! as TextEdit[];
    const fixed = TextDocument.applyEdits(
      TextDocument.create(uri('Book/a.md'), 'markdown', 3, CARDS),
      all,
    );
    expect(fixed).toBe(CARDS.replace('`.\n??x', '`.\nx??').replace('$$x??', () => '$$\nx??'));
    const onSave = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: uri('Book/a.md') },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    })) as CodeAction[];
    expect(onSave.map((a) => a.kind)).toEqual(['source.fixAll.deckc']);
  });

  it('outlines the cards by question, folds each card, and hovers a question with its answer', async () => {
    const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', {
      textDocument: { uri: uri('Book/a.md') },
    })) as DocumentSymbol[];
    expect(symbols.map((s) => [s.name, s.detail, s.range.start.line, s.range.end.line])).toEqual([
      ['What closes an answer?', 'Closers', 0, 4],
      ['What is $E$?', 'Math', 8, 11],
    ]);
    const folds = (await client.connection.sendRequest('textDocument/foldingRange', {
      textDocument: { uri: uri('Book/a.md') },
    })) as FoldingRange[];
    expect(folds.map((f) => [f.startLine, f.endLine])).toEqual([
      [0, 4],
      [8, 11],
    ]);
    const hover = (await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: uri('Book/a.md') },
      position: { line: 9, character: 4 },
    })) as Hover;
    expect(hover.contents).toEqual({ kind: 'markdown', value: '**Energy**, in $$E = mc^2$$' });
    const none = await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: uri('Book/a.md') },
      position: { line: 6, character: 0 },
    });
    expect(none).toBeNull();
  });

  it('reports render problems of the edited card only after its change, and clears on close', async () => {
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri('Book/a.md'), version: 4 },
      contentChanges: [
        { text: `${CARDS}\n---\n\n:p Where is the image?\n??x\n![x](missing.png)\nx??\n` },
      ],
    });
    const p = await client.waitFor(uri('Book/a.md'), (p) => p.version === 4);
    expect(p.diagnostics.find((d) => d.code === 'missing-media')?.range.start.line).toBe(17);
    await client.connection.sendNotification('textDocument/didClose', {
      textDocument: { uri: uri('Book/a.md') },
    });
    await client.waitFor(uri('Book/a.md'), (p) => p.diagnostics.length === 0);
  });
});
