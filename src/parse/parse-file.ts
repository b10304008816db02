import type { Diagnostic, SourceFile } from '../validate/schema.js';

export interface ParseResult {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * Parses one flashcard file into its card tree. Never throws on any input.
 * CONTRACT STUB: replaced by the recovering parser.
 */
export function parseFile(input: Uint8Array | string, path: string): ParseResult {
  void input;
  throw new Error(`parser not implemented yet (${path})`);
}
