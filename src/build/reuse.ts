/**
 * Phase "reuse": scopes whose files (by cache key) and slice of the lock are those of a build
 * recorded in the cache are not linked again. Their record gives their diagnostics and their
 * outputs' blobs, so their files' compiled cards are not even read. Records are kept only for
 * builds that relinking would leave as they are (`settled`): their outputs cannot depend on
 * `now`, only on what the key covers.
 */
import path from 'node:path';
import type { Format } from '../emit/formats.js';
import type { ScopeRecord, WrittenOutput } from '../io/cache.js';
import { statOf } from '../io/write.js';
import { hashOf } from './compile-files.js';
import type { RootContext } from './context.js';
import type { Output } from './outputs.js';
import { type ScopePlan, scopeKey } from './plan-scopes.js';

export interface Reused {
  key: string;
  record: ScopeRecord;
  outputs: Output[];
}

export interface Reuse {
  /** Scopes served from their records. */
  reused: Map<string, Reused>;
  /** Blobs of outputs deleted or edited since, read back to restore them. */
  restoring: Map<string, Uint8Array>;
  /** What deckc last wrote to each output file (see BuildCache.readWritten). */
  written: Map<string, WrittenOutput>;
}

/** Whether a file deckc wrote is still as it left it, judged by its stat (as git does). */
export async function intact(
  written: ReadonlyMap<string, WrittenOutput>,
  target: string,
  blob: string,
): Promise<boolean> {
  const now = await statOf(target);
  const last = written.get(target);
  return !!now && last?.blob === blob && last.size === now.size && last.mtimeMs === now.mtimeMs;
}

/** Finds the reusable scopes, but for those in `skip` (held: see build/hold.ts). */
export async function findReusable(
  root: RootContext,
  plan: ScopePlan,
  skip: ReadonlyMap<string, unknown>,
): Promise<Reuse> {
  const { cache, options, run } = root;
  const written = (await cache?.readWritten()) ?? new Map<string, WrittenOutput>();
  const restoring = new Map<string, Uint8Array>();
  const reused = new Map<string, Reused>();
  if (cache && options.bundle === undefined) {
    await Promise.all(
      [...plan.byScope.keys()].map(async (scope) => {
        if (skip.has(scope)) return;
        const key = scopeKey(root, plan, scope, plan.slices.sliceHash(scope));
        const record = await cache.getScope(key);
        if (!record?.deps.every((d) => hashOf(root.readMedia(d.path)) === d.hash)) return;
        if (record.until !== undefined && options.now > record.until) return;
        const outputs: Output[] = [];
        for (const { base, format, blob } of record.outputs) {
          outputs.push({ base, format: format as Format, blob, temp: null });
          const target = path.join(run.outDir, `${base}.${format}`);
          if (!options.write || (await intact(written, target, blob))) continue;
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
  run.checkAbort();
  for (const scope of reused.keys())
    for (const i of plan.byScope.get(scope)!) root.states[i]!.bytes = undefined;
  return { reused, restoring, written };
}
