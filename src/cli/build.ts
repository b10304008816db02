import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type CompiledFile,
  type CompileOptions,
  emitPackage,
  type Format,
  type LinkedPackage,
  linkProject,
} from '../compile.js';
import { packageFileName } from '../decks/name.js';
import { compareDiagnostics } from '../diagnostics/report.js';
import { LOCK_FILE, type Lock, serializeLock } from '../identity/lock.js';
import { BuildCache, CACHE_DIR, compilerFingerprint, fileKey, sha256 } from '../io/cache.js';
import { collectInput, IoError, mediaReader, readInputFile } from '../io/input.js';
import { readLock } from '../io/lock-file.js';
import { createPool, type Pool } from '../io/pool.js';
import { writeAtomic, writeIfChanged } from '../io/write.js';
import type { Diagnostic } from '../validate/schema.js';

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
  rootDeck: string;
  /** Seconds since the epoch. */
  now: number;
  /** Worker threads for compiling and emitting; 1 (the default) runs everything in this thread. */
  jobs?: number;
  /** Use and fill `.deckc-cache/` in each input root (default true). */
  cache?: boolean;
  /** Stop at the first file with an error: nothing is written. */
  bail?: boolean;
  /** Aborting stops the build before anything is written and makes it throw `Interrupted`. */
  signal?: AbortSignal;
  /** Compiled files kept in memory between builds (watch mode), by cache key. */
  memo?: Map<string, CompiledFile>;
  /** Called after each file is compiled or found in the cache. */
  onFile?: (done: number, total: number, cards: number) => void;
}

export interface BuildResult {
  files: number;
  cards: number;
  packages: number;
  retired: number;
  diagnostics: Diagnostic[];
  written: string[];
  /** Files actually compiled (not served from the cache or memo), as shown in diagnostics. */
  compiled: string[];
  /** Files that could not be read: a tool error (exit 2), and nothing was written. */
  unreadable: string[];
  /** --bail stopped the build at a file with an error; nothing was written. */
  bailed: boolean;
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
    unreadable: [],
    bailed: false,
  };
  const outDir = path.resolve(options.cwd, options.out);
  const claimed = new Map<string, string>();
  const jobs = Math.max(1, options.jobs ?? 1);
  const salt = options.cache === false ? '' : compilerFingerprint();
  const memoNext = new Map<string, CompiledFile>();
  // Workers start only when something misses the cache: an unchanged rebuild spawns none.
  let pool: Promise<Pool> | null = null;
  const getPool = () => {
    pool ??= createPool(jobs);
    return pool;
  };
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (pool) void pool.then((p) => p.close());
  };
  options.signal?.addEventListener('abort', stop);
  const checkAbort = () => {
    if (options.signal?.aborted) throw new Interrupted();
  };

  try {
    for (const arg of options.paths) {
      checkAbort();
      const input = await collectInput(arg, options.cwd);
      const readMedia = mediaReader(input.root);
      const relRoot = path.relative(options.cwd, input.root);
      const shown = (file: string) =>
        (relRoot ? `${relRoot}/${file}` : file).split(path.sep).join('/');
      const cache = await openCache(input.root, options.cache !== false);
      const compileOptions: CompileOptions = { rootDeck: options.rootDeck };
      const keySalt = `${salt}\u0000${JSON.stringify(compileOptions)}`;

      // Compile: a few lanes claim files in order; each file is a memo hit, a cache hit or a task.
      const compiled: (CompiledFile | undefined)[] = new Array(input.files.length);
      const recompiled: number[] = [];
      let done = 0;
      let next = 0;
      const compileOne = async (i: number) => {
        const file = input.files[i]!;
        let bytes: Uint8Array;
        try {
          bytes = await readInputFile(file);
        } catch (error) {
          result.unreadable.push(`${shown(file.path)}: ${(error as Error).message}`);
          return;
        }
        const key = fileKey(keySalt, file.path, bytes);
        let out = options.memo?.get(key) ?? (await cache?.getFile(key, readMedia))?.compiled;
        if (!out) {
          if (stopped) return;
          try {
            const task = await (await getPool()).run({
              kind: 'compile',
              root: input.root,
              path: file.path,
              bytes,
              options: compileOptions,
              cache: cache ? { dir: cache.dir, key } : null,
            });
            if (task.kind !== 'compile') throw new Error('unexpected task result');
            out = task.compiled;
          } catch (error) {
            if (stopped) return;
            out = crashed(file.path, error as Error);
          }
          recompiled.push(i);
        }
        compiled[i] = out;
        memoNext.set(key, out);
        result.cards += out.cards.length;
        options.onFile?.(++done, input.files.length, result.cards);
        if (options.bail && out.diagnostics.some((d) => d.severity === 'error')) {
          result.bailed = true;
          stop();
        }
      };
      // Lanes overlap reads and cache lookups with compiling; --bail keeps one per job so that
      // with --jobs 1 it stops exactly at the first file with an error.
      const lanes = options.bail ? jobs : Math.max(8, jobs * 4);
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < input.files.length && !stopped) await compileOne(next++);
        }),
      );
      checkAbort();
      result.files += input.files.length;
      for (const i of recompiled.sort((a, b) => a - b))
        result.compiled.push(shown(input.files[i]!.path));

      if (result.bailed) {
        const partial = compiled.filter((f): f is CompiledFile => f !== undefined);
        result.diagnostics.push(
          ...partial.flatMap((f) => f.diagnostics).map((d) => ({ ...d, file: shown(d.file) })),
        );
        break;
      }
      if (result.unreadable.length) {
        // Linking without a file would retire all its cards in the lock: report, write nothing.
        const partial = compiled.filter((f): f is CompiledFile => f !== undefined);
        result.diagnostics.push(
          ...partial.flatMap((f) => f.diagnostics).map((d) => ({ ...d, file: shown(d.file) })),
        );
        continue;
      }

      const files = compiled as CompiledFile[];
      const previous = await readLock(input.root);
      const linked = linkProject(files, previous, { now: options.now, bundle: options.bundle });
      const diagnostics = [...files.flatMap((f) => f.diagnostics), ...linked.diagnostics];
      const lockText = serializeLock(linked.lock);
      const lockPath = path.join(input.root, LOCK_FILE);
      const stale = previous === null || serializeLock(previous) !== lockText;
      if (options.frozen && stale) {
        diagnostics.push({
          file: LOCK_FILE,
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 1,
          severity: 'error',
          rule: 'lock-stale',
          message: previous
            ? 'Unexpected change of card identities or contents, expected the committed lock file to match; run `deckc build` and commit deckc.lock.json'
            : 'Unexpected missing lock file, expected deckc.lock.json; run `deckc build` and commit it',
        });
      }
      result.diagnostics.push(...diagnostics.map((d) => ({ ...d, file: shown(d.file) })));
      result.packages += linked.packages.length;
      result.retired += linked.retired;
      if (!options.write || (options.frozen && stale)) continue;

      for (const pkg of linked.packages) {
        const base = packageFileName(pkg.name);
        const owner = claimed.get(base);
        if (owner !== undefined && owner !== input.root) {
          throw new Error(
            `two inputs both produce the package '${base}'; build them separately or use --bundle`,
          );
        }
        claimed.set(base, input.root);
      }
      const outputs = await Promise.all(
        linked.packages.map((pkg) =>
          emitCached(pkg, options.formats, linked.lock, cache, salt, () =>
            stopped ? Promise.reject(new Interrupted()) : getPool(),
          ),
        ),
      );
      // Past this point the build is no longer interruptible: a few renames and the lock.
      checkAbort();
      for (const [i, pkg] of linked.packages.entries()) {
        for (const [format, bytes] of outputs[i]!) {
          const target = path.join(outDir, `${packageFileName(pkg.name)}.${format}`);
          if (typeof bytes === 'string') {
            // Cached output: the hash of the bytes; rewrite only if the file on disk differs.
            const current = await readFile(target).catch(() => null);
            if (!current || sha256(current) !== bytes) {
              const data = await cache!.readBlob(bytes);
              if (data) await writeAtomic(target, data);
              else
                await writeAtomic(
                  target,
                  (await emitPackage(pkg, [format], linked.lock)).get(format)!,
                );
            }
          } else await writeAtomic(target, bytes);
          result.written.push(path.relative(options.cwd, target));
        }
      }
      if (stale) await writeIfChanged(lockPath, lockText);
    }
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof IoError)) throw new Interrupted();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    if (pool) await (await pool).close();
  }
  if (options.memo) {
    options.memo.clear();
    for (const [k, v] of memoNext) options.memo.set(k, v);
  }
  result.diagnostics.sort(compareDiagnostics);
  return result;
}

async function openCache(root: string, enabled: boolean): Promise<BuildCache | null> {
  if (!enabled) return null;
  const cache = new BuildCache(path.join(root, CACHE_DIR));
  // A cache folder that cannot be created (read-only checkout) only costs speed.
  return cache.init().then(
    () => cache,
    () => null,
  );
}

/** A file the compiler threw on: a bug in deckc, reported on the file so the others go on. */
function crashed(file: string, error: Error): CompiledFile {
  const first = (error.message || String(error)).split('\n')[0];
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
        rule: 'internal-error',
        message: `Unexpected crash of deckc while compiling this file (${first}); the other files were built — please report this bug with the file`,
      },
    ],
  };
}

/**
 * The key of one emitted output: everything the emitter reads (the package, the note type's mod,
 * the format) plus the compiler fingerprint.
 */
function outputKey(pkg: LinkedPackage, format: Format, lock: Lock, salt: string): string {
  const hash = createHash('sha256').update(
    `${salt}\u0000${format}\u0000${lock.notetype.mod}\u0000`,
  );
  hash.update(JSON.stringify(pkg.name));
  for (const note of pkg.notes) hash.update(JSON.stringify(note));
  for (const card of pkg.cards) hash.update(JSON.stringify(card));
  for (const m of pkg.media) hash.update(`${m.name}\u0000${sha256(m.data)}`);
  return hash.digest('hex');
}

/**
 * A package's outputs: a string (the blob hash) for each output found in the cache, bytes for
 * each output emitted now (on a worker) and stored in the cache.
 */
async function emitCached(
  pkg: LinkedPackage,
  formats: readonly Format[],
  lock: Lock,
  cache: BuildCache | null,
  salt: string,
  getPool: () => Promise<Pool>,
): Promise<[Format, Uint8Array | string][]> {
  const found = new Map<Format, string>();
  const keys = new Map<Format, string>();
  if (cache) {
    for (const format of formats) {
      const key = outputKey(pkg, format, lock, salt);
      keys.set(format, key);
      const hash = await cache.getOutputHash(key);
      if (hash) found.set(format, hash);
    }
  }
  const missing = formats.filter((f) => !found.has(f));
  const emitted = new Map<Format, Uint8Array>();
  if (missing.length) {
    const task = await (await getPool()).run({
      kind: 'emit',
      pkg,
      formats: missing,
      notetype: lock.notetype,
    });
    if (task.kind !== 'emit') throw new Error('unexpected task result');
    for (const [format, bytes] of task.outputs) {
      emitted.set(format, bytes);
      await cache?.putOutput(keys.get(format)!, bytes).catch(() => undefined);
    }
  }
  return formats.map((f) => [f, found.get(f) ?? emitted.get(f)!]);
}
