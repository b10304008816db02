import path from 'node:path';
import type { CompiledFile, CompileOptions } from '../compile.js';
import { packageFileName } from '../decks/name.js';
import { compareDiagnostics } from '../diagnostics/report.js';
import type { Format } from '../emit/formats.js';
import { notetypeStyleHash } from '../emit/notetype.js';
import {
  KEEP_RETIRED_SECONDS,
  LOCK_FILE,
  type LockEntry,
  type LockLine,
  parseLockLine,
  type ResolveContext,
  resolveNotetype,
  serializeEntries,
  serializeLock,
  serializeLockLines,
} from '../identity/lock.js';
import {
  BuildCache,
  CACHE_DIR,
  type MediaDep,
  type ScopeRecord,
  type SourceStat,
  type WrittenOutput,
} from '../io/cache.js';
import {
  collectInputs,
  type InputFile,
  type InputRoot,
  IoError,
  mediaReader,
  readInputFile,
} from '../io/input.js';
import { readLockBytes } from '../io/lock-file.js';
import { createPool, type Pool } from '../io/pool.js';
import {
  discard,
  ensureFolder,
  putInPlace,
  readIfThere,
  stage as stageFile,
  statOf,
  writeAtomic,
  writeIfChanged,
} from '../io/write.js';
import {
  claimIds,
  type FileSummary,
  type LinkedPackage,
  lineScopes,
  linkScope,
  pack,
  projectIdOf,
  type ScopeLink,
  scopeSpeller,
  sliceLock,
  summarize,
} from '../link/link.js';
import type { Diagnostic, Severity } from '../validate/schema.js';
import {
  compilerSalt,
  EMPTY_SLICE,
  fileKey,
  sliceHash as hashSlice,
  ownersKey,
  packageKey,
  sameStat,
  scopeKey as scopeRecordKey,
  sha256,
  sourceSalt,
} from './keys.js';
import {
  emitPlanned,
  hasMissing,
  type Output,
  planOutputs,
  retiredBase,
  shipsRetired,
} from './outputs.js';
import { PreviousLock, type RememberedLock } from './previous-lock.js';

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
  /** Worker threads for compiling and emitting; 1 (the default) runs everything in this thread. */
  jobs?: number;
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

/** One source file of an input root through a build: keyed, then compiled or found. */
interface SourceState {
  file: InputFile;
  /** Its bytes, from when it is read until it is compiled (or its scope is reused). */
  bytes: Uint8Array | undefined;
  /** Bytes: the largest files are compiled first. */
  size: number;
  /** Its cache key (build/keys.ts); '' when it could not be read. */
  key: string;
  /** Obtained on demand: from memory (watch), the cache, or compiled. */
  compiled: CompiledFile | undefined;
  /** Its scope and explicit ids: from the cache's index, or of `compiled`. */
  summary: FileSummary | undefined;
  /** The media it read, with their hashes when it was compiled. */
  deps: MediaDep[];
  /** Its bytes changed since it was keyed: compiled, but not kept under that key. */
  moved: boolean;
}

/** Runs `work(0 … count-1)` in order of claim, `lanes` at a time, until `stop()` holds. */
async function inLanes(
  count: number,
  lanes: number,
  work: (n: number) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, lanes) }, async () => {
      while (next < count && !stop()) await work(next++);
    }),
  );
}

/** The build was stopped by its AbortSignal before writing anything. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted; outputs and lock file left as they were');
  }
}

/**
 * Builds every input root: read, compile (cached, on worker threads), link, emit (cached), write
 * atomically. Files are compiled in any order but collected in input order, so the outputs are
 * identical whatever the number of jobs and whatever the cache holds.
 *
 * A root is built scope by scope (a scope is a top-level deck, see link/link.ts). A scope whose
 * files (by cache key) and slice of the lock file are those of a build recorded in the cache is
 * not linked again: its record gives its diagnostics and its outputs' blobs, so its files'
 * compiled cards are not even read. Records are kept only for builds that relinking would leave
 * as they are (`settled`): their outputs cannot depend on `now`, only on what the key covers.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const result: BuildResult = {
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
  const outDir = path.resolve(options.cwd, options.out);
  /** Output base names by the input root that writes them: two roots may not write one file. */
  const claimed = new Map<string, string>();
  let conflicted = false;
  const jobs = Math.max(1, options.jobs ?? 1);
  const salt = compilerSalt(options.cache !== false);
  const memoNext = newMemo();
  const liveKeys = new Set<string>();
  const staged: string[] = [];
  // Workers start only when there is enough work for them: an unchanged rebuild spawns none.
  let pool = null as Promise<Pool> | null;
  let local = null as Promise<Pool> | null;
  const getPool = (parallel: boolean) => {
    if (parallel && options.pool) return Promise.resolve(options.pool);
    if (parallel || pool) {
      pool ??= createPool(jobs);
      return pool;
    }
    return here();
  };
  const here = () => {
    local ??= createPool(1);
    return local;
  };
  // One worker for the .apkg of a large lone package, while this thread writes its other formats.
  let helper = null as Promise<Pool> | null;
  const getHelper = () => {
    helper ??= createPool(1, true);
    return helper;
  };
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (pool) void pool.then((p) => p.close());
    if (helper) void helper.then((p) => p.close());
  };
  options.signal?.addEventListener('abort', stop);
  const checkAbort = () => {
    if (options.signal?.aborted) throw new Interrupted();
  };

  const buildRoot = async (input: InputRoot) => {
    const files = input.files;
    const readMedia = mediaReader(input.root);
    const relRoot = path.relative(options.cwd, input.root);
    const shownPaths = new Map<string, string>();
    const shown = (file: string) => {
      let text = shownPaths.get(file);
      if (text === undefined) {
        text = (relRoot ? `${relRoot}/${file}` : file).split(path.sep).join('/');
        shownPaths.set(file, text);
      }
      return text;
    };
    const report = (diagnostics: readonly Diagnostic[]) =>
      result.diagnostics.push(
        ...diagnostics.map((d) => ({
          ...d,
          file: shown(d.file),
          ...(d.related ? { related: { ...d.related, file: shown(d.related.file) } } : {}),
        })),
      );
    for (const { path: link, real } of input.skipped) {
      result.diagnostics.push({
        file: shown(link),
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'warning',
        rule: 'linked-folder-read',
        message: `Unexpected link to a folder already read (${path.relative(options.cwd, real) || '.'}); skipped, so that its cards are not compiled twice`,
      });
    }
    report(input.diagnostics ?? []);
    const cache = await openCache(input.root, options.cache ?? true);
    // Defaults filled in, so that equal options always give equal cache keys.
    const compileOptions: CompileOptions = {
      rootDeck: options.compile.rootDeck,
      tags: options.compile.tags ?? [],
      decks: options.compile.decks ?? {},
    };
    const keySalt = sourceSalt(salt, compileOptions);

    // Every file is keyed first: known by its stat (from the last build, or the cache's record
    // of it), or read and hashed.
    const states: SourceState[] = files.map((file) => ({
      file,
      bytes: undefined,
      size: 0,
      key: '',
      compiled: undefined,
      summary: undefined,
      deps: [],
      moved: false,
    }));
    const recorded = (await cache?.readSources()) ?? new Map<string, SourceStat>();
    const stats = new Map<string, SourceStat>();
    let reads = 0;
    await inLanes(
      files.length,
      16,
      async (i) => {
        const file = files[i]!;
        const known = options.memo?.sources.get(file.absolute) ?? recorded.get(file.absolute);
        if (known?.salt === keySalt && sameStat(known, file.stat)) {
          states[i]!.key = known.key;
          states[i]!.size = file.stat.size;
          stats.set(file.absolute, known);
          return;
        }
        const read = Date.now();
        try {
          states[i]!.bytes = await readInputFile(file);
        } catch (error) {
          result.unreadable.push(`${shown(file.path)}: ${(error as Error).message}`);
          return;
        }
        states[i]!.key = fileKey(keySalt, file.path, states[i]!.bytes!);
        states[i]!.size = states[i]!.bytes!.length;
        reads++;
        stats.set(file.absolute, { ...file.stat, salt: keySalt, key: states[i]!.key, read });
      },
      () => stopped,
    );
    checkAbort();
    for (const [file, known] of stats) memoNext.sources.set(file, known);
    // What a file's stat tells of its bytes holds whatever becomes of this build.
    if (reads > 0 || [...recorded.keys()].some((f) => !stats.has(f)))
      await cache?.saveSources(stats).catch(() => undefined);
    const lockPath = path.join(input.root, LOCK_FILE);
    // The lock file is hashed as bytes and decoded only when some scope is linked (see
    // build/previous-lock.ts).
    const lockBytes = await readLockBytes(lockPath);
    const index = (await cache?.readIndex()) ?? { summaries: new Map(), lock: null, writes: 0 };
    // Files the cache knows nothing of are compiled on workers: they boot while this thread
    // reads the lock file.
    if (jobs > 1 && states.filter((s) => !index.summaries.has(s.key)).length >= 2 * jobs)
      void getPool(true);
    const opened = PreviousLock.open(lockPath, lockBytes, {
      remembered: options.memo?.locks.get(lockPath),
      indexHash: index.lock?.hash,
    });
    report(opened.diagnostics);
    if (!opened.lock) {
      result.withheld.push(`${relRoot || '.'}: ${LOCK_FILE} has merge conflicts to resolve`);
      return;
    }
    const previous = opened.lock;

    // Compiled files, obtained on demand: from memory (watch), the cache, or compiled.
    for (const state of states) {
      state.summary = index.summaries.get(state.key);
      liveKeys.add(state.key);
    }
    // Progress: files and cards seen so far (the result counts cards once linked).
    let done = 0;
    let seen = result.cards;
    /** Cache entries this build adds (see prune below). */
    let writes = 0;
    const progress = (fileCount: number, cards: number) => {
      done = Math.min(files.length, done + fileCount);
      seen += cards;
      options.onFile?.(done, files.length, seen);
    };
    const settle = (i: number, out: CompiledFile, fileDeps: MediaDep[]) => {
      const state = states[i]!;
      state.compiled = out;
      state.bytes = undefined;
      state.summary = summarize(out);
      state.deps = fileDeps;
      if (options.memo && !state.moved)
        memoNext.files.set(state.key, { compiled: out, deps: fileDeps });
      progress(1, out.cards.length);
      if (options.bail && out.diagnostics.some((d) => d.severity === 'error')) {
        result.bailed = true;
        stop();
      }
    };
    /** Obtains the compiled files `wanted` (indexes): lookups first, then the misses compiled. */
    const obtain = async (wanted: readonly number[]) => {
      const misses: number[] = [];
      await inLanes(
        wanted.length,
        16,
        async (n) => {
          const i = wanted[n]!;
          if (states[i]!.compiled || !states[i]!.key) return;
          const memo = options.memo?.files.get(states[i]!.key);
          const hit = memo?.deps.every((d) => hashOf(readMedia(d.path)) === d.hash)
            ? memo
            : await cache?.getFile(states[i]!.key, readMedia);
          if (hit) settle(i, hit.compiled, hit.deps);
          else misses.push(i);
        },
        () => stopped,
      );
      // Largest first balances the workers (results still land in input order); --bail keeps
      // input order, one lane per job, so that with --jobs 1 it stops exactly at the first error.
      misses.sort((a, b) => (options.bail ? a - b : states[b]!.size - states[a]!.size || a - b));
      const parallel = misses.length >= 2 * jobs;
      const fresh: number[] = [];
      await inLanes(
        misses.length,
        options.bail ? jobs : jobs * 4,
        async (n) => {
          const i = misses[n]!;
          const file = files[i]!;
          let out: CompiledFile;
          let fileDeps: MediaDep[] = [];
          try {
            // A file known by its stat (watch mode) is read now, and may have changed since.
            let bytes = states[i]!.bytes;
            if (!bytes) {
              bytes = await readInputFile(file);
              if (fileKey(keySalt, file.path, bytes) !== states[i]!.key) states[i]!.moved = true;
            }
            const task = await (await getPool(parallel)).run({
              kind: 'compile',
              root: input.root,
              path: file.path,
              bytes,
              options: compileOptions,
              cache:
                cache && !cache.readOnly && !states[i]!.moved
                  ? { dir: cache.dir, key: states[i]!.key }
                  : null,
            });
            if (task.kind !== 'compile') throw new Error('unexpected task result');
            out = task.compiled;
            fileDeps = task.deps;
          } catch (error) {
            if (stopped) return;
            out = crashed(file.path, error as Error);
          }
          fresh.push(i);
          settle(i, out, fileDeps);
        },
        () => stopped,
      );
      for (const i of fresh.sort((a, b) => a - b)) result.compiled.push(shown(files[i]!.path));
      writes += fresh.length;
      checkAbort();
    };
    const obtained = () =>
      states.flatMap((state) => (state.compiled === undefined ? [] : [state.compiled]));
    const partial = () => {
      const got = obtained();
      report(got.flatMap((f) => f.diagnostics));
      result.cards += got.reduce((n, f) => n + f.cards.length, 0);
    };
    const withhold = (why: string) => {
      partial();
      result.withheld.push(`${relRoot || '.'}: ${why}`);
    };
    const crashedAny = () =>
      states.some((state) => state.compiled?.diagnostics.some((d) => d.rule === CRASH));

    // Files whose summary is not known yet are compiled first (all of them in a cold build),
    // and so are files without cards, for their diagnostics.
    const all = files.map((_, i) => i);
    await obtain(
      result.unreadable.length
        ? all
        : all.filter((i) => states[i]!.summary === undefined || states[i]!.summary!.scope === null),
    );
    result.files += files.length;
    if (result.bailed) return partial();
    // Linking without a file's cards would retire them all in the lock (and move them to a
    // Retired deck in Anki): report everything, write nothing for this input root.
    if (states.some((state) => !state.key)) return withhold('some files could not be read');
    if (crashedAny()) return withhold('deckc crashed on some files');

    // The project id that salts new GUIDs: pinned by the config, or the lock's, or made from
    // the cards of this first build (so that it too is reproducible).
    const firstProjectId = async () => {
      await obtain(all);
      return projectIdOf(obtained());
    };
    const lockProject = previous.project;
    const project = options.project ?? lockProject ?? (await firstProjectId());
    if (result.bailed) return partial();
    /** A diagnostic about the input root as a whole, reported at its lock file. */
    const atLock = (rule: string, message: string, severity: Severity = 'warning') =>
      result.diagnostics.push({
        file: shown(LOCK_FILE),
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity,
        rule,
        message,
      });
    if (options.project !== undefined && lockProject !== null && options.project !== lockProject)
      atLock(
        'lock-project',
        `Unexpected project id '${options.project}' in the config, expected the lock's '${lockProject}'; notes the lock knows keep their GUIDs, new ones get GUIDs of '${options.project}'`,
      );
    if (options.clock !== undefined) {
      // Anki 2.1.55–24.11 set an updated note's mtime to the import time: a build dated before
      // the last one (before the user's import) may not update anything.
      const newest = previous.newestMod();
      if (options.now > options.clock + 300)
        atLock(
          'clock-skew',
          `Unexpected SOURCE_DATE_EPOCH ${options.now}, ${options.now - options.clock} s in the future, expected a time in the past; Anki rejects or renumbers note ids from the future`,
        );
      else if (options.now < newest)
        atLock(
          'clock-skew',
          `Unexpected SOURCE_DATE_EPOCH ${options.now}, before the lock's newest change (${newest}), expected a later time; on Anki 2.1.55–24.11 notes changed now may not update a collection that imported a later build`,
        );
    }
    const resolveContext: ResolveContext = {
      project,
      now: options.now,
      taken: new Set(),
      keepRetired: KEEP_RETIRED_SECONDS,
    };

    // Scopes spelt one way each (Anki tells deck names apart without case): files first.
    const spell = scopeSpeller();
    const scopes = states.map(({ summary }) =>
      summary!.scope === null ? null : spell(summary!.scope),
    );
    const claims = claimIds(
      states.map(({ file, summary }, i) => ({
        path: file.path,
        summary: { ...summary!, scope: scopes[i]! },
      })),
      project,
    );
    // The slices of the lock depend on the explicit ids' owners and on how scopes are spelt.
    const owners = ownersKey(claims.owners, scopes);
    // The slices of the lock by scope, and their hashes: from the index while the lock file and
    // the explicit ids are as the last build left them.
    const known = previous.canonical && index.lock!.owners === owners ? index.lock! : null;
    let slices: Map<string, Record<string, LockEntry>> | undefined;
    const allSlices = () => {
      slices ??= sliceLock(previous.full(), claims.owners, spell);
      return slices;
    };
    // Outside watch mode, a lock file as the last build left it is read by lines, and only the
    // lines of scopes linked again are parsed.
    let byLine: { lines: LockLine[]; scopes: string[] } | null | undefined;
    const lockByLine = () => {
      if (byLine === undefined) {
        const lines = known && !options.memo && previous.lines();
        byLine = lines ? { lines, scopes: lineScopes(lines, claims.owners, spell) } : null;
      }
      return byLine;
    };
    const lineSlices = new Map<string, Record<string, LockEntry>>();
    const sliceOf = (scope: string) => {
      const read = lockByLine();
      if (!read) return allSlices().get(scope) ?? {};
      if (!lineSlices.has(scope)) {
        const slice: Record<string, LockEntry> = {};
        read.lines.forEach((line, n) => {
          if (read.scopes[n] === scope) slice[line.guid] = parseLockLine(line);
        });
        lineSlices.set(scope, slice);
      }
      return lineSlices.get(scope)!;
    };
    const sliceHash = (scope: string) =>
      known?.slices[scope] ?? (known ? EMPTY_SLICE : hashSlice(serializeEntries(sliceOf(scope))));
    const style = notetypeStyleHash();
    const notetype =
      known && known.notetype.style === style
        ? known.notetype
        : resolveNotetype(previous.full(), style, options.now);
    const byScope = new Map<string, number[]>();
    for (const i of all) {
      const scope = scopes[i]!;
      if (scope === null) report(states[i]!.compiled!.diagnostics);
      else if (byScope.has(scope)) byScope.get(scope)!.push(i);
      else byScope.set(scope, [i]);
    }
    const lockScopes = known ? Object.keys(known.slices) : [...allSlices().keys()];
    for (const scope of lockScopes) if (!byScope.has(scope)) byScope.set(scope, []);
    // Losing the lock is loud: an input root whose outputs or cache remain was built before.
    const builtBefore = async () => {
      for (const name of [...byScope.keys(), ...(options.bundle ? [options.bundle] : [])])
        if (await statOf(path.join(outDir, `${packageFileName(name)}.apkg`))) return true;
      return false;
    };
    if (previous.hash === null && (index.lock !== null || (await builtBefore())))
      atLock(
        'lock-missing',
        `Unexpected missing ${LOCK_FILE} in an input root built before (its cache or its outputs remain), expected it beside the sources; every card gets a new GUID and imports into Anki as a duplicate: restore it (\`git checkout -- ${LOCK_FILE}\`) before building again`,
      );
    const idDiagnostics = new Map<string, Diagnostic[]>();
    for (const d of claims.diagnostics) {
      if (idDiagnostics.has(d.file)) idDiagnostics.get(d.file)!.push(d);
      else idDiagnostics.set(d.file, [d]);
    }

    /** The cache key of a scope's record (see build/keys.ts). */
    const scopeKey = (scope: string, slice: string) => {
      const indexes = byScope.get(scope)!;
      const parts = {
        salt,
        write: options.write,
        formats: options.formats,
        notetype,
        project,
        scope,
        fileKeys: indexes.map((i) => states[i]!.key),
        idDiagnostics: indexes.flatMap((i) => idDiagnostics.get(files[i]!.path) ?? []),
      };
      return scopeRecordKey(parts, slice);
    };

    // Scopes whose record is in the cache, with what restoring their outputs takes.
    const bundled = options.bundle !== undefined;
    const written = (await cache?.readWritten()) ?? new Map<string, WrittenOutput>();
    /** Whether a file deckc wrote is still as it left it, judged by its stat (as git does). */
    const intact = async (target: string, blob: string) => {
      const now = await statOf(target);
      const last = written.get(target);
      return !!now && last?.blob === blob && last.size === now.size && last.mtimeMs === now.mtimeMs;
    };
    const restoring = new Map<string, Uint8Array>();
    const reused = new Map<string, { key: string; record: ScopeRecord; outputs: Output[] }>();
    if (cache && !bundled) {
      await Promise.all(
        [...byScope.keys()].map(async (scope) => {
          const key = scopeKey(scope, sliceHash(scope));
          const record = await cache.getScope(key);
          if (!record?.deps.every((d) => hashOf(readMedia(d.path)) === d.hash)) return;
          if (record.until !== undefined && options.now > record.until) return;
          const outputs: Output[] = [];
          for (const { base, format, blob } of record.outputs) {
            outputs.push({ base, format: format as Format, blob, temp: null });
            if (!options.write || (await intact(path.join(outDir, `${base}.${format}`), blob)))
              continue;
            // An output deleted or edited since: restored from its blob, if the cache has it;
            // otherwise the scope is linked and emitted again.
            const data = await cache.readBlob(blob);
            if (!data) return;
            restoring.set(blob, data);
          }
          reused.set(scope, { key, record, outputs });
        }),
      );
    }
    checkAbort();

    for (const scope of reused.keys())
      for (const i of byScope.get(scope)!) states[i]!.bytes = undefined;

    // The other scopes are linked (in scope order, on this thread) and emitted.
    const linking = [...byScope.keys()].filter((scope) => !reused.has(scope));
    // A lone large package (its slice of the lock tells) has its .apkg written by a worker that
    // boots while this thread links, and writes the other formats meanwhile.
    const lines = linking.length === 1 && jobs > 1 && options.write ? lockByLine() : null;
    if (
      lines &&
      !options.pool &&
      lines.scopes.filter((s) => s === linking[0]).length >= HELPER_NOTES
    )
      void getHelper();
    await obtain(linking.flatMap((scope) => byScope.get(scope)!));
    if (result.bailed) return partial();
    if (crashedAny()) return withhold('deckc crashed on some files');
    result.linked.push(...linking);
    if (linking.length > 0) options.onPhase?.({ name: 'linking', scopes: linking.length });
    const links = linking.map((scope) => {
      const scopeFiles = byScope.get(scope)!.map((i) => states[i]!.compiled!);
      const link = linkScope(scope, scopeFiles, sliceOf(scope), resolveContext, claims.diagnostics);
      const hash = hashSlice(serializeEntries(link.entries));
      return { scope, files: scopeFiles, link, hash, same: hash === sliceHash(scope) };
    });
    const packages: { pkg: LinkedPackage; scopes: string[] }[] = bundled
      ? [
          {
            pkg: pack(
              options.bundle!,
              links.map((l) => l.link),
              obtained(),
              claims.diagnostics,
            ),
            scopes: linking,
          },
        ]
      : links.map(({ scope, files: scopeFiles, link }) => ({
          pkg: pack(scope, [link], scopeFiles, claims.diagnostics),
          scopes: [scope],
        }));
    const emitting = packages.filter(({ pkg }) => pkg.notes.length + pkg.retired.length > 0);

    // The next lock: reused scopes keep their slices (their records are settled).
    const sliceHashes = new Map<string, string>();
    for (const scope of reused.keys()) sliceHashes.set(scope, sliceHash(scope));
    for (const { scope, hash } of links) sliceHashes.set(scope, hash);
    const unchanged =
      previous.canonical &&
      project === lockProject &&
      links.every((l) => l.same) &&
      notetype === (known ?? previous.full())?.notetype;
    const entries: Record<string, LockEntry> = {};
    // The next lock file's text: null when it is the previous one.
    let lockText: string | null = null;
    const read = unchanged ? null : lockByLine();
    if (read) {
      const kept = read.lines.filter((_, n) => reused.has(read.scopes[n]!));
      const linked = Object.assign({}, ...links.map((l) => l.link.entries));
      lockText = serializeLockLines({ project, notetype }, kept, linked);
    } else if (!unchanged) {
      for (const scope of reused.keys()) Object.assign(entries, sliceOf(scope));
      for (const { link } of links) Object.assign(entries, link.entries);
      lockText = serializeLock({ project, notetype, notes: entries });
    }
    const lockHash = lockText === null ? previous.hash! : sha256(lockText);
    // An input root that has no cards and never had a lock gets none, nor a cache: a build of
    // it writes nothing at all.
    const notes = (n: number, { link }: { link: ScopeLink }) =>
      n + link.notes.length + link.retired.length;
    const empty =
      previous.hash === null &&
      links.reduce(notes, 0) === 0 &&
      [...reused.values()].every(({ record }) => record.cards + record.retired === 0);
    // A lock file that differs only in layout is rewritten in canonical form, but --frozen
    // compares contents.
    const stale =
      !empty &&
      (previous.hash === null ||
        (lockHash !== previous.hash &&
          (!options.frozen ||
            serializeLock({ ...previous.full()!, project: lockProject ?? '' }) !== lockText)));
    const diagnosticsOf = (scope: string, link: ScopeLink) =>
      byScope
        .get(scope)!
        .flatMap((i) => [
          ...states[i]!.compiled!.diagnostics,
          ...(idDiagnostics.get(files[i]!.path) ?? []),
        ])
        .concat(link.diagnostics);
    for (const { scope, link } of links) {
      report(diagnosticsOf(scope, link));
      result.cards += link.notes.length;
      result.retired += link.retired.length;
    }
    result.packages += emitting.length;
    for (const { record } of reused.values()) {
      report(record.diagnostics);
      result.cards += record.cards;
      result.retired += record.retired;
      result.packages += record.packages;
      progress(record.files, record.cards);
    }
    if (options.frozen && stale) {
      atLock(
        'lock-stale',
        previous.hash !== null
          ? 'Unexpected change of card identities or contents, expected the committed lock file to match; run `deckc build` and commit deckc.lock.json'
          : 'Unexpected missing lock file, expected deckc.lock.json; run `deckc build` and commit it',
        'error',
      );
    }

    // Emit: every format of every package that is not in the cache already.
    // In package order, whichever finishes emitting first: the renames (and the `wrote` lines)
    // follow this map's order.
    const outputs = new Map<string, Output[]>(
      emitting.flatMap(({ scopes }) => scopes.map((scope): [string, Output[]] => [scope, []])),
    );
    const used = new Set(states.map((state) => state.key));
    if (options.write && !(options.frozen && stale)) {
      const names = [
        ...emitting.flatMap(({ pkg }) => {
          const base = packageFileName(pkg.name);
          return shipsRetired(pkg, options.formats) ? [base, retiredBase(base)] : [base];
        }),
        ...[...reused.values()].flatMap((r) => r.outputs.map((o) => o.base)),
      ];
      for (const base of new Set(names)) {
        const owner = claimed.get(base);
        if (owner !== undefined && owner !== input.root) {
          conflicted = true;
          atLock(
            'output-conflict',
            `Unexpected second input root writing '${base}' into ${path.relative(options.cwd, outDir) || '.'}, expected one per output file (the first is ${path.relative(options.cwd, owner) || '.'}); nothing was written: build them into separate --out folders, or rename a deck`,
            'error',
          );
        }
        claimed.set(base, input.root);
      }
      const keyOf = new Map(states.map((state) => [state.file.path, state.key]));
      const linkedEntries = Object.assign({}, ...links.map((l) => l.link.entries));
      const plans = await Promise.all(
        emitting.map(({ pkg }) =>
          planOutputs(
            pkg,
            options.formats,
            cache,
            cache ? packageKey(pkg, linkedEntries, notetype, keyOf, salt) : '',
          ),
        ),
      );
      const toEmit = plans.filter(hasMissing).length;
      if (toEmit > 0) options.onPhase?.({ name: 'writing', packages: toEmit });
      // .apkg files go to workers (started when several packages are emitted), other formats
      // are written here.
      const emitPool = (formats: readonly Format[]) =>
        stopped
          ? Promise.reject(new Interrupted())
          : formats.includes('apkg')
            ? toEmit >= 2 || options.pool || !helper
              ? getPool((toEmit >= 2 && jobs > 1) || !!options.pool)
              : getHelper()
            : here();
      await ensureFolder(outDir);
      // Emitted outputs are staged as temporary files beside their targets at once (so that
      // their bytes need not stay in memory) and renamed into place together at the end.
      const stage = async (base: string, format: Format, bytes: Uint8Array) => {
        const temp = await stageFile(path.join(outDir, `${base}.${format}`), bytes);
        staged.push(temp);
        return temp;
      };
      for (const plan of plans) for (const { key } of plan.outputs) used.add(key);
      // A few packages at a time, enough to keep every thread busy: an emitted output is bytes
      // in memory until staged, and all 100 packages of 135,000 cards at once peaked ~0.2 GB
      // higher.
      await inLanes(
        plans.length,
        2 * jobs,
        async (n) => {
          const emitted = await emitPlanned(plans[n]!, notetype, cache, emitPool, stage);
          for (const scope of emitting[n]!.scopes) outputs.set(scope, emitted);
        },
        () => stopped,
      );
      for (const [scope, r] of reused) outputs.set(scope, r.outputs);
    }
    checkAbort();
    if (options.bail && result.diagnostics.some((d) => d.severity === 'error')) {
      result.bailed = true;
      return;
    }
    // The rest runs once every input root is staged, and not if one of them failed: renames,
    // the lock, the cache's records. Past this point the build is no longer interruptible.
    return () => commitRoot();
    async function commitRoot(): Promise<void> {
      if (options.write && !(options.frozen && stale)) {
        let record = false;
        const done = new Set<string>();
        for (const list of outputs.values()) {
          for (const { base, format, blob, temp } of list) {
            const target = path.join(outDir, `${base}.${format}`);
            if (done.has(target)) continue; // a bundle, listed under each of its scopes
            done.add(target);
            result.written.push(path.relative(options.cwd, target));
            if (temp) await putInPlace(temp, target);
            else {
              // Cached output: rewrite only if the file on disk is not that blob.
              if (await intact(target, blob)) continue;
              const current = await readIfThere(target);
              if (!current || sha256(current) !== blob) {
                const data = restoring.get(blob) ?? (await cache!.readBlob(blob));
                if (!data)
                  throw new Error(`the build cache lost a blob while building; build again`);
                await writeAtomic(target, data);
              }
            }
            const after = (await statOf(target))!;
            written.set(target, { blob, size: after.size, mtimeMs: after.mtimeMs });
            record = true;
          }
        }
        // A package that no longer has retirements leaves no stale retirements file behind.
        if (options.formats.includes('apkg'))
          for (const list of outputs.values()) {
            const base = list[0]?.base;
            if (base === undefined || list.some((o) => o.base === retiredBase(base))) continue;
            const target = path.join(outDir, `${retiredBase(base)}.apkg`);
            if (done.has(target) || !(await statOf(target))) continue;
            done.add(target);
            await discard(target);
            written.delete(target);
            record = true;
          }
        if (cache && record) await cache.saveWritten(written).catch(() => undefined);
        if (stale && lockText !== null) await writeIfChanged(lockPath, lockText);
      }
      // Watch mode keeps the lock file on disk parsed, so that the next build need not parse it.
      const onDisk = options.write && stale && !options.frozen ? lockHash : previous.hash;
      if (options.memo && onDisk !== null) {
        const parsed = previous.parsedSoFar();
        if (unchanged && parsed) memoNext.locks.set(lockPath, { hash: onDisk, lock: parsed });
        else if (!unchanged && onDisk === lockHash)
          memoNext.locks.set(lockPath, {
            hash: onDisk,
            lock: { lockfileVersion: 2, project, notetype, notes: entries },
          });
      }
      const memo = options.memo;
      if (memo) {
        memoNext.preload.push(async (signal) => {
          for (const { key } of states) {
            if (signal.aborted) return;
            if (memo.files.has(key)) continue;
            const hit = await cache?.getFile(key, readMedia);
            if (hit) memo.files.set(key, hit);
          }
          if (signal.aborted) return;
          const hash = previous.hash;
          if (onDisk === hash && hash !== null && !memo.locks.has(lockPath)) {
            const lock = previous.full();
            if (lock) memo.locks.set(lockPath, { hash, lock });
          }
        });
      }
      if (empty && cache?.created) await cache.remove();
      if (!cache || empty || (options.frozen && stale)) return;

      // Settled scopes are recorded under the key of the next build's slice, their own output.
      for (const { key } of reused.values()) used.add(key);
      for (const { scope, link } of links) {
        if (!link.settled || bundled) continue;
        const key = scopeKey(scope, sliceHashes.get(scope)!);
        used.add(key);
        const indexes = byScope.get(scope)!;
        const record: ScopeRecord = {
          files: indexes.length,
          cards: link.notes.length,
          retired: link.retired.length,
          packages: link.notes.length + link.retired.length > 0 ? 1 : 0,
          diagnostics: diagnosticsOf(scope, link),
          deps: [
            ...new Map(indexes.flatMap((i) => states[i]!.deps).map((d) => [d.path, d])).values(),
          ],
          outputs: (outputs.get(scope) ?? []).map(({ base, format, blob }) => ({
            base,
            format,
            blob,
          })),
        };
        for (const e of Object.values(link.entries))
          if (e.retired !== undefined)
            record.until = Math.min(
              record.until ?? Infinity,
              e.retired + resolveContext.keepRetired,
            );
        await cache.putScope(key, record).catch(() => undefined);
        writes++;
      }
      // Listing the cache to prune it costs more than a small rebuild: it is done once the entries
      // added since the last listing could make the unused ones outnumber the used ones.
      writes += [...outputs.values()].flat().filter((o) => o.temp !== null).length;
      const listing = index.writes + writes >= used.size / 2;
      await cache
        .saveIndex({
          summaries: new Map(states.map((state) => [state.key, state.summary!])),
          lock: {
            hash: lockHash,
            owners,
            notetype,
            slices: Object.fromEntries([...sliceHashes].filter(([, h]) => h !== EMPTY_SLICE)),
          },
          writes: listing ? 0 : index.writes + writes,
        })
        .catch(() => undefined);
      if (!listing) return;
      const blobs = new Set<string>();
      for (const list of outputs.values()) for (const o of list) blobs.add(o.blob);
      for (const f of obtained()) for (const m of f.media) blobs.add(sha256(m.data));
      for (const { record } of reused.values()) {
        for (const o of record.outputs) blobs.add(o.blob);
        // The media its files show, so that their cache entries stay whole.
        for (const d of record.deps) if (d.hash) blobs.add(d.hash);
      }
      await cache.prune({ keys: used, blobs }).catch(() => 0);
    }
  };

  try {
    const commits: (() => Promise<void>)[] = [];
    // Every path counts: files stand for their project's root, globs are expanded (io/input.ts).
    const inputs = await collectInputs(options.paths, options.cwd, options.ignore);
    for (const input of inputs) {
      checkAbort();
      const commit = await buildRoot(input);
      if (commit) commits.push(commit);
      if (result.bailed) break;
    }
    checkAbort();
    if (!result.bailed && !conflicted) for (const commit of commits) await commit();
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof IoError)) throw new Interrupted();
    throw error;
  } finally {
    // Staged outputs not renamed into place (an error or an interrupt): removed.
    await Promise.all(staged.map((temp) => discard(temp)));
    options.signal?.removeEventListener('abort', stop);
    if (pool) await (await pool).close();
    if (helper) await (await helper).close();
  }
  if (options.memo) {
    for (const [k, v] of options.memo.files)
      if (liveKeys.has(k) && !memoNext.files.has(k)) memoNext.files.set(k, v);
    Object.assign(options.memo, memoNext);
  }
  result.diagnostics.sort(compareDiagnostics);
  return result;
}

async function openCache(root: string, mode: boolean | 'read'): Promise<BuildCache | null> {
  if (mode === false) return null;
  const cache = new BuildCache(path.join(root, CACHE_DIR), mode === 'read');
  // A cache folder that cannot be created (read-only checkout) only costs speed.
  return cache.init().then(
    () => cache,
    () => null,
  );
}

const CRASH = 'internal-error';

/**
 * Notes from which a lone package's .apkg is worth a worker of its own: measured on the real
 * corpus's 7,000-note deck, ~0.3 s of a 3 s rebuild saved; at 1,350 notes it cost 0.1 s more.
 */
const HELPER_NOTES = 3000;

const hashOf = (data: Uint8Array | null) => (data ? sha256(data) : null);

/** A file the compiler threw on: a bug in deckc, reported on the file so the others go on. */
function crashed(file: string, error: Error): CompiledFile {
  const first = `${error.name ?? 'Error'}: ${(error.message ?? String(error)).split('\n')[0]}`;
  return {
    path: file,
    cards: [],
    media: [],
    diagnostics: [
      {
        file,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        rule: CRASH,
        message: `Unexpected crash of deckc while compiling this file (${first}); the other files were built — please report this bug with the file`,
      },
    ],
  };
}
