/**
 * Phase "commit": runs once every input root is staged, and not if one of them failed. Outputs
 * renamed into place (cached ones restored where the file on disk is not theirs), stale
 * retirement files removed, the lock written, watch mode's memory filled, the cache's records
 * and index saved and, now and then, the cache pruned. Past this point the build is no longer
 * interruptible.
 */
import path from 'node:path';
import type { CacheIndex, ScopeRecord } from '../io/cache.js';
import {
  discard,
  putInPlace,
  readIfThere,
  statOf,
  writeAtomic,
  writeIfChanged,
} from '../io/write.js';
import type { RootContext } from './context.js';
import type { Emitted } from './emit-packages.js';
import { EMPTY_SLICE, sha256 } from './keys.js';
import type { Linked, LinkedScope } from './link-scopes.js';
import { type NextLock, writes } from './next-lock.js';
import { retiredBase } from './outputs.js';
import { type ScopePlan, scopeKey } from './plan-scopes.js';
import type { PreviousLock } from './previous-lock.js';
import { intact, type Reuse } from './reuse.js';

/** What the phases of one input root handed on, for its commit. */
export interface StagedRoot {
  root: RootContext;
  lockPath: string;
  previous: PreviousLock;
  index: CacheIndex;
  plan: ScopePlan;
  reuse: Reuse;
  linked: Linked;
  next: NextLock;
  emitted: Emitted;
}

export async function commitRoot(staged: StagedRoot): Promise<void> {
  const { root, next, lockPath } = staged;
  const { cache } = root;
  if (writes(root, next)) {
    await placeOutputs(staged);
    if (next.stale && next.text !== null) await writeIfChanged(lockPath, next.text);
  }
  remember(staged);
  if (next.empty && cache?.created) await cache.remove();
  if (!cache || next.empty || (root.options.frozen && next.stale)) return;
  await recordInCache(staged);
}

/** Renames staged outputs into place, restores cached ones, removes stale retirement files. */
async function placeOutputs({ root, reuse, emitted }: StagedRoot): Promise<void> {
  const { run, options, cache } = root;
  const { written, restoring } = reuse;
  let record = false;
  const done = new Set<string>();
  for (const list of emitted.outputs.values()) {
    for (const { base, format, blob, temp } of list) {
      const target = path.join(run.outDir, `${base}.${format}`);
      if (done.has(target)) continue; // a bundle, listed under each of its scopes
      done.add(target);
      run.result.written.push(path.relative(options.cwd, target));
      if (temp) await putInPlace(temp, target);
      else {
        // Cached output: rewrite only if the file on disk is not that blob.
        if (await intact(written, target, blob)) continue;
        const current = await readIfThere(target);
        if (!current || sha256(current) !== blob) {
          const data = restoring.get(blob) ?? (await cache!.readBlob(blob));
          if (!data) throw new Error(`the build cache lost a blob while building; build again`);
          await writeAtomic(target, data);
        }
      }
      const after = (await statOf(target))!;
      written.set(target, { blob, size: after.size, mtimeMs: after.mtimeMs });
      record = true;
    }
  }
  // A package that no longer has retirements leaves no stale retirements file behind.
  if (options.formats.includes('apkg'))
    for (const list of emitted.outputs.values()) {
      const base = list[0]?.base;
      if (base === undefined || list.some((o) => o.base === retiredBase(base))) continue;
      const target = path.join(run.outDir, `${retiredBase(base)}.apkg`);
      if (done.has(target) || !(await statOf(target))) continue;
      done.add(target);
      await discard(target);
      written.delete(target);
      record = true;
    }
  if (cache && record) await cache.saveWritten(written).catch(() => undefined);
}

/**
 * Watch mode keeps the lock file on disk parsed, so that the next build need not parse it, and
 * loads what this build left on disk only while it waits for a save.
 */
function remember({ root, lockPath, previous, plan, next }: StagedRoot): void {
  const { options, run, cache } = root;
  const memo = options.memo;
  if (!memo) return;
  const onDisk = options.write && next.stale && !options.frozen ? next.hash : previous.hash;
  if (onDisk !== null) {
    const parsed = previous.parsedSoFar();
    if (next.unchanged && parsed) run.memoNext.locks.set(lockPath, { hash: onDisk, lock: parsed });
    else if (!next.unchanged && onDisk === next.hash)
      run.memoNext.locks.set(lockPath, {
        hash: onDisk,
        lock: {
          lockfileVersion: 2,
          project: plan.project,
          notetype: plan.notetype,
          notes: next.entries,
        },
      });
  }
  run.memoNext.preload.push(async (signal) => {
    for (const { key } of root.states) {
      if (signal.aborted) return;
      if (memo.files.has(key)) continue;
      const hit = await cache?.getFile(key, root.readMedia);
      if (hit) memo.files.set(key, hit);
    }
    if (signal.aborted) return;
    const hash = previous.hash;
    if (onDisk === hash && hash !== null && !memo.locks.has(lockPath)) {
      const lock = previous.full();
      if (lock) memo.locks.set(lockPath, { hash, lock });
    }
  });
}

/** Settled scopes recorded, the index saved, and the cache pruned when it may need it. */
async function recordInCache(staged: StagedRoot): Promise<void> {
  const { root, plan, reuse, linked, next, emitted, index } = staged;
  const cache = root.cache!;
  const used = new Set(root.states.map((state) => state.key));
  for (const key of emitted.keys) used.add(key);
  // Settled scopes are recorded under the key of the next build's slice, their own output.
  for (const { key } of reuse.reused.values()) used.add(key);
  for (const link of linked.links) {
    if (!link.settled || root.options.bundle !== undefined) continue;
    const key = scopeKey(root, plan, link.scope, next.sliceHashes.get(link.scope)!);
    used.add(key);
    await cache.putScope(key, scopeRecord(staged, link)).catch(() => undefined);
    root.writes++;
  }
  // Listing the cache to prune it costs more than a small rebuild: it is done once the entries
  // added since the last listing could make the unused ones outnumber the used ones.
  root.writes += [...emitted.outputs.values()].flat().filter((o) => o.temp !== null).length;
  const listing = index.writes + root.writes >= used.size / 2;
  await cache
    .saveIndex({
      summaries: new Map(root.states.map((state) => [state.key, state.summary!])),
      lock: {
        hash: next.hash,
        owners: plan.owners,
        notetype: plan.notetype,
        slices: Object.fromEntries([...next.sliceHashes].filter(([, h]) => h !== EMPTY_SLICE)),
      },
      writes: listing ? 0 : index.writes + root.writes,
    })
    .catch(() => undefined);
  if (!listing) return;
  const blobs = new Set<string>();
  for (const list of emitted.outputs.values()) for (const o of list) blobs.add(o.blob);
  // The media of the files obtained (their hashes as read: the blobs they are stored under).
  for (const state of root.states)
    if (state.outcome) for (const d of state.deps) if (d.hash) blobs.add(d.hash);
  for (const { record } of reuse.reused.values()) {
    for (const o of record.outputs) blobs.add(o.blob);
    // The media its files show, so that their cache entries stay whole.
    for (const d of record.deps) if (d.hash) blobs.add(d.hash);
  }
  await cache.prune({ keys: used, blobs }).catch(() => 0);
}

function scopeRecord({ root, plan, emitted }: StagedRoot, link: LinkedScope): ScopeRecord {
  const { scope } = link;
  const indexes = plan.byScope.get(scope)!;
  const record: ScopeRecord = {
    files: indexes.length,
    cards: link.notes,
    retired: link.retired,
    packages: link.notes + link.retired > 0 ? 1 : 0,
    diagnostics: link.diagnostics,
    deps: [
      ...new Map(indexes.flatMap((i) => root.states[i]!.deps).map((d) => [d.path, d])).values(),
    ],
    outputs: (emitted.outputs.get(scope) ?? []).map(({ base, format, blob }) => ({
      base,
      format,
      blob,
    })),
  };
  for (const e of Object.values(link.entries))
    if (e.retired !== undefined)
      record.until = Math.min(
        record.until ?? Infinity,
        e.retired + plan.resolveContext.keepRetired,
      );
  return record;
}
