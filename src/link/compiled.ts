/**
 * What linking takes: one source file after parse and render (compile.ts makes it, workers and
 * the cache carry it, link.ts reads it). Declared here rather than in compile.ts so that link/
 * never imports the compiler, which imports the linker (compile.ts re-exports these types). As
 * plain data it belongs with the zod schemas in validate/ (issue 11's "types down to validate/").
 */
import type { Diagnostic, MediaFile, Note, SourceRef } from '../validate/schema.js';

/** One card after parse and render: everything linking needs, serialisable (for workers and cache). */
export interface CompiledCard {
  deck: string;
  tags: string[];
  id: string | null;
  markdown: { title: string | null; context: string | null; question: string; answer: string };
  /** The note's fields, `Source` included. */
  html: Note['fields'];
  source: SourceRef;
  /** The note's kind (see validate/schema.ts NoteKind); absent: basic. */
  kind?: 'cloze' | 'reversed';
  /**
   * What identity resolution compares (see identity/lock.ts), computed here, where it can be
   * cached and run in parallel, rather than at link time: the question's key (first occurrence),
   * the answer's hash, the hash of everything the note carries to Anki (fields and tags). The
   * key and the answer hash carry the kind (identity/guid.ts kindKey).
   */
  hashes: { key: string; answer: string; content: string };
}

export interface CompiledFile {
  path: string;
  cards: CompiledCard[];
  media: MediaFile[];
  diagnostics: Diagnostic[];
}
