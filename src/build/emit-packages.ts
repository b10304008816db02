/**
 * Phase "emit": every format of every package that is not in the cache already, staged as
 * temporary files beside their targets (so that their bytes need not stay in memory), to be
 * renamed into place together when every input root is staged (build/commit.ts).
 */
import path from 'node:path';
import { packageFileName } from '../decks/name.js';
import type { Format } from '../emit/formats.js';
import { ensureFolder, stage as stageFile } from '../io/write.js';
import type { RootContext } from './context.js';
import { packageKey } from './keys.js';
import { inLanes } from './lanes.js';
import type { Linked } from './link-scopes.js';
import type { NextLock } from './next-lock.js';
import {
  emitPlanned,
  hasMissing,
  type Output,
  planOutputs,
  retiredBase,
  shipsRetired,
} from './outputs.js';
import type { ScopePlan } from './plan-scopes.js';
import { intact, type Reuse } from './reuse.js';
import { Interrupted } from './types.js';

/**
 * Notes from which emitting several packages boots workers that are not running yet: an .apkg
 * takes ~45 µs a note here (50,000 notes: 2.2 s), booting two workers ~1 s of CPU.
 */
const PARALLEL_NOTES = 50_000;

export interface Emitted {
  /**
   * Each scope's outputs, in package order whichever finished emitting first: the renames (and
   * the `wrote` lines) follow this map's order. A bundle is listed under each of its scopes.
   */
  outputs: Map<string, Output[]>;
  /** The cache keys of the outputs planned (kept by pruning). */
  keys: string[];
}

/** Whether this build writes outputs for the root (not `check`, not a stale --frozen lock). */
export const writes = (root: RootContext, next: NextLock): boolean =>
  root.options.write && !(root.options.frozen && next.stale);

export async function emitPackages(
  root: RootContext,
  plan: ScopePlan,
  reuse: Reuse,
  { links, emitting }: Linked,
  next: NextLock,
): Promise<Emitted> {
  const { run, options, cache } = root;
  const outputs = new Map<string, Output[]>(
    emitting.flatMap(({ scopes }) => scopes.map((scope): [string, Output[]] => [scope, []])),
  );
  const keys: string[] = [];
  if (!writes(root, next)) return { outputs, keys };
  claimOutputs(root, reuse, emitting);
  const keyOf = new Map(root.states.map((state) => [state.file.path, state.key]));
  const linkedEntries = Object.assign({}, ...links.map((l) => l.link.entries));
  const plans = await Promise.all(
    emitting.map(({ pkg }) =>
      planOutputs(
        pkg,
        options.formats,
        cache,
        cache ? packageKey(pkg, linkedEntries, plan.notetype, keyOf, run.salt) : '',
        (file, hash) => intact(reuse.written, path.join(run.outDir, file), hash),
      ),
    ),
  );
  const toEmit = plans.filter(hasMissing).length;
  if (toEmit > 0) options.onPhase?.({ name: 'writing', packages: toEmit });
  // .apkg files go to workers (started when several packages are emitted), other formats
  // are written here.
  const { workers, jobs } = run;
  // Workers boot only for notes enough to pay for them (see PARALLEL_NOTES), unless they run.
  const notes = plans.reduce((n, p) => n + (hasMissing(p) ? p.pkg.notes.length : 0), 0);
  const parallel =
    (toEmit >= 2 &&
      jobs > 1 &&
      (workers.running || notes >= PARALLEL_NOTES || options.workers === 'always')) ||
    !!options.pool;
  const emitPool = (formats: readonly Format[]) =>
    run.stopped
      ? Promise.reject(new Interrupted())
      : formats.includes('apkg')
        ? toEmit >= 2 || options.pool || !workers.hasHelper
          ? workers.get(parallel)
          : workers.helper()
        : workers.here();
  await ensureFolder(run.outDir);
  const stage = async (base: string, format: Format, bytes: Uint8Array) => {
    const temp = await stageFile(path.join(run.outDir, `${base}.${format}`), bytes);
    run.staged.push(temp);
    return temp;
  };
  for (const p of plans) for (const { key } of p.outputs) keys.push(key);
  // A few packages at a time, enough to keep every thread busy: an emitted output is bytes
  // in memory until staged, and all 100 packages of 135,000 cards at once peaked ~0.2 GB
  // higher.
  await inLanes(
    plans.length,
    2 * jobs,
    async (n) => {
      const emitted = await emitPlanned(plans[n]!, plan.notetype, cache, emitPool, stage);
      for (const scope of emitting[n]!.scopes) outputs.set(scope, emitted);
    },
    run.isStopped,
  );
  for (const [scope, r] of reuse.reused) outputs.set(scope, r.outputs);
  return { outputs, keys };
}

/** Claims the root's output names: a second root writing one of them is an error. */
function claimOutputs(root: RootContext, reuse: Reuse, emitting: Linked['emitting']): void {
  const { run, options, input } = root;
  const names = [
    ...emitting.flatMap(({ pkg }) => {
      const base = packageFileName(pkg.name);
      return shipsRetired(pkg, options.formats) ? [base, retiredBase(base)] : [base];
    }),
    ...[...reuse.reused.values()].flatMap((r) => r.outputs.map((o) => o.base)),
  ];
  for (const base of new Set(names)) {
    const owner = run.claimed.get(base);
    if (owner !== undefined && owner !== input.root) {
      run.conflicted = true;
      root.atLock(
        'output-conflict',
        `Unexpected second input root writing '${base}' into ${path.relative(options.cwd, run.outDir) || '.'}, expected one per output file (the first is ${path.relative(options.cwd, owner) || '.'}); nothing was written: build them into separate --out folders, or rename a deck`,
        'error',
      );
    }
    run.claimed.set(base, input.root);
  }
}
