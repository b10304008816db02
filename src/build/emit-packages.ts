/**
 * Phase "emit" (run by build/link-scopes.ts as each package is linked): every format of a
 * package that is not in the cache already, staged as a temporary file beside its target (so
 * that its bytes need not stay in memory), to be renamed into place together when every input
 * root is staged (build/commit.ts).
 */
import path from 'node:path';
import { packageFileName } from '../decks/name.js';
import type { Format } from '../emit/formats.js';
import type { LockEntry } from '../identity/lock.js';
import type { Pool } from '../io/pool.js';
import { ensureFolder, stage as stageFile } from '../io/write.js';
import type { LinkedPackage } from '../validate/schema.js';
import type { RootContext } from './context.js';
import { packageKey } from './keys.js';
import { emitPlanned, type Output, planOutputs, retiredBase, shipsRetired } from './outputs.js';
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

/**
 * Emits packages as they are linked: every format not in the cache already, staged as temporary
 * files. A build that turns out not to write (a stale --frozen lock) leaves them staged, and
 * they are removed with the build's other staged files.
 */
export class Emitter {
  private readonly outputs = new Map<string, Output[]>();
  private readonly order: string[] = [];
  private readonly keys: string[] = [];
  private readonly keyOf: Map<string, string>;
  private readonly parallel: boolean;
  private readonly several: boolean;
  private folder: Promise<void> | undefined;

  /** `packages` and `cards`: how many the build may emit (whether workers pay, see above). */
  constructor(
    private readonly root: RootContext,
    private readonly plan: ScopePlan,
    private readonly reuse: Reuse,
    packages: number,
    cards: number,
  ) {
    const { run, options } = root;
    this.keyOf = new Map(root.states.map((state) => [state.file.path, state.key]));
    // Workers boot only for notes enough to pay for them (see PARALLEL_NOTES), unless they run.
    const { workers, jobs } = run;
    this.several = packages >= 2;
    this.parallel =
      (packages >= 2 &&
        jobs > 1 &&
        (workers.running || cards >= PARALLEL_NOTES || options.workers === 'always')) ||
      !!options.pool;
    if (options.write)
      claimOutputs(
        root,
        [...reuse.reused.values()].flatMap((r) => r.outputs.map((o) => o.base)),
      );
  }

  /** Emits the package of `scopes`, `entries` their entries of the next lock. */
  async emit(pkg: LinkedPackage, scopes: string[], entries: Record<string, LockEntry>) {
    const { root, plan } = this;
    const { run, options, cache } = root;
    this.order.push(...scopes);
    if (!options.write) return;
    const base = packageFileName(pkg.name);
    claimOutputs(root, shipsRetired(pkg, options.formats) ? [base, retiredBase(base)] : [base]);
    const planned = await planOutputs(
      pkg,
      options.formats,
      cache,
      cache ? packageKey(pkg, entries, plan.notetype, this.keyOf, run.salt) : '',
      (file, hash) => intact(this.reuse.written, path.join(run.outDir, file), hash),
    );
    for (const { key } of planned.outputs) this.keys.push(key);
    this.folder ??= ensureFolder(run.outDir).then((created) => {
      run.createdFolder ??= created;
    });
    await this.folder;
    const emitted = await emitPlanned(planned, plan.notetype, cache, this.pool, this.stage);
    for (const scope of scopes) this.outputs.set(scope, emitted);
  }

  /** The outputs, in package order, the reused scopes' last. */
  done(): Emitted {
    const outputs = new Map<string, Output[]>();
    for (const scope of this.order) outputs.set(scope, this.outputs.get(scope) ?? []);
    for (const [scope, r] of this.reuse.reused) outputs.set(scope, r.outputs);
    return { outputs, keys: this.keys };
  }

  // .apkg files go to workers (when several packages are emitted), other formats are written
  // here; a lone .apkg goes to the helper worker when one was booted for it.
  private readonly pool = (formats: readonly Format[]): Promise<Pool> => {
    const { run, options } = this.root;
    const { workers } = run;
    if (run.stopped) return Promise.reject(new Interrupted());
    if (!formats.includes('apkg')) return workers.here();
    return this.several || options.pool || !workers.hasHelper
      ? workers.get(this.parallel)
      : workers.helper();
  };

  private readonly stage = async (base: string, format: Format, bytes: Uint8Array) => {
    const { run } = this.root;
    const temp = await stageFile(path.join(run.outDir, `${base}.${format}`), bytes);
    run.staged.push(temp);
    return temp;
  };
}

/** Claims output names for the root: a second root writing one of them is an error. */
function claimOutputs(root: RootContext, names: readonly string[]): void {
  const { run, options, input } = root;
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
