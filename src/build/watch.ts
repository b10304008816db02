import path from 'node:path';
import { collectInputs } from '../io/input.js';
import { createPool, loadWorker } from '../io/pool.js';
import { isFolder, TreeWatcher } from '../io/watcher.js';
import { type BuildOptions, type BuildResult, build, Interrupted, newMemo } from './build.js';

export interface WatchOptions {
  /** Quiet time after the last change before rebuilding, in milliseconds. */
  debounceMs?: number;
  /** Stops watching (and any build in progress). */
  signal: AbortSignal;
  /** After each build: its result (or the error that stopped it) and its duration in ms. */
  onBuild: (outcome: BuildResult | Error, ms: number, first: boolean) => void;
}

/**
 * Builds, then rebuilds whenever a file under an input root changes (debounced). Unchanged files
 * come from memory (or the disk cache), so a one-file change recompiles one file. Resolves when
 * the signal aborts.
 */
export async function watch(options: BuildOptions, watching: WatchOptions): Promise<void> {
  const { signal } = watching;
  const memo = newMemo();
  // Workers live as long as the watch, warmed up once: parallel work and a large package's .apkg
  // go to them without starting any.
  const pool = (options.jobs ?? 1) > 1 ? await createPool(options.jobs!) : undefined;
  const outDir = path.resolve(options.cwd, options.out);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let first = true;
  let warming: Promise<void> = Promise.resolve();

  // Loading what the first build left on disk gives way to a rebuild.
  const preloading = new AbortController();
  const rebuild = async () => {
    if (!first) preloading.abort();
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener('abort', abort);
    const started = performance.now();
    let outcome: BuildResult | Error;
    try {
      outcome = await build({ ...options, memo, pool, signal: controller.signal });
    } catch (error) {
      outcome = error as Error;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (!(outcome instanceof Interrupted && signal.aborted))
      watching.onBuild(outcome, performance.now() - started, first);
    // Taken after every build, so that no build's state outlives it in a pending preload.
    const loads = memo.preload.splice(0);
    // While waiting for the first save, load the compiler here (a one-file rebuild runs in this
    // thread) and in the workers; a save meanwhile is not held up by it.
    if (first && !signal.aborted) {
      const warm = Promise.all([
        loadWorker().then((w) => w.warmUp()),
        ...loads.map((load) => load(preloading.signal)),
      ]);
      const workers = Array.from({ length: pool?.size ?? 0 }, () => pool!.run({ kind: 'warm' }));
      warming = Promise.all([warm, ...workers]).then(
        () => undefined,
        () => undefined,
      );
    }
    first = false;
  };
  const schedule = () => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = rebuild().finally(() => {
      running = null;
      if (again) {
        again = false;
        schedule();
      }
    });
  };

  const onChange = () => {
    clearTimeout(timer);
    timer = setTimeout(schedule, watching.debounceMs ?? 50);
  };
  // The input roots the build reads (a file stands for its project, globs are expanded).
  const roots = await collectInputs(
    options.paths,
    options.cwd,
    options.ignore,
    options.limits,
  ).then(
    (inputs) => inputs.map((input) => input.root),
    () => null,
  );
  const trees = (roots ?? options.paths).map((arg) => {
    const absolute = path.resolve(options.cwd, arg);
    // A missing path: the build reports it; its folder is watched for it to appear.
    const isDir = isFolder(absolute);
    return new TreeWatcher(isDir ? absolute : path.dirname(absolute), outDir, isDir, onChange);
  });

  schedule();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  for (const tree of trees) tree.close();
  await running;
  await warming;
  await pool?.close();
}
