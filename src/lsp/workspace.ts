/**
 * The workspace checks the linker makes across files, kept current while the user types:
 * an explicit id used twice in an input root (`duplicate-id`, an error) and a question asked
 * twice in one top-level deck (`duplicate-question`). The first use, in input order (files by
 * path, cards in order), is the one the repeats point at, as in `deckc build`. And what the server
 * keeps of each input root (`Root`): its index, its config, and the file events waiting for it.
 */
import type { Diagnostic } from '../validate/schema.js';
import type { DeckOptions, FileSummary } from './analysis.js';

export interface Root {
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

export class RootIndex {
  /** Summaries by path relative to the root, open documents' included (they win over disk). */
  readonly files = new Map<string, FileSummary>();
  private firsts: {
    ids: Map<string, { file: string; line: number; column: number }>;
    questions: Map<string, { file: string; line: number; column: number }>;
  } | null = null;

  constructor(readonly root: string) {}

  set(path: string, summary: FileSummary | null): void {
    if (summary) this.files.set(path, summary);
    else this.files.delete(path);
    this.firsts = null;
  }

  private first() {
    if (this.firsts) return this.firsts;
    const ids = new Map<string, { file: string; line: number; column: number }>();
    const questions = new Map<string, { file: string; line: number; column: number }>();
    for (const path of [...this.files.keys()].sort()) {
      const s = this.files.get(path)!;
      for (const { id, line, column } of s.ids)
        if (!ids.has(id)) ids.set(id, { file: path, line, column });
      for (const { key, line, column } of s.questions) {
        const k = `${s.scope}\u0000${key}`;
        if (!questions.has(k)) questions.set(k, { file: path, line, column });
      }
    }
    this.firsts = { ids, questions };
    return this.firsts;
  }

  /** The workspace diagnostics of one file (its summary must be in the index). */
  diagnostics(path: string): Diagnostic[] {
    const s = this.files.get(path);
    if (!s) return [];
    const { ids, questions } = this.first();
    const out: Diagnostic[] = [];
    const at = (line: number, column: number) => ({
      file: path,
      line,
      column,
      endLine: line,
      endColumn: column + 2,
    });
    const elsewhere = (f: { file: string; line: number }, line: number) =>
      f.file !== path || f.line !== line;
    for (const { id, line, column } of s.ids) {
      const f = ids.get(id)!;
      if (elsewhere(f, line))
        out.push({
          ...at(line, column),
          severity: 'error',
          rule: 'duplicate-id',
          message: `Unexpected id '${id}', already used; ids must be unique (this card is identified by its question)`,
          related: { ...f, message: 'first used here' },
        });
    }
    for (const { key, line, column } of s.questions) {
      const f = questions.get(`${s.scope}\u0000${key}`)!;
      if (elsewhere(f, line))
        out.push({
          ...at(line, column),
          severity: 'warning',
          rule: 'duplicate-question',
          message:
            'Unexpected repeated question; give one of them an explicit {#id} to keep their identities apart',
          related: { ...f, message: 'first asked here' },
        });
    }
    return out;
  }
}
