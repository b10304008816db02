import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
import {
  BuildCache,
  CACHE_DIR,
  compilerFingerprint,
  fileKey,
  type LinkManifest,
  type MediaDep,
  sha256,
  type WrittenOutput,
} from '../io/cache.js';
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
  /** Globs of Markdown files to skip, relative to each input root. */
  ignore: readonly string[];
  compile: CompileOptions;
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
  memo?: Memo;
  /** Called after each file is compiled or found in the cache. */
  onFile?: (done: number, total: number, cards: number) => void;
}

/** Compiled files with the media they read (checked again on every hit), by cache key. */
export type Memo = Map<string, { compiled: CompiledFile; deps: MediaDep[] }>;

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
  /** Input roots not written, with the reason (an unreadable file, a compiler crash). */
  withheld: string[];
  /** --bail stopped the build at a file with an error; nothing was written. */
  bailed: boolean;
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
    withheld: [],
    bailed: false,
  };
  const outDir = path.resolve(options.cwd, options.out);
  const claimed = new Map<string, string>();
  const jobs = Math.max(1, options.jobs ?? 1);
  const salt = options.cache === false ? '' : compilerFingerprint();
  const memoNext: Memo = new Map();
  const staged: string[] = [];
  // Workers start only when there is enough work for them: an unchanged rebuild spawns none.
  let pool: Promise<Pool> | null = null;
  let local: Promise<Pool> | null = null;
  const getPool = (parallel: boolean) => {
    if (parallel || pool) {
      pool ??= createPool(jobs);
      return pool;
    }
    local ??= createPool(1);
    return local;
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

  /**
   * An unchanged rebuild in one step. The manifest of a build is stored when that build left the
   * lock file as it was: then no value in it came from `now` (linkProject only uses `now` for
   * mods and retirements, which it records in the lock), so the same files (keys) and the same
   * lock text (both in the manifest key) link to the same packages. Replaying checks the media
   * the files read and restores outputs from their blobs; if any blob is gone, it gives up
   * before writing anything and the build runs in full.
   */
  const replayManifest = async (
    cache: BuildCache,
    key: string,
    root: string,
    readMedia: (path: string) => Uint8Array | null,
  ): Promise<boolean> => {
    const manifest = await cache.getManifest(key);
    if (!manifest) return false;
    if (!manifest.deps.every((d) => hashOf(readMedia(d.path)) === d.hash)) return false;
    const written = await cache.readWritten();
    const restore: [string, Uint8Array][] = [];
    for (const { base, format, blob } of manifest.outputs) {
      const owner = claimed.get(base);
      if (owner !== undefined && owner !== root) return false; // the full build reports it
      const target = path.join(outDir, `${base}.${format}`);
      const now = await stat(target).catch(() => null);
      const last = written.get(target);
      if (now && last?.blob === blob && last.size === now.size && last.mtimeMs === now.mtimeMs)
        continue;
      const data = await cache.readBlob(blob);
      if (!data) return false;
      restore.push([target, data]);
    }
    checkAbort();
    const relRoot = path.relative(options.cwd, root);
    const shown = (file: string) =>
      (relRoot ? `${relRoot}/${file}` : file).split(path.sep).join('/');
    for (const { base, format } of manifest.outputs) {
      claimed.set(base, root);
      result.written.push(path.relative(options.cwd, path.join(outDir, `${base}.${format}`)));
    }
    for (const [target, data] of restore) {
      await writeAtomic(target, data);
      const after = await stat(target);
      written.set(target, { blob: sha256(data), size: after.size, mtimeMs: after.mtimeMs });
    }
    if (restore.length) await cache.saveWritten(written).catch(() => undefined);
    result.files += manifest.files;
    result.cards += manifest.cards;
    result.packages += manifest.packages;
    result.retired += manifest.retired;
    result.diagnostics.push(...manifest.diagnostics.map((d) => ({ ...d, file: shown(d.file) })));
    options.onFile?.(manifest.files, manifest.files, result.cards);
    return true;
  };

  try {
    for (const arg of options.paths) {
      checkAbort();
      const input = await collectInput(arg, options.cwd, options.ignore);
      const readMedia = mediaReader(input.root);
      const relRoot = path.relative(options.cwd, input.root);
      const shown = (file: string) =>
        (relRoot ? `${relRoot}/${file}` : file).split(path.sep).join('/');
      const cache = await openCache(input.root, options.cache !== false);
      // Defaults filled in, so that equal options always give equal cache keys.
      const compileOptions: CompileOptions = {
        rootDeck: options.compile.rootDeck,
        tags: options.compile.tags ?? [],
        decks: options.compile.decks ?? {},
      };
      const keySalt = `${salt}\u0000${JSON.stringify(compileOptions)}`;

      // Compile, in two passes. First every file is read and looked up (memo, then disk cache);
      // then the misses are compiled: on worker threads when there are enough of them to pay
      // for starting the workers, in this thread otherwise (a one-file change spawns nothing).
      const compiled: (CompiledFile | undefined)[] = input.files.map(() => undefined);
      const misses: { i: number; bytes: Uint8Array; key: string }[] = [];
      const fileKeys = new Map<string, string>();
      const mediaDeps = new Map<string, MediaDep>();
      let rootCards = 0;
      let done = 0;

      // Every file is read and keyed first.
      const sources: (Uint8Array | undefined)[] = input.files.map(() => undefined);
      const keys: string[] = input.files.map(() => '');
      await inLanes(
        input.files.length,
        16,
        async (i) => {
          const file = input.files[i]!;
          try {
            sources[i] = await readInputFile(file);
          } catch (error) {
            result.unreadable.push(`${shown(file.path)}: ${(error as Error).message}`);
            return;
          }
          keys[i] = fileKey(keySalt, file.path, sources[i]!);
          fileKeys.set(file.path, keys[i]!);
        },
        () => stopped,
      );
      checkAbort();
      const lockPath = path.join(input.root, LOCK_FILE);
      const previousText = await readFile(lockPath, 'utf8').catch(() => null);
      const manifestKey =
        cache && !options.memo && !options.bail && fileKeys.size === input.files.length
          ? sha256(
              `${JSON.stringify([salt, options.bundle ?? null, options.write, options.formats, keys])}\u0000${previousText}`,
            )
          : null;
      if (manifestKey && (await replayManifest(cache!, manifestKey, input.root, readMedia))) {
        continue;
      }

      const settle = (i: number, key: string, out: CompiledFile, deps: MediaDep[]) => {
        compiled[i] = out;
        if (options.memo) memoNext.set(key, { compiled: out, deps });
        for (const d of deps) mediaDeps.set(d.path, d);
        rootCards += out.cards.length;
        result.cards += out.cards.length;
        options.onFile?.(++done, input.files.length, result.cards);
        if (options.bail && out.diagnostics.some((d) => d.severity === 'error')) {
          result.bailed = true;
          stop();
        }
      };
      const lookUp = async (i: number) => {
        const bytes = sources[i];
        if (!bytes) return; // unreadable
        sources[i] = undefined;
        const key = keys[i]!;
        const memo = options.memo?.get(key);
        const hit = memo?.deps.every((d) => hashOf(readMedia(d.path)) === d.hash)
          ? memo
          : await cache?.getFile(key, readMedia);
        if (hit) settle(i, key, hit.compiled, hit.deps);
        else misses.push({ i, bytes, key });
      };
      const compileOne = async (m: (typeof misses)[number]) => {
        const file = input.files[m.i]!;
        let out: CompiledFile;
        let deps: MediaDep[] = [];
        try {
          const task = await (await getPool(misses.length >= 2 * jobs)).run({
            kind: 'compile',
            root: input.root,
            path: file.path,
            bytes: m.bytes,
            options: compileOptions,
            cache: cache ? { dir: cache.dir, key: m.key } : null,
          });
          if (task.kind !== 'compile') throw new Error('unexpected task result');
          out = task.compiled;
          deps = task.deps;
        } catch (error) {
          if (stopped) return;
          out = crashed(file.path, error as Error);
        }
        settle(m.i, m.key, out, deps);
      };
      await inLanes(
        input.files.length,
        16,
        (i) => lookUp(i),
        () => stopped,
      );
      // Largest first balances the workers (results still land in input order); --bail keeps
      // input order so that it stops at the first file with an error.
      misses.sort((a, b) =>
        options.bail ? a.i - b.i : b.bytes.length - a.bytes.length || a.i - b.i,
      );
      // --bail keeps one lane per job, so that with --jobs 1 it stops exactly at the first error.
      const lanes = options.bail ? jobs : jobs * 4;
      await inLanes(
        misses.length,
        lanes,
        (n) => compileOne(misses[n]!),
        () => stopped,
      );
      for (const m of [...misses].sort((a, b) => a.i - b.i))
        if (compiled[m.i]) result.compiled.push(shown(input.files[m.i]!.path));
      checkAbort();
      result.files += input.files.length;

      if (result.bailed) {
        const partial = compiled.filter((f): f is CompiledFile => f !== undefined);
        result.diagnostics.push(
          ...partial.flatMap((f) => f.diagnostics).map((d) => ({ ...d, file: shown(d.file) })),
        );
        break;
      }
      const unreadable = compiled.some((f) => f === undefined);
      const crashedFiles = compiled.some((f) => f?.diagnostics.some((d) => d.rule === CRASH));
      if (unreadable || crashedFiles) {
        // Linking without a file's cards would retire them all in the lock (and move them to a
        // Retired deck in Anki): report everything, write nothing for this input root.
        const partial = compiled.filter((f): f is CompiledFile => f !== undefined);
        result.diagnostics.push(
          ...partial.flatMap((f) => f.diagnostics).map((d) => ({ ...d, file: shown(d.file) })),
        );
        result.withheld.push(
          `${relRoot || '.'}: ${unreadable ? 'some files could not be read' : 'deckc crashed on some files'}`,
        );
        continue;
      }

      const files = compiled as CompiledFile[];
      const previous = await readLock(input.root);
      const linked = linkProject(files, previous, { now: options.now, bundle: options.bundle });
      const diagnostics = [...files.flatMap((f) => f.diagnostics), ...linked.diagnostics];
      const lockText = serializeLock(linked.lock);
      // A lock file that differs only in layout is rewritten in canonical form, but --frozen
      // compares contents.
      const stale =
        previous === null ||
        (previousText !== lockText && (!options.frozen || serializeLock(previous) !== lockText));
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
      /** What a later build with the same inputs and lock replays (see replayManifest). */
      const manifestOf = (outputs: LinkManifest['outputs']): LinkManifest => ({
        files: input.files.length,
        cards: rootCards,
        packages: linked.packages.length,
        retired: linked.retired,
        diagnostics,
        deps: [...mediaDeps.values()],
        outputs,
      });
      if (!options.write && !stale && manifestKey) {
        await cache!.putManifest(manifestKey, manifestOf([])).catch(() => undefined);
      }
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
      const plans = await Promise.all(
        linked.packages.map((pkg) =>
          planOutputs(
            pkg,
            options.formats,
            cache,
            cache ? packageKey(pkg, linked.lock, fileKeys, salt) : '',
          ),
        ),
      );
      // Workers for emitting only when several packages need it (or they run already).
      const toEmit = plans.filter((plan) => plan.missing.length > 0).length;
      const emitPool = () =>
        stopped ? Promise.reject(new Interrupted()) : getPool(toEmit >= 2 && jobs > 1);
      // Emitted outputs are staged as temporary files beside their targets at once (so that
      // their bytes need not stay in memory) and renamed into place together at the end.
      await mkdir(outDir, { recursive: true });
      const stage = async (pkg: LinkedPackage, format: Format, bytes: Uint8Array) => {
        const temp = path.join(
          outDir,
          `${packageFileName(pkg.name)}.${format}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
        );
        staged.push(temp);
        await writeFile(temp, bytes);
        return temp;
      };
      const outputs = await Promise.all(
        plans.map((plan) =>
          emitPlanned(plan, options.formats, linked.lock, cache, emitPool, stage),
        ),
      );
      // Past this point the build is no longer interruptible: renames and the lock.
      checkAbort();
      const written = (await cache?.readWritten()) ?? new Map<string, WrittenOutput>();
      let record = false;
      for (const [i, pkg] of linked.packages.entries()) {
        for (const [format, { blob, temp }] of outputs[i]!) {
          const target = path.join(outDir, `${packageFileName(pkg.name)}.${format}`);
          result.written.push(path.relative(options.cwd, target));
          if (temp) await rename(temp, target);
          else {
            // Cached output: rewrite only if the file on disk is not that blob.
            const now = await stat(target).catch(() => null);
            const last = written.get(target);
            if (
              now &&
              last?.blob === blob &&
              last.size === now.size &&
              last.mtimeMs === now.mtimeMs
            )
              continue;
            const current = await readFile(target).catch(() => null);
            if (!current || sha256(current) !== blob) {
              const data =
                (await cache!.readBlob(blob)) ??
                (await emitPackage(pkg, [format], linked.lock)).get(format)!;
              await writeAtomic(target, data);
            }
          }
          const after = await stat(target);
          written.set(target, { blob, size: after.size, mtimeMs: after.mtimeMs });
          record = true;
        }
      }
      if (cache && record) await cache.saveWritten(written).catch(() => undefined);
      if (cache) {
        const keys = new Set([...fileKeys.values(), ...plans.flatMap((p) => [...p.keys.values()])]);
        if (manifestKey) keys.add(manifestKey);
        const blobs = new Set(outputs.flatMap((o) => o.map(([, { blob }]) => blob)));
        for (const f of files) for (const m of f.media) blobs.add(sha256(m.data));
        await cache.prune({ keys, blobs }).catch(() => 0);
      }
      if (stale) await writeIfChanged(lockPath, lockText);
      else if (manifestKey) {
        // The lock did not change, so nothing in this build depended on `now` (see replayManifest).
        const manifest = manifestOf(
          linked.packages.flatMap((pkg, i) =>
            outputs[i]!.map(([format, { blob }]) => ({
              base: packageFileName(pkg.name),
              format,
              blob,
            })),
          ),
        );
        await cache!.putManifest(manifestKey, manifest).catch(() => undefined);
      }
    }
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof IoError)) throw new Interrupted();
    throw error;
  } finally {
    // Staged outputs not renamed into place (an error or an interrupt): removed.
    await Promise.all(staged.map((temp) => rm(temp, { force: true })));
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

const CRASH = 'internal-error';

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

/**
 * The cache key of a package's outputs, without hashing its megabytes of HTML again. A package
 * is made of (see linkProject):
 * - cards, each entirely determined by its source file, whose cache key (bytes, path, options,
 *   compiler) is known: the keys of the package's files, in order, stand for them;
 * - identities and mods, each note's lock entry, which also carries `content`, the hash of the
 *   note's deck, tags and fields (retired notes are made from their lock entry alone);
 * - media, named by their content hash; the note type's mod; the package name.
 * The compiler fingerprint in `salt` covers any change to how these are turned into bytes.
 */
function packageKey(
  pkg: LinkedPackage,
  lock: Lock,
  fileKeys: ReadonlyMap<string, string>,
  salt: string,
): string {
  const hash = createHash('sha256').update(`${salt}\u0000${lock.notetype.mod}\u0000`);
  hash.update(`${JSON.stringify(pkg.name)}\u0000`);
  let last = '';
  for (const card of pkg.cards) {
    if (card.source.file === last) continue;
    last = card.source.file;
    hash.update(`${fileKeys.get(last) ?? `?${last}`}\u0000`);
  }
  for (const note of pkg.notes)
    hash.update(`${note.guid}${JSON.stringify(lock.notes[note.guid] ?? note)}`);
  for (const m of pkg.media) hash.update(`\u0000${m.name}`);
  return hash.digest('hex');
}

interface OutputPlan {
  pkg: LinkedPackage;
  keys: Map<Format, string>;
  /** Blob hashes of the outputs found in the cache. */
  found: Map<Format, string>;
  missing: Format[];
}

async function planOutputs(
  pkg: LinkedPackage,
  formats: readonly Format[],
  cache: BuildCache | null,
  base: string,
): Promise<OutputPlan> {
  const plan: OutputPlan = { pkg, keys: new Map(), found: new Map(), missing: [] };
  for (const format of formats) {
    const key = sha256(`${base}\u0000${format}`);
    plan.keys.set(format, key);
    const hash = cache ? await cache.getOutputHash(key) : null;
    if (hash) plan.found.set(format, hash);
    else plan.missing.push(format);
  }
  return plan;
}

/**
 * A package's outputs, each as its blob hash plus, when emitted now (on a worker when several
 * packages need it), the temporary file it was staged in; emitted outputs go to the cache too.
 */
async function emitPlanned(
  plan: OutputPlan,
  formats: readonly Format[],
  lock: Lock,
  cache: BuildCache | null,
  pool: () => Promise<Pool>,
  stage: (pkg: LinkedPackage, format: Format, bytes: Uint8Array) => Promise<string>,
): Promise<[Format, { blob: string; temp: string | null }][]> {
  const emitted = new Map<Format, { blob: string; temp: string }>();
  // One task per format, so that a large package's formats are emitted side by side.
  await Promise.all(
    plan.missing.map(async (missing) => {
      const task = await (await pool()).run({
        kind: 'emit',
        pkg: plan.pkg,
        formats: [missing],
        notetype: lock.notetype,
      });
      if (task.kind !== 'emit') throw new Error('unexpected task result');
      for (const [format, bytes] of task.outputs) {
        emitted.set(format, { blob: sha256(bytes), temp: await stage(plan.pkg, format, bytes) });
        await cache?.putOutput(plan.keys.get(format)!, bytes).catch(() => undefined);
      }
    }),
  );
  return formats.map((f) => [f, emitted.get(f) ?? { blob: plan.found.get(f)!, temp: null }]);
}
