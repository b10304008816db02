import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Request, Response, Task, TaskResult } from './worker.js';

/** Runs build tasks: on worker threads, or in this thread when there is one job. */
export interface Pool {
  readonly size: number;
  run(task: Task): Promise<TaskResult>;
  /** Stops the workers; tasks still running are rejected. */
  close(): Promise<void>;
}

export const defaultJobs = () => Math.max(1, availableParallelism());

/**
 * A pool of `jobs` workers; `jobs` ≤ 1 runs every task in-process (no threads at all) unless
 * `threads` asks for a worker.
 */
export async function createPool(jobs: number, threads = jobs > 1): Promise<Pool> {
  if (!threads) {
    const { runTask } = await loadWorker();
    // Each task starts a turn of the event loop after the one before it started, so that
    // messages from workers (a finished .apkg, say) are handled between them and those workers
    // are not kept waiting; a task waiting for I/O does not hold up the next one.
    let turn: Promise<unknown> = Promise.resolve();
    const run = (task: Task) => {
      const start = turn.then(() => new Promise(setImmediate));
      turn = start;
      return start.then(() => runTask(task));
    };
    return { size: 1, run, close: async () => undefined };
  }
  return new WorkerPool(Math.max(1, jobs));
}

/**
 * The compiler as workers run it, in one file when built (`npm run build` bundles it: loading it
 * module by module took 0.4 s more), module by module from TypeScript sources (tests, tsx).
 */
// Relative to lib/io/ from this module and from lib/cli/main.bundle.js (scripts/bundle.mjs).
const BUNDLE = new URL('../io/worker.bundle.js', import.meta.url);
const bundled = import.meta.url.endsWith('.js') && existsSync(BUNDLE);

/** Loads the compiler into this thread (--jobs 1, and watch mode's one-file rebuilds). */
export function loadWorker(): Promise<typeof import('./worker.js')> {
  return bundled ? import(BUNDLE.href) : import('../io/worker.js');
}

/**
 * How a worker thread loads the compiler. Built (`lib/io/pool.js`): the worker is
 * `lib/io/worker.js`, plain JavaScript. From TypeScript sources (vitest, tsx): a worker cannot
 * load `.ts` on its own, and `--import tsx` in a worker's execArgv is not honoured by Node 20, so
 * the worker is a two-line bootstrap that registers tsx's loader and then imports `worker.ts`.
 */
function spawn(): Worker {
  const self = import.meta.url;
  const options = {
    workerData: { deckc: true },
    // Rendering allocates many short-lived objects: a larger young generation means fewer
    // scavenges (measured ~10 % less time on the real corpus, in-process, at 64 MB).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  };
  if (!self.endsWith('.ts'))
    return new Worker(bundled ? BUNDLE : new URL('../io/worker.js', self), options);
  const tsxRoot = path.dirname(createRequire(self).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./worker.ts', self).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry)}));`;
  return new Worker(boot, { ...options, eval: true });
}

interface Pending {
  task: Task;
  resolve: (result: TaskResult) => void;
  reject: (error: Error) => void;
}

class WorkerPool implements Pool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: (Pending & { id: number })[] = [];
  private readonly running = new Map<Worker, Pending & { id: number }>();
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.add();
  }

  private add() {
    const worker = spawn();
    worker.on('message', (message: Response) => {
      const job = this.running.get(worker);
      if (!job || job.id !== message.id) return;
      this.running.delete(worker);
      if (message.ok) job.resolve(message.result);
      else job.reject(Object.assign(new Error(message.error.message), message.error));
      this.idle.push(worker);
      this.pump();
    });
    const fail = (error: Error) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.all.splice(this.all.indexOf(worker), 1);
      job?.reject(error);
      // A crashed worker is replaced, so one bad task cannot starve the rest of the build.
      if (!this.closed) {
        this.add();
        this.pump();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.all.includes(worker)) fail(new Error(`worker stopped with exit code ${code}`));
    });
    this.all.push(worker);
    this.idle.push(worker);
  }

  private pump() {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage({ id: job.id, task: job.task } satisfies Request);
    }
  }

  run(task: Task): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('build stopped');
    for (const job of this.queue.splice(0)) job.reject(stopped);
    for (const job of this.running.values()) job.reject(stopped);
    this.running.clear();
    const workers = this.all.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
