import { runtime } from './runtime.js';

/** `deckc lsp`: the language server on stdio, until the editor stops it; its exit code. */
export async function runLsp(): Promise<number> {
  // Loaded only here, and kept out of the command line's bundle.
  const { startServer } = await import(runtime('../lsp/server.js'));
  return startServer();
}
