// Files changed on disk outside the editor keep the workspace checks current: the server
// registers for workspace/didChangeWatchedFiles when the client can, and the client (here the
// protocol client, playing the editor's file watcher) reports each change.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileChangeType, type FileEvent } from 'vscode-languageserver-protocol';
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

---

:p What does the picture show?
??x
![a picture](pic.png)
x??
`;

const TWICE = `:p What is asked twice?
??x
On disk.
x??
`;

let dir: string;
let client: Client;
const file = (name: string) => path.join(dir, 'decks/Book', name);
const uri = (name: string) => pathToFileURL(file(name)).href;
const codes = () => client.diagnostics.get(uri('a.md'))?.diagnostics.map((d) => d.code) ?? [];

function changed(...changes: [string, FileChangeType][]) {
  return client.connection.sendNotification('workspace/didChangeWatchedFiles', {
    changes: changes.map(([name, type]): FileEvent => ({ uri: uri(name), type })),
  });
}

const until = (test: (codes: unknown[]) => boolean) =>
  client.waitFor(uri('a.md'), (p) => test(p.diagnostics.map((d) => d.code)));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'deckc-lsp-watch-'));
  mkdirSync(path.join(dir, 'decks/Book'), { recursive: true });
  writeFileSync(path.join(dir, 'decks/deckc.lock.json'), '');
  writeFileSync(file('a.md'), OPEN);
  writeFileSync(file('0-disk.md'), TWICE);
  client = await startClient(dir, {
    workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
  });
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: uri('a.md'), languageId: 'markdown', version: 1, text: OPEN },
  });
}, 30_000);

afterAll(async () => {
  await client?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deckc lsp: files changed on disk', () => {
  it('registers a watcher for Markdown files (and deletions, for folders)', async () => {
    await until((c) => c.includes('duplicate-question'));
    expect(client.registrations.map((r) => [r.method, r.registerOptions])).toEqual([
      [
        'workspace/didChangeWatchedFiles',
        { watchers: [{ globPattern: '**/*.md' }, { globPattern: '**/*', kind: 1 | 4 }] },
      ],
    ]);
    const dup = client.diagnostics
      .get(uri('a.md'))!
      .diagnostics.find((d) => d.code === 'duplicate-question')!;
    expect(dup.relatedInformation![0]!.location.uri).toBe(uri('0-disk.md'));
  });

  it('reads a file edited outside the editor again', async () => {
    writeFileSync(file('0-disk.md'), TWICE.replace('asked twice', 'asked once'));
    await changed(['0-disk.md', FileChangeType.Changed]);
    await until((c) => !c.includes('duplicate-question'));
  });

  it('sees a created file, and forgets it once deleted', async () => {
    writeFileSync(file('1-new.md'), ':p Who else is shared? {#shared}\n??x\nNew.\nx??\n');
    await changed(['1-new.md', FileChangeType.Created]);
    const p = await until((c) => c.includes('duplicate-id'));
    const dup = p.diagnostics.find((d) => d.code === 'duplicate-id')!;
    expect(dup.relatedInformation![0]!.location.uri).toBe(uri('1-new.md'));
    rmSync(file('1-new.md'));
    await changed(['1-new.md', FileChangeType.Deleted]);
    await until((c) => !c.includes('duplicate-id'));
  });

  it('reads a folder moved in, and forgets a folder deleted (one event for the folder)', async () => {
    mkdirSync(file('0-sub'));
    writeFileSync(file('0-sub/x.md'), TWICE);
    await changed(['0-sub', FileChangeType.Created]);
    const p = await until((c) => c.includes('duplicate-question'));
    const dup = p.diagnostics.find((d) => d.code === 'duplicate-question')!;
    expect(dup.relatedInformation![0]!.location.uri).toBe(uri('0-sub/x.md'));
    rmSync(file('0-sub'), { recursive: true });
    await changed(['0-sub', FileChangeType.Deleted]);
    await until((c) => !c.includes('duplicate-question'));
  });

  it('renders again when media appears', async () => {
    expect(codes()).toContain('missing-media');
    writeFileSync(file('pic.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    await changed(['pic.png', FileChangeType.Created]);
    await until((c) => !c.includes('missing-media'));
  });

  it('lets the editor text win over the disk for an open file', async () => {
    // On disk a.md loses its id; the editor still has it, so a new file reusing it clashes.
    writeFileSync(file('a.md'), OPEN.replace(' {#shared}', ''));
    writeFileSync(file('2-new.md'), ':p Shared again? {#shared}\n??x\nNew.\nx??\n');
    await changed(['a.md', FileChangeType.Changed], ['2-new.md', FileChangeType.Created]);
    await until((c) => c.includes('duplicate-id'));
  });
});
