/**
 * What a build takes and gives: its options, its result, the state watch mode keeps between
 * builds (Memo), the phases a progress display is told of.
 */
import type { CompileOptions } from '../compile.js';
import type { Format } from '../emit/formats.js';
import type { MediaDep, SourceStat } from '../io/cache.js';
import type { InputLimits } from '../io/input.js';
import type { Pool } from '../io/pool.js';
import type { CompiledFile, Diagnostic } from '../validate/schema.js';
import type { RememberedLock } from './previous-lock.js';

export interface BuildOptions {
  paths: string[];
  cwd: string;
  out: string;
  formats: Format[];
  /** false for `check`: compile everything, write nothing. */
  write: boolean;
  /** Fail when the lock file would change, and write nothing. */
  frozen: boolean;
  bundle: string | undefined;
  /** Globs of Markdown files to skip, relative to each input root. */
  ignore: readonly string[];
  /** The largest Markdown and media files read (the config's `limits`; default DEFAULT_LIMITS). */
  limits?: InputLimits;
  compile: CompileOptions;
  /** Seconds since the epoch. */
  now: number;
  /** The project id new GUIDs are salted with (the config's `project`); default: the lock's. */
  project?: string | undefined;
  /**
   * The wall clock in seconds, when `now` was pinned (SOURCE_DATE_EPOCH): a `now` in the future
   * or before the lock's newest change is then a warning.
   */
  clock?: number | undefined;
  /**
   * Worker threads for compiling and emitting; 1 (the default) runs everything in this thread
   * but the compiling of files of 128 KB or more, which goes to one worker so that a signal is
   * never kept waiting by a long synchronous compile (build/compile-files.ts).
   */
  jobs?: number;
  /**
   * 'auto' (the default): workers only for work enough to pay for their boot (PARALLEL_BYTES,
   * PARALLEL_NOTES); 'always': whenever there are two tasks per job (tests of the parallel path).
   */
  workers?: 'auto' | 'always';
  /**
   * Cards of compiled files held in memory before obtained files are let go and read back from
   * the cache when their scope is linked (default HOLD_CARDS, build/compile-files.ts; 0 lets go
   * of every file the cache holds: tests of that path).
   */
  holdCards?: number;
  /**
   * Use and fill `.deckc-cache/` in each input root (default true); 'read' serves what it holds
   * and writes nothing to it (`deckc check`).
   */
  cache?: boolean | 'read';
  /** Stop at the first file with an error: nothing is written. */
  bail?: boolean;
  /** Aborting stops the build before anything is written and makes it throw `Interrupted`. */
  signal?: AbortSignal;
  /** What watch mode keeps in memory between builds. */
  memo?: Memo;
  /**
   * Warm workers the caller keeps between builds (watch mode) and closes itself: used for any
   * parallel work, and for the .apkg of a lone package while this thread emits its other formats.
   */
  pool?: Pool;
  /** Called after each file is compiled or found in the cache. */
  onFile?: (done: number, total: number, cards: number) => void;
  /**
   * Called when an input root enters a phase past its files, so that a progress display can
   * name it rather than sit at 100 %: linking its scopes not reused, writing its packages not
   * found in the cache. An unchanged rebuild enters neither.
   */
  onPhase?: (phase: BuildPhase) => void;
}

/** A phase of building an input root after its files (see BuildOptions.onPhase). */
export type BuildPhase =
  | { name: 'linking'; scopes: number }
  | { name: 'writing'; packages: number };

/** What watch mode keeps in memory between builds (see newMemo). */
export interface Memo {
  /** Compiled files with the media they read (checked again on every hit), by cache key. */
  files: Map<string, { compiled: CompiledFile; deps: MediaDep[] }>;
  /** Each input file's cache key, by absolute path, with its stat when it was read. */
  sources: Map<string, SourceStat>;
  /** The lock file each input root had after the last build (by its path), parsed. */
  locks: Map<string, RememberedLock>;
  /**
   * Loads what the last build left on disk only (the compiled files of scopes it reused, the
   * lock file it did not parse) into this memo: watch mode runs it while waiting for a save,
   * and stops it (`signal`) when a save comes first.
   */
  preload: ((signal: AbortSignal) => Promise<void>)[];
}

export const newMemo = (): Memo => ({
  files: new Map(),
  sources: new Map(),
  locks: new Map(),
  preload: [],
});

export interface BuildResult {
  files: number;
  cards: number;
  packages: number;
  retired: number;
  diagnostics: Diagnostic[];
  written: string[];
  /** Files actually compiled (not served from the cache or memo), as shown in diagnostics. */
  compiled: string[];
  /** Scopes (top-level decks) linked again, not reused from the cache. */
  linked: string[];
  /** Files that could not be read: a tool error (exit 2), and nothing was written. */
  unreadable: string[];
  /** Input roots not written, with the reason (an unreadable file, a compiler crash). */
  withheld: string[];
  /** --bail stopped the build at a file with an error; nothing was written. */
  bailed: boolean;
}

/** The build was stopped by its AbortSignal before writing anything. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted; outputs and lock file left as they were');
  }
}
