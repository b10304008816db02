/**
 * Phase "plan": the root's files grouped by scope (top-level deck, spelt one way each), the
 * explicit ids settled project-wide, the previous lock sliced by scope, the note type's state,
 * and the diagnostics about the root as a whole (its project id, its clock, a lost lock).
 */
import path from 'node:path';
import { packageFileName } from '../decks/name.js';
import { notetypeStyleHash } from '../emit/notetype.js';
import { LOCK_FILE, type Lock, type ResolveContext, resolveNotetype } from '../identity/lock.js';
import type { CacheIndex } from '../io/cache.js';
import { statOf } from '../io/write.js';
import { type Claims, claimScopes, groupByScope, linkContext } from '../link/link.js';
import type { Diagnostic } from '../validate/schema.js';
import type { RootContext } from './context.js';
import { ownersKey, scopeKey as scopeRecordKey } from './keys.js';
import { LockSlices } from './lock-slices.js';
import type { PreviousLock } from './previous-lock.js';

export interface ScopePlan {
  project: string;
  resolveContext: ResolveContext;
  /** Each file's scope (null: no cards), in input order. */
  scopes: (string | null)[];
  claims: Claims;
  /** The explicit ids' owners, as a key (see build/keys.ts). */
  owners: string;
  slices: LockSlices;
  notetype: Lock['notetype'];
  /** File indexes by scope, in input order; scopes the lock alone knows have none. */
  byScope: Map<string, number[]>;
  /** The explicit-id diagnostics of each file, by its path. */
  idDiagnostics: Map<string, Diagnostic[]>;
}

/**
 * Plans the root's scopes (every file's summary is known by now): link/link.ts's claimScopes,
 * sliceLock and groupByScope, the slices' hashes from the index while they hold.
 */
export function planScopes(
  root: RootContext,
  previous: PreviousLock,
  index: CacheIndex,
  project: string,
): ScopePlan {
  const { states, options } = root;
  const { spell, scopes, claims } = claimScopes(
    states.map(({ file, summary }) => ({ path: file.path, summary: summary! })),
    project,
  );
  // The slices of the lock depend on the explicit ids' owners and on how scopes are spelt.
  const owners = ownersKey(claims.owners, scopes);
  // The slices' hashes come from the index while the lock file and the explicit ids are as the
  // last build left them.
  const known = previous.canonical && index.lock!.owners === owners ? index.lock! : null;
  const slices = new LockSlices(previous, claims.owners, spell, known, !!options.memo);
  const style = notetypeStyleHash();
  const notetype =
    known && known.notetype.style === style
      ? known.notetype
      : resolveNotetype(previous.full(), style, options.now);
  // Files without cards are in no scope: their diagnostics are reported here.
  for (const [i, scope] of scopes.entries())
    if (scope === null) root.report(states[i]!.outcome!.diagnostics);
  const byScope = groupByScope(scopes, slices.scopes());
  const idDiagnostics = new Map<string, Diagnostic[]>();
  for (const d of claims.diagnostics) {
    if (idDiagnostics.has(d.file)) idDiagnostics.get(d.file)!.push(d);
    else idDiagnostics.set(d.file, [d]);
  }
  return {
    project,
    resolveContext: linkContext(project, options.now),
    scopes,
    claims,
    owners,
    slices,
    notetype,
    byScope,
    idDiagnostics,
  };
}

/** The cache key of a scope's record (see build/keys.ts). */
export function scopeKey(root: RootContext, plan: ScopePlan, scope: string, slice: string): string {
  const { run, states, files, options } = root;
  const indexes = plan.byScope.get(scope)!;
  const parts = {
    salt: run.salt,
    write: options.write,
    formats: options.formats,
    notetype: plan.notetype,
    project: plan.project,
    scope,
    fileKeys: indexes.map((i) => states[i]!.key),
    idDiagnostics: indexes.flatMap((i) => plan.idDiagnostics.get(files[i]!.path) ?? []),
  };
  return scopeRecordKey(parts, slice);
}

/** The diagnostics of a scope's files and of their explicit ids (its link adds its own). */
export function scopeDiagnostics(root: RootContext, plan: ScopePlan, scope: string): Diagnostic[] {
  return plan.byScope
    .get(scope)!
    .flatMap((i) => [
      ...root.states[i]!.outcome!.diagnostics,
      ...(plan.idDiagnostics.get(root.files[i]!.path) ?? []),
    ]);
}

/** Warnings about the root as a whole: a project id or a clock at odds with the lock. */
export function checkProjectAndClock(
  root: RootContext,
  previous: PreviousLock,
  lockProject: string | null,
): void {
  const { options } = root;
  if (options.project !== undefined && lockProject !== null && options.project !== lockProject)
    root.atLock(
      'lock-project',
      `Unexpected project id '${options.project}' in the config, expected the lock's '${lockProject}'; notes the lock knows keep their GUIDs, new ones get GUIDs of '${options.project}'`,
    );
  if (options.clock === undefined) return;
  // Anki 2.1.55–24.11 set an updated note's mtime to the import time: a build dated before
  // the last one (before the user's import) may not update anything.
  const newest = previous.newestMod();
  if (options.now > options.clock + 300)
    root.atLock(
      'clock-skew',
      `Unexpected SOURCE_DATE_EPOCH ${options.now}, ${options.now - options.clock} s in the future, expected a time in the past; Anki rejects or renumbers note ids from the future`,
    );
  else if (options.now < newest)
    root.atLock(
      'clock-skew',
      `Unexpected SOURCE_DATE_EPOCH ${options.now}, before the lock's newest change (${newest}), expected a later time; on Anki 2.1.55–24.11 notes changed now may not update a collection that imported a later build`,
    );
}

/** Losing the lock is loud: an input root whose outputs or cache remain was built before. */
export async function checkLostLock(
  root: RootContext,
  previous: PreviousLock,
  index: CacheIndex,
  plan: ScopePlan,
): Promise<void> {
  if (previous.hash !== null) return;
  const { options, run } = root;
  const builtBefore = async () => {
    for (const name of [...plan.byScope.keys(), ...(options.bundle ? [options.bundle] : [])])
      if (await statOf(path.join(run.outDir, `${packageFileName(name)}.apkg`))) return true;
    return false;
  };
  if (index.lock !== null || (await builtBefore()))
    root.atLock(
      'lock-missing',
      `Unexpected missing ${LOCK_FILE} in an input root built before (its cache or its outputs remain), expected it beside the sources; every card gets a new GUID and imports into Anki as a duplicate: restore it (\`git checkout -- ${LOCK_FILE}\`) before building again`,
    );
}
