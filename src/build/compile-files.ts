/**
 * Phase "compile": compiled files obtained on demand, from memory (watch mode), the cache, or
 * compiled (on workers when there are enough of them). Files are compiled in any order but land
 * in their SourceState, so that what follows reads them in input order.
 */
import type { MediaDep } from '../io/cache.js';
import { readInputFile } from '../io/input.js';
import { projectSeed, summarize } from '../link/link.js';
import type { CompiledFile } from '../validate/schema.js';
import type { RootContext } from './context.js';
import { fileKey, sha256 } from './keys.js';
import { inLanes } from './lanes.js';

export const CRASH = 'internal-error';

/**
 * A file from this size on is compiled on a worker even when the build runs in this thread
 * (--jobs 1, few files): a compile is synchronous, and this thread must stay free to handle
 * Ctrl-C and SIGTERM within a second. Compiling ~128 KB of cards takes ~0.1–0.3 s here, so
 * smaller files keep the in-thread speed (no worker to boot) at no cost to interrupts.
 */
const OFF_THREAD_BYTES = 128 * 1024;

/**
 * Workers only when they pay: from this much Markdown to compile on. Booting a worker costs
 * ~0.5 s of CPU (the compiler bundle, remark, the highlighter), and two workers gain at best what
 * the machine gives two independent processes (1.2× here). On a 2,250-card library (1.7 MB)
 * `--jobs 2` took 8.8–12.3 s against 4.9–6.0 s for `--jobs 1`; the real corpus (9.6 MB) is as
 * fast either way. Below this, the build compiles in this thread whatever `--jobs` says.
 */
export const PARALLEL_BYTES = 4 * 1024 * 1024;

/** Whether compiling `indexes` is worth the workers (see PARALLEL_BYTES). */
export function worthWorkers(root: RootContext, indexes: readonly number[]): boolean {
  if (root.run.jobs < 2 || indexes.length < 2 * root.run.jobs) return false;
  let bytes = 0;
  for (const i of indexes) bytes += root.states[i]!.size;
  return bytes >= PARALLEL_BYTES || !!root.options.pool || root.options.workers === 'always';
}

/**
 * Cards of compiled files held in memory past which an obtained file is let go as soon as the
 * cache holds it, and read back when its scope is linked (see `release`). A compiled card is
 * ~6 KB of heap here (the real corpus's 10,878 cards: ~65 MB), so a library up to this size
 * links without reading a file twice, and a larger one holds about this many cards plus the
 * scopes being linked and emitted at a time.
 */
const HOLD_CARDS = 20_000;

/** The memory budget, in cards (see HOLD_CARDS). */
export const holdCards = (root: RootContext): number => root.options.holdCards ?? HOLD_CARDS;

export const hashOf = (data: Uint8Array | null) => (data ? sha256(data) : null);

/**
 * Obtains the files `wanted` (indexes), lookups first, then the misses compiled: their outcome
 * is known after, and with `keep` their compiled files are in memory (read back if let go) and
 * stay there until released.
 */
export async function obtain(
  root: RootContext,
  wanted: readonly number[],
  keep = false,
): Promise<void> {
  const { run, states, cache } = root;
  const misses: number[] = [];
  await inLanes(
    wanted.length,
    16,
    async (n) => {
      const i = wanted[n]!;
      const state = states[i]!;
      if (!state.key || (keep ? state.compiled : state.outcome)) return;
      const memo = root.options.memo?.files.get(state.key);
      const hit = memo?.deps.every((d) => hashOf(root.readMedia(d.path)) === d.hash)
        ? memo
        : await cache?.getFile(state.key, root.readMedia);
      if (hit) settle(root, i, hit.compiled, hit.deps, true, keep);
      else misses.push(i);
    },
    run.isStopped,
  );
  // A file let go and not found again (its cache entry gone since) is compiled again, but it
  // was compiled or found once: it is not counted twice.
  const firstTime = new Set(misses.filter((i) => states[i]!.outcome === undefined));
  const fresh = await compileMisses(root, misses, keep);
  for (const i of fresh.sort((a, b) => a - b))
    if (firstTime.has(i)) run.result.compiled.push(root.shown(root.files[i]!.path));
  root.writes += fresh.length;
  run.checkAbort();
}

/** Compiles the files `misses` (indexes); returns those compiled. */
async function compileMisses(
  root: RootContext,
  misses: number[],
  keep: boolean,
): Promise<number[]> {
  const { run, states, cache, options } = root;
  const { jobs } = run;
  // Largest first balances the workers (results still land in input order); --bail keeps
  // input order, one lane per job, so that with --jobs 1 it stops exactly at the first error.
  misses.sort((a, b) => (options.bail ? a - b : states[b]!.size - states[a]!.size || a - b));
  const parallel = worthWorkers(root, misses);
  const fresh: number[] = [];
  // Several lanes a job keep workers fed while results travel back. Work done in this thread
  // runs one task at a time anyway, so one lane for it, which also keeps a large file compiled
  // off-thread (OFF_THREAD_BYTES) from running beside the others: --jobs 1 is one compile at a
  // time.
  const inThread = !parallel || (jobs === 1 && !options.pool);
  await inLanes(
    misses.length,
    options.bail || inThread ? jobs : jobs * 4,
    async (n) => {
      const i = misses[n]!;
      const state = states[i]!;
      const file = state.file;
      let out: CompiledFile;
      let fileDeps: MediaDep[] = [];
      let stored = false;
      try {
        // A file known by its stat (watch mode) is read now, and may have changed since.
        let bytes = state.bytes;
        if (!bytes) {
          bytes = await readInputFile(file);
          if (fileKey(root.keySalt, file.path, bytes) !== state.key) state.moved = true;
        }
        // --jobs 1 runs even "parallel" work in this thread (see Workers.get).
        const pool =
          inThread && state.size >= OFF_THREAD_BYTES
            ? (options.pool ?? run.workers.helper())
            : run.workers.get(parallel);
        const task = await (await pool).run({
          kind: 'compile',
          root: root.input.root,
          path: file.path,
          bytes,
          options: root.compileOptions,
          mediaBytes: root.mediaBytes,
          cache:
            cache && !cache.readOnly && !state.moved ? { dir: cache.dir, key: state.key } : null,
        });
        if (task.kind !== 'compile') throw new Error('unexpected task result');
        out = task.compiled;
        fileDeps = task.deps;
        stored = task.stored;
      } catch (error) {
        if (run.stopped) return;
        out = crashed(file.path, error as Error);
      }
      fresh.push(i);
      settle(root, i, out, fileDeps, stored, keep);
    },
    run.isStopped,
  );
  return fresh;
}

function settle(
  root: RootContext,
  i: number,
  out: CompiledFile,
  fileDeps: MediaDep[],
  stored: boolean,
  keep: boolean,
): void {
  const { run, options } = root;
  const state = root.states[i]!;
  const again = state.outcome !== undefined;
  state.compiled = out;
  state.bytes = undefined;
  state.deps = fileDeps;
  root.held += out.cards.length;
  // Read back after it was let go: reported and counted the first time.
  if (again) return;
  state.summary = summarize(out);
  state.outcome = {
    diagnostics: out.diagnostics,
    cards: out.cards.length,
    crashed: out.diagnostics.some((d) => d.rule === CRASH),
    stored,
    seed: root.seeding ? projectSeed(out) : undefined,
  };
  if (options.memo && !state.moved)
    run.memoNext.files.set(state.key, { compiled: out, deps: fileDeps });
  root.progress(1, out.cards.length);
  if (options.bail && out.diagnostics.some((d) => d.severity === 'error')) {
    run.result.bailed = true;
    run.stop();
  }
  if (!keep && root.held > holdCards(root)) release(root, [i]);
}

/**
 * Lets go of the compiled files `indexes` that the cache can give back (see HOLD_CARDS): their
 * outcome stays. Files without cards are kept (small, and read for their diagnostics), and so
 * is everything in watch mode (its memory keeps them anyway) and for a bundle (packed whole).
 */
export function release(root: RootContext, indexes: readonly number[]): void {
  if (root.keepAll) return;
  for (const i of indexes) {
    const state = root.states[i]!;
    if (!state.compiled || !state.outcome?.stored || state.compiled.cards.length === 0) continue;
    root.held -= state.compiled.cards.length;
    root.letGo++;
    state.compiled = undefined;
  }
}

/** The files compiled so far, in input order. */
export const obtained = (root: RootContext): CompiledFile[] =>
  root.states.flatMap((state) => (state.compiled === undefined ? [] : [state.compiled]));

/** Whether the compiler crashed on some file of the root. */
export const crashedAny = (root: RootContext): boolean =>
  root.states.some((state) => state.outcome?.crashed);

/** A file the compiler threw on: a bug in deckc, reported on the file so the others go on. */
export function crashed(file: string, error: Error): CompiledFile {
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
