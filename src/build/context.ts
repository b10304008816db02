/**
 * The state a build's phases share, as two records instead of closures over locals: the run
 * (one `build()` call: its options, its result, its workers) and each input root's context
 * (its files, cache and reporting). Phases take these and hand each other typed values.
 */
import path from 'node:path';
import type { CompileOptions } from '../compile.js';
import { LOCK_FILE } from '../identity/lock.js';
import { BuildCache, CACHE_DIR, type MediaDep } from '../io/cache.js';
import { DEFAULT_LIMITS, type InputFile, type InputRoot, mediaReader } from '../io/input.js';
import type { CompiledFile, Diagnostic, FileSummary, Severity } from '../validate/schema.js';
import { compilerSalt, sourceSalt } from './keys.js';
import { type BuildOptions, type BuildResult, Interrupted, newMemo } from './types.js';
import { Workers } from './workers.js';

/** One `build()` call. */
export class Run {
  readonly result: BuildResult = {
    files: 0,
    cards: 0,
    packages: 0,
    retired: 0,
    diagnostics: [],
    written: [],
    compiled: [],
    linked: [],
    unreadable: [],
    withheld: [],
    bailed: false,
  };
  readonly outDir: string;
  readonly jobs: number;
  /** The compiler's fingerprint, with whether a cache is used (see build/keys.ts). */
  readonly salt: string;
  readonly workers: Workers;
  /** What watch mode will keep of this build (see Memo). */
  readonly memoNext = newMemo();
  /** Cache keys of every file of this build: memo entries watch mode keeps. */
  readonly liveKeys = new Set<string>();
  /** Temporary files staged and not yet renamed into place (removed if the build fails). */
  readonly staged: string[] = [];
  /** Output base names by the input root that writes them: two roots may not write one file. */
  readonly claimed = new Map<string, string>();
  /** The first folder of the output folder this build created (removed if left empty). */
  createdFolder: string | undefined;
  /** Two roots claimed one output: nothing is committed. */
  conflicted = false;
  stopped = false;

  constructor(readonly options: BuildOptions) {
    this.outDir = path.resolve(options.cwd, options.out);
    this.jobs = Math.max(1, options.jobs ?? 1);
    this.salt = compilerSalt(options.cache !== false);
    this.workers = new Workers(this.jobs, options.pool);
  }

  /** Stops the build's work (an interrupt, --bail): lanes stop claiming, workers close. */
  stop = (): void => {
    this.stopped = true;
    this.workers.stop();
  };

  isStopped = (): boolean => this.stopped;

  checkAbort(): void {
    if (this.options.signal?.aborted) throw new Interrupted();
  }
}

/** One source file of an input root through a build: keyed, then compiled or found. */
export interface SourceState {
  file: InputFile;
  /** Its bytes, from when it is read until it is compiled (or its scope is reused). */
  bytes: Uint8Array | undefined;
  /** Bytes: the largest files are compiled first. */
  size: number;
  /** Its cache key (build/keys.ts); '' when it could not be read. */
  key: string;
  /**
   * Obtained on demand: from memory (watch), the cache, or compiled. Let go again (see
   * build/compile-files.ts `release`) once the cache can give it back and it is not needed,
   * so that a large library's compiled cards are never all in memory at once.
   */
  compiled: CompiledFile | undefined;
  /** What the build keeps of it once obtained, whether `compiled` is held or not. */
  outcome: Outcome | undefined;
  /** Its scope and explicit ids: from the cache's index, or of `compiled`. */
  summary: FileSummary | undefined;
  /** The media it read, with their hashes when it was compiled. */
  deps: MediaDep[];
  /** Its bytes changed since it was keyed: compiled, but not kept under that key. */
  moved: boolean;
}

/** What is kept of an obtained file: its diagnostics and counts, and how to get it back. */
export interface Outcome {
  diagnostics: Diagnostic[];
  cards: number;
  /** The compiler crashed on it (an `internal-error`). */
  crashed: boolean;
  /** The cache holds it under its key: `compiled` may be let go and read back. */
  stored: boolean;
  /** Its share of a first build's project id (see link/link.ts projectSeed), when needed. */
  seed: string | undefined;
}

/** One input root of a run. */
export class RootContext {
  readonly files: InputFile[];
  readonly readMedia: (relative: string) => Uint8Array | null;
  /** The root as shown in diagnostics: relative to the working folder. */
  readonly relRoot: string;
  /** Defaults filled in, so that equal options always give equal cache keys. */
  readonly compileOptions: CompileOptions;
  /** The largest media file read, in bytes: larger ones are not packaged. */
  readonly mediaBytes: number;
  readonly keySalt: string;
  readonly states: SourceState[];
  /** Cache entries this build adds (see the pruning in build/commit.ts). */
  writes = 0;
  /** Cards of the compiled files held in memory (see build/compile-files.ts `release`). */
  held = 0;
  /** Files let go so far: the library is past the memory budget. */
  letGo = 0;
  /** Every compiled file stays in memory (a bundle is packed from all of them at once). */
  keepAll: boolean;
  /** Obtained files keep their share of the project id (a project without one yet). */
  seeding = false;
  private readonly shownPaths = new Map<string, string>();
  private done = 0;
  private seen: number;

  constructor(
    readonly run: Run,
    readonly input: InputRoot,
    readonly cache: BuildCache | null,
  ) {
    const { options } = run;
    this.files = input.files;
    const limits = options.limits ?? DEFAULT_LIMITS;
    this.mediaBytes = limits.mediaBytes;
    this.readMedia = mediaReader(input.root, limits);
    this.relRoot = path.relative(options.cwd, input.root);
    this.compileOptions = {
      rootDeck: options.compile.rootDeck,
      tags: options.compile.tags ?? [],
      decks: options.compile.decks ?? {},
      reverse: options.compile.reverse ?? {},
    };
    this.keySalt = sourceSalt(run.salt, this.compileOptions, this.mediaBytes);
    this.states = this.files.map((file) => ({
      file,
      bytes: undefined,
      size: 0,
      key: '',
      compiled: undefined,
      outcome: undefined,
      summary: undefined,
      deps: [],
      moved: false,
    }));
    this.seen = run.result.cards;
    this.keepAll = options.bundle !== undefined || !!options.memo;
  }

  get options(): BuildOptions {
    return this.run.options;
  }

  /** A path relative to the root, as diagnostics show it (relative to the working folder). */
  shown(file: string): string {
    let text = this.shownPaths.get(file);
    if (text === undefined) {
      text = (this.relRoot ? `${this.relRoot}/${file}` : file).split(path.sep).join('/');
      this.shownPaths.set(file, text);
    }
    return text;
  }

  /** Reports diagnostics whose paths are relative to the root. */
  report(diagnostics: readonly Diagnostic[]): void {
    this.run.result.diagnostics.push(
      ...diagnostics.map((d) => ({
        ...d,
        file: this.shown(d.file),
        ...(d.related ? { related: { ...d.related, file: this.shown(d.related.file) } } : {}),
      })),
    );
  }

  /** A diagnostic about the input root as a whole, reported at its lock file. */
  atLock(rule: string, message: string, severity: Severity = 'warning'): void {
    this.report([
      { file: LOCK_FILE, line: 1, column: 1, endLine: 1, endColumn: 1, severity, rule, message },
    ]);
  }

  /** Progress: files and cards seen so far (the result counts cards once linked). */
  progress(fileCount: number, cards: number): void {
    this.done = Math.min(this.files.length, this.done + fileCount);
    this.seen += cards;
    this.options.onFile?.(this.done, this.files.length, this.seen);
  }

  /** Marks the root as not written, with why. */
  withhold(why: string): void {
    this.run.result.withheld.push(`${this.relRoot || '.'}: ${why}`);
  }
}

/** The root's cache: null when off, or when its folder cannot be created (only costs speed). */
export async function openCache(root: string, mode: boolean | 'read'): Promise<BuildCache | null> {
  if (mode === false) return null;
  const cache = new BuildCache(path.join(root, CACHE_DIR), mode === 'read');
  return cache.init().then(
    () => cache,
    () => null,
  );
}
