import { type FSWatcher, watch as fsWatch, statSync } from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from '../identity/lock.js';
import { type BuildOptions, type BuildResult, build, Interrupted, type Memo } from './build.js';

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
  const memo: Memo = new Map();
  const outDir = path.resolve(options.cwd, options.out);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let first = true;

  const rebuild = async () => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener('abort', abort);
    const started = performance.now();
    let outcome: BuildResult | Error;
    try {
      outcome = await build({ ...options, memo, signal: controller.signal });
    } catch (error) {
      outcome = error as Error;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (!(outcome instanceof Interrupted && signal.aborted))
      watching.onBuild(outcome, performance.now() - started, first);
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

  const watchers: FSWatcher[] = [];
  for (const arg of options.paths) {
    const absolute = path.resolve(options.cwd, arg);
    const isDir = (() => {
      try {
        return statSync(absolute).isDirectory();
      } catch {
        return false;
      }
    })();
    const dir = isDir ? absolute : path.dirname(absolute);
    try {
      const watcher = fsWatch(dir, { recursive: isDir, signal }, (_event, name) => {
        if (name && !relevant(dir, String(name), outDir)) return;
        clearTimeout(timer);
        timer = setTimeout(schedule, watching.debounceMs ?? 100);
      });
      watcher.on('error', () => undefined);
      watchers.push(watcher);
    } catch {
      // A missing path: the build below reports it.
    }
  }

  schedule();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await running;
}

/** Changes deckc itself makes (cache, lock file, outputs) and hidden folders do not trigger. */
function relevant(dir: string, name: string, outDir: string): boolean {
  const full = path.resolve(dir, name);
  if (full === outDir || full.startsWith(outDir + path.sep)) return false;
  if (path.basename(full) === LOCK_FILE) return false;
  if (/\.tmp$/.test(full)) return false;
  return !name.split(/[\\/]/).some((part) => part.startsWith('.') || part === 'node_modules');
}
