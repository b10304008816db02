/**
 * Phase "next lock": the lock file this build leaves. Reused scopes keep their slices (their
 * records are settled), linked scopes bring theirs. Its text is made only when it changed, by
 * lines when the previous one was read by lines.
 */
import { type LockEntry, serializeLock, serializeLockLines } from '../identity/lock.js';
import type { RootContext } from './context.js';
import { sha256 } from './keys.js';
import type { Linked } from './link-scopes.js';
import type { ScopePlan } from './plan-scopes.js';
import type { PreviousLock } from './previous-lock.js';
import type { Reuse } from './reuse.js';

export interface NextLock {
  /** The next slice hash of every scope. */
  sliceHashes: Map<string, string>;
  /** The lock is the previous one. */
  unchanged: boolean;
  /** The next lock's entries, when it was made whole (not by lines); else empty. */
  entries: Record<string, LockEntry>;
  /** The next lock file's text: null when it is the previous one. */
  text: string | null;
  hash: string;
  /**
   * The root has no cards and never had a lock: it gets none, nor a cache (a build of it
   * writes nothing at all).
   */
  empty: boolean;
  /** The lock file on disk is not the next one (--frozen: not in content). */
  stale: boolean;
}

export function nextLock(
  root: RootContext,
  previous: PreviousLock,
  plan: ScopePlan,
  reuse: Reuse,
  { links }: Linked,
  held: ReadonlyMap<string, unknown>,
): NextLock {
  const { options } = root;
  const { project, notetype, slices } = plan;
  const lockProject = previous.project;
  const sliceHashes = new Map<string, string>();
  // Reused and held scopes keep their slices as they were.
  const keeps = (scope: string) => reuse.reused.has(scope) || held.has(scope);
  for (const scope of [...reuse.reused.keys(), ...held.keys()])
    sliceHashes.set(scope, slices.sliceHash(scope));
  for (const { scope, hash } of links) sliceHashes.set(scope, hash);
  const unchanged =
    previous.canonical &&
    project === lockProject &&
    links.every((l) => l.same) &&
    notetype === (slices.known ?? previous.full())?.notetype;
  const entries: Record<string, LockEntry> = {};
  let text: string | null = null;
  const read = unchanged ? null : slices.lines();
  if (read) {
    const kept = read.lines.filter((_, n) => keeps(read.scopes[n]!));
    const linked = Object.assign({}, ...links.map((l) => l.entries));
    text = serializeLockLines({ project, notetype }, kept, linked);
  } else if (!unchanged) {
    for (const scope of [...reuse.reused.keys(), ...held.keys()])
      Object.assign(entries, slices.sliceOf(scope));
    for (const link of links) Object.assign(entries, link.entries);
    text = serializeLock({ project, notetype, notes: entries });
  }
  const hash = text === null ? previous.hash! : sha256(text);
  const empty =
    previous.hash === null &&
    links.every((link) => link.notes + link.retired === 0) &&
    [...reuse.reused.values()].every(({ record }) => record.cards + record.retired === 0);
  // A lock file that differs only in layout is rewritten in canonical form, but --frozen
  // compares contents.
  const stale =
    !empty &&
    (previous.hash === null ||
      (hash !== previous.hash &&
        (!options.frozen ||
          serializeLock({ ...previous.full()!, project: lockProject ?? '' }) !== text)));
  return { sliceHashes, unchanged, entries, text, hash, empty, stale };
}

/** Whether this build writes outputs for the root (not `check`, not a stale --frozen lock). */
export const writes = (root: RootContext, next: NextLock): boolean =>
  root.options.write && !(root.options.frozen && next.stale);
