/**
 * Phase "link and emit": the scopes not reused are linked against their slices of the lock (in
 * scope order, on this thread) and packed, and each package is emitted as soon as it is linked,
 * a few scopes at a time: a scope's compiled files are read back (if they were let go), linked,
 * packed, emitted and let go again, so that memory holds the scopes in flight, not the library.
 * What the next lock and the cache's records need of each link is kept (`LinkedScope`).
 */

import type { LockEntry } from '../identity/lock.js';
import { serializeEntries } from '../identity/lock.js';
import { linkScope, packScopes, type ScopeLink, ships } from '../link/link.js';
import type { Diagnostic } from '../validate/schema.js';
import { holdCards, obtain, obtained, release } from './compile-files.js';
import type { RootContext } from './context.js';
import { type Emitted, Emitter } from './emit-packages.js';
import { sliceHash as hashSlice } from './keys.js';
import { inLanes } from './lanes.js';
import { type ScopePlan, scopeDiagnostics } from './plan-scopes.js';
import type { Reuse } from './reuse.js';

/**
 * Notes from which a lone package's .apkg is worth a worker of its own: measured on the real
 * corpus's 7,000-note deck, ~0.3 s of a 3 s rebuild saved; at 1,350 notes it cost 0.1 s more.
 */
const HELPER_NOTES = 3000;

/** What is kept of a linked scope once its package is emitted. */
export interface LinkedScope {
  scope: string;
  /** The scope's entries of the next lock. */
  entries: Record<string, LockEntry>;
  /** The hash of its next slice of the lock. */
  hash: string;
  /** Its slice is the one it had. */
  same: boolean;
  /** See ScopeLink.settled. */
  settled: boolean;
  notes: number;
  retired: number;
  /** Its files', their explicit ids' and its link's diagnostics. */
  diagnostics: Diagnostic[];
}

export interface Linked {
  /** In scope order. */
  links: LinkedScope[];
  /** Packages with notes (live or retired): those that have outputs. */
  packages: number;
}

/**
 * The scopes to link: those not reused. A lone large package (its slice of the lock tells) has
 * its .apkg written by a worker that boots now, while this thread links.
 */
export function scopesToLink(root: RootContext, plan: ScopePlan, reuse: Reuse): string[] {
  const { run, options } = root;
  const linking = [...plan.byScope.keys()].filter((scope) => !reuse.reused.has(scope));
  const lines = linking.length === 1 && run.jobs > 1 && options.write ? plan.slices.lines() : null;
  if (lines && !options.pool && lines.scopes.filter((s) => s === linking[0]).length >= HELPER_NOTES)
    void run.workers.helper();
  return linking;
}

/** Links, packs and emits `linking` (their files obtained once by now, if let go since). */
export async function linkAndEmit(
  root: RootContext,
  plan: ScopePlan,
  reuse: Reuse,
  linking: readonly string[],
): Promise<{ linked: Linked; emitted: Emitted }> {
  const { options, run } = root;
  run.result.linked.push(...linking);
  if (linking.length > 0) options.onPhase?.({ name: 'linking', scopes: linking.length });
  const sizes = linking.map((scope) =>
    plan.byScope.get(scope)!.reduce((m, i) => m + (root.states[i]!.outcome?.cards ?? 0), 0),
  );
  const cards = sizes.reduce((n, m) => n + m, 0);
  const emitter = new Emitter(root, plan, reuse, linking.length, cards);
  if (options.bundle !== undefined) return linkBundle(root, plan, linking, emitter);
  const links: LinkedScope[] = [];
  let packages = 0;
  let inFlight = 0;
  // Past the memory budget, the scopes in flight are all that is held: what the first pass
  // kept goes (it is read back with its scope), and so do the workers' heaps of compiling.
  const budget = new Budget(holdCards(root));
  if (root.letGo > 0) {
    release(
      root,
      linking.flatMap((scope) => plan.byScope.get(scope)!),
    );
    // As many workers as scopes of the largest size fit the budget at once.
    const fit = Math.floor(holdCards(root) / Math.max(1, ...sizes));
    if (!options.pool) run.workers.renew(Math.max(1, Math.min(run.jobs, fit)));
  }
  // One scope links after the other, in scope order (new notes' ids are given out in that
  // order), while those linked before are emitted: one lane per job, and one more to link, as
  // long as their cards fit the budget (one scope always does).
  // Budgets are taken and scopes linked in scope order (the chains below), emitted in any.
  let takenUpTo: Promise<void> = Promise.resolve();
  let linkedUpTo: Promise<unknown> = Promise.resolve();
  await inLanes(
    linking.length,
    run.jobs + 1,
    async (n) => {
      const scope = linking[n]!;
      const indexes = plan.byScope.get(scope)!;
      const size = sizes[n]!;
      const taken = takenUpTo.then(() => budget.take(size));
      takenUpTo = taken;
      const ready = taken.then(() => obtain(root, indexes, true));
      // Both awaited below (ready through linkedHere): not unhandled rejections before that.
      ready.catch(() => undefined);
      const linkedHere = linkedUpTo
        .then(() => ready)
        .then(() => {
          const linked = linkOne(root, plan, scope);
          links[n] = keep(root, plan, linked.link);
          return packScopes([linked], plan.claims.diagnostics, undefined, linked.files)[0]!.pkg;
        });
      linkedUpTo = linkedHere;
      linkedHere.catch(() => undefined);
      await taken;
      try {
        const pkg = await linkedHere;
        const emits = ships(pkg);
        const writing = inFlight + (emits && options.write ? 1 : 0);
        // Past the last link, only writing is left.
        if (n === linking.length - 1 && writing > 0)
          options.onPhase?.({ name: 'writing', packages: writing });
        if (emits) {
          packages++;
          inFlight++;
          await emitter.emit(pkg, [scope], links[n]!.entries).finally(() => inFlight--);
        }
        release(root, indexes);
      } finally {
        budget.give(size);
      }
    },
    run.isStopped,
  );
  return { linked: { links, packages }, emitted: emitter.done() };
}

/** A bundle: every scope linked, then packed into one package (its files all in memory). */
async function linkBundle(
  root: RootContext,
  plan: ScopePlan,
  linking: readonly string[],
  emitter: Emitter,
): Promise<{ linked: Linked; emitted: Emitted }> {
  await obtain(
    root,
    linking.flatMap((scope) => plan.byScope.get(scope)!),
    true,
  );
  const scopeLinks = linking.map((scope) => linkOne(root, plan, scope));
  const links = scopeLinks.map(({ link }) => keep(root, plan, link));
  const { pkg } = packScopes(
    scopeLinks,
    plan.claims.diagnostics,
    root.options.bundle,
    obtained(root),
  )[0]!;
  const packages = ships(pkg) ? 1 : 0;
  if (packages)
    await emitter.emit(pkg, [...linking], Object.assign({}, ...links.map((l) => l.entries)));
  return { linked: { links, packages }, emitted: emitter.done() };
}

/** Links one scope whose files are in memory, against its slice of the previous lock. */
function linkOne(root: RootContext, plan: ScopePlan, scope: string) {
  const files = plan.byScope.get(scope)!.map((i) => root.states[i]!.compiled!);
  const slice = plan.slices.sliceOf(scope);
  const link = linkScope(scope, files, slice, plan.resolveContext, plan.claims.diagnostics);
  return { scope, files, link };
}

function keep(root: RootContext, plan: ScopePlan, link: ScopeLink): LinkedScope {
  const hash = hashSlice(serializeEntries(link.entries));
  return {
    scope: link.scope,
    entries: link.entries,
    hash,
    same: hash === plan.slices.sliceHash(link.scope),
    settled: link.settled,
    notes: link.notes.length,
    retired: link.retired.length,
    diagnostics: scopeDiagnostics(root, plan, link.scope).concat(link.diagnostics),
  };
}

/** Cards in flight: a scope waits while others are and it would take them past `limit`. */
class Budget {
  private used = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(cards: number): Promise<void> {
    while (this.used > 0 && this.used + cards > this.limit)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used += cards;
  }

  give(cards: number): void {
    this.used -= cards;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
