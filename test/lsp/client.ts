/**
 * A real LSP client over stdio: vscode-languageserver-protocol's connection to a `deckc lsp`
 * child process, started from the TypeScript sources through tsx (as test/scale starts deckc)
 * so the test needs no build. Diagnostics are collected as the server publishes them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  type ClientCapabilities,
  createProtocolConnection,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Registration,
  type RegistrationParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENTRY = new URL('../scale/cli-entry.ts', import.meta.url).pathname;

export interface Client {
  connection: ProtocolConnection;
  child: ChildProcess;
  /** The last diagnostics published for each URI. */
  diagnostics: Map<string, PublishDiagnosticsParams>;
  /** The capabilities the server registered dynamically (`client/registerCapability`). */
  registrations: Registration[];
  /** Resolves with the first publication for `uri` that `test` accepts (now or later). */
  waitFor(
    uri: string,
    test: (p: PublishDiagnosticsParams) => boolean,
    timeoutMs?: number,
  ): Promise<PublishDiagnosticsParams>;
  stop(): Promise<void>;
}

export async function startClient(
  workspace: string,
  capabilities: ClientCapabilities = {},
): Promise<Client> {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'lsp', '--stdio'], {
    cwd: workspace,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const diagnostics = new Map<string, PublishDiagnosticsParams>();
  const waiters: {
    uri: string;
    test: (p: PublishDiagnosticsParams) => boolean;
    resolve: (p: PublishDiagnosticsParams) => void;
  }[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, p);
    for (const w of [...waiters])
      if (w.uri === p.uri && w.test(p)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p);
      }
  });
  const registrations: Registration[] = [];
  connection.onRequest('client/registerCapability', (p: RegistrationParams) => {
    registrations.push(...p.registrations);
    return null;
  });
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'ws' }],
    capabilities,
  });
  await connection.sendNotification('initialized', {});
  return {
    connection,
    child,
    diagnostics,
    registrations,
    waitFor(uri, test, timeoutMs = 20_000) {
      const now = diagnostics.get(uri);
      if (now && test(now)) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching diagnostics for ${uri} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          uri,
          test,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      await exited;
      connection.dispose();
    },
  };
}
