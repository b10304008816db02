// A client that cannot register file watchers (Neovim on Linux says so): the server watches the
// input root itself, so files changed on disk outside the editor still reach the workspace
// checks — here no workspace/didChangeWatchedFiles is ever sent.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startClient } from './client.js';

const OPEN = `:p What is shared? {#shared}
??x
An id.
x??

---

:p What is asked twice?
??x
Here.
x??
`;
const TWICE = ':p What is asked twice?\n??x\nOn disk.\nx??\n';

let dir: string;
let client: Client;
const file = (name: string) => path.join(dir, 'decks/Book', name);
const uri = (name: string) => pathToFileURL(file(name)).href;
const until = (test: (codes: unknown[]) => boolean) =>
  client.waitFor(uri('a.md'), (p) => test(p.diagnostics.map((d) => d.code)));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'deckc-lsp-fswatch-'));
  mkdirSync(path.join(dir, 'decks/Book'), { recursive: true });
  writeFileSync(path.join(dir, 'decks/deckc.lock.json'), '');
  writeFileSync(file('a.md'), OPEN);
  writeFileSync(file('0-disk.md'), TWICE);
  client = await startClient(dir, {
    workspace: { didChangeWatchedFiles: { dynamicRegistration: false } },
  });
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uri('a.md'), languageId: 'markdown', version: 1, text: OPEN },
  });
}, 30_000);

afterAll(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deckc lsp: files changed on disk, watched by the server', () => {
  it('registers nothing, and sees files edited, created and deleted on disk', async () => {
    await until((c) => c.includes('duplicate-question'));
    expect(client.registrations).toEqual([]);
    writeFileSync(file('0-disk.md'), TWICE.replace('asked twice', 'asked once'));
    await until((c) => !c.includes('duplicate-question'));
    writeFileSync(file('1-new.md'), ':p Who else is shared? {#shared}\n??x\nNew.\nx??\n');
    await until((c) => c.includes('duplicate-id'));
    rmSync(file('1-new.md'));
    await until((c) => !c.includes('duplicate-id'));
    mkdirSync(file('0-sub'));
    writeFileSync(file('0-sub/x.md'), TWICE);
    await until((c) => c.includes('duplicate-question'));
    // The new folder is watched too: a file in it edited later is seen.
    writeFileSync(file('0-sub/x.md'), TWICE.replace('asked twice', 'asked thrice'));
    await until((c) => !c.includes('duplicate-question'));
    writeFileSync(file('0-sub/x.md'), TWICE);
    await until((c) => c.includes('duplicate-question'));
    rmSync(file('0-sub'), { recursive: true });
    await until((c) => !c.includes('duplicate-question'));
  });
});
