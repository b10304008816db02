import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type CompileOptions, compileFile, emitPackage, FORMATS, type Format } from '../compile.js';
import type { Lock } from '../identity/lock.js';
import type { CompiledFile, LinkedPackage } from '../validate/schema.js';
import { BuildCache, type MediaDep, recordingReader, sha256 } from './cache.js';
import { DEFAULT_LIMITS, mediaReader } from './input.js';

/**
 * The work a build hands out: compile one file, or emit one package. Runs on a worker thread
 * (see pool.ts) or in-process with --jobs 1; the same function either way, so output cannot
 * depend on where it ran.
 */
export type Task =
  | {
      kind: 'compile';
      root: string;
      path: string;
      bytes: Uint8Array;
      options: CompileOptions;
      /** The largest media file read (the config's `limits.mediaBytes`; default DEFAULT_LIMITS). */
      mediaBytes?: number;
      /** Where to store the result; null without a cache. */
      cache: { dir: string; key: string } | null;
    }
  | { kind: 'emit'; pkg: LinkedPackage; formats: Format[]; notetype: Lock['notetype'] }
  | { kind: 'warm' };

export type TaskResult =
  /** `stored`: the cache holds it now (it may be let go and read back). */
  | { kind: 'compile'; compiled: CompiledFile; deps: MediaDep[]; stored: boolean }
  /** Each output with its SHA-256 (hashed here, off the thread that waits for it). */
  | { kind: 'emit'; outputs: [Format, Uint8Array, string][] }
  | { kind: 'warm' };

const readers = new Map<string, (path: string) => Uint8Array | null>();
const caches = new Map<string, BuildCache>();

export async function runTask(task: Task): Promise<TaskResult> {
  if (task.kind === 'warm') {
    await warmUp();
    return task;
  }
  if (task.kind === 'emit') {
    const lock: Lock = { lockfileVersion: 2, notetype: task.notetype, notes: {} };
    const outputs = await emitPackage(task.pkg, task.formats, lock);
    return {
      kind: 'emit',
      outputs: [...outputs].map(([format, bytes]) => [format, bytes, sha256(bytes)]),
    };
  }
  const mediaBytes = task.mediaBytes ?? DEFAULT_LIMITS.mediaBytes;
  const reader = `${task.root}\u0000${mediaBytes}`;
  let read = readers.get(reader);
  if (!read) {
    read = mediaReader(task.root, { ...DEFAULT_LIMITS, mediaBytes });
    readers.set(reader, read);
  }
  const recording = recordingReader(read);
  const compiled = compileFile(task.bytes, task.path, recording.readMedia, task.options);
  const deps = recording.deps();
  let stored = false;
  if (task.cache) {
    let cache = caches.get(task.cache.dir);
    if (!cache) {
      cache = new BuildCache(task.cache.dir);
      caches.set(task.cache.dir, cache);
    }
    // A cache that cannot be written only costs speed: the build goes on.
    stored = await cache.putFile(task.cache.key, compiled, deps).then(
      () => true,
      () => false,
    );
  }
  return { kind: 'compile', compiled, deps, stored };
}

/**
 * Loads and runs the whole compiler once on a tiny deck, outputs discarded. Watch mode does this
 * while it waits, so that the first rebuild after a save does not pay for loading the compiler
 * (remark, the highlighter, sql.js: about 0.6 s). Its cards are emitted without being linked: a
 * worker never links (the build does, on its own thread), and identities do not warm anything.
 */
export async function warmUp(): Promise<void> {
  const source = '#### Warm\n:p Warm *up*?\n??x\n`x` and $y$\n```js\nlet z = 1;\n```\nx??\n';
  const { cards, media } = compileFile(source, 'warm.md', () => null, { rootDeck: 'Warm' });
  const notes = cards.map(({ deck, tags, html, source }, n) => {
    return { guid: `warm${n}`, deck, tags, fields: html, mod: 0, added: 0, source };
  });
  const lock: Lock = { lockfileVersion: 2, notetype: { style: '', mod: 0 }, notes: {} };
  await emitPackage(
    { name: 'Warm', notes, retired: [], cards: [], media, diagnostics: [] },
    FORMATS,
    lock,
  );
}

/** An emitted package's buffers move to the pool's thread instead of being copied. */
function transferable(result: TaskResult): ArrayBuffer[] {
  if (result.kind !== 'emit') return [];
  return result.outputs.flatMap(([, bytes]) =>
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? [bytes.buffer as ArrayBuffer]
      : [],
  );
}

/** Messages between pool and worker. */
export type Request = { id: number; task: Task };
export type Response =
  | { id: number; ok: true; result: TaskResult }
  | { id: number; ok: false; error: { name: string; message: string; stack: string } };

if (!isMainThread && parentPort && (workerData as { deckc?: boolean } | null)?.deckc) {
  const port = parentPort;
  port.on('message', async ({ id, task }: Request) => {
    try {
      const result = await runTask(task);
      port.postMessage({ id, ok: true, result } satisfies Response, transferable(result));
    } catch (error) {
      const { name = 'Error', message = String(error), stack = '' } = error as Error;
      port.postMessage({ id, ok: false, error: { name, message, stack } } satisfies Response);
    }
  });
}
