/**
 * One input root through a build, as a list of named phases with typed hand-offs (the model is
 * esbuild's ScanBundle → Compile → link): key sources → open the previous lock → compile what
 * has no summary yet → plan scopes → reuse recorded scopes → compile and link the others → next
 * lock → emit. It returns the root's commit, run once every root is staged (build/commit.ts).
 */
import path from 'node:path';
import { LOCK_FILE } from '../identity/lock.js';
import type { InputRoot } from '../io/input.js';
import { readLockBytes } from '../io/lock-file.js';
import { projectIdOfSeeds } from '../link/link.js';
import { commitRoot, type StagedRoot } from './commit.js';
import { crashedAny, obtain, worthWorkers } from './compile-files.js';
import { openCache, RootContext, type Run } from './context.js';
import { heldScopes, reportHeld } from './hold.js';
import { keySources } from './key-sources.js';
import { linkAndEmit, scopesToLink } from './link-scopes.js';
import { nextLock } from './next-lock.js';
import { checkLostLock, checkProjectAndClock, planScopes } from './plan-scopes.js';
import { PreviousLock } from './previous-lock.js';
import { findReusable } from './reuse.js';

/** A root's commit, or nothing when the root is not written (withheld, bailed). */
export type Commit = (() => Promise<void>) | undefined;

export async function buildRoot(run: Run, input: InputRoot): Promise<Commit> {
  const { options, result } = run;
  const cache = await openCache(input.root, options.cache ?? true);
  const root = new RootContext(run, input, cache);
  reportWalk(root);

  await keySources(root);
  const lockPath = path.join(input.root, LOCK_FILE);
  // The lock file is hashed as bytes and decoded only when some scope is linked (see
  // build/previous-lock.ts).
  const lockBytes = await readLockBytes(lockPath);
  const index = (await cache?.readIndex()) ?? { summaries: new Map(), lock: null, writes: 0 };
  // Files the cache knows nothing of are compiled on workers: they boot while this thread
  // reads the lock file.
  const unknown = root.files.flatMap((_, i) =>
    index.summaries.has(root.states[i]!.key) ? [] : [i],
  );
  if (worthWorkers(root, unknown)) void run.workers.get(true);
  const opened = PreviousLock.open(lockPath, lockBytes, {
    remembered: options.memo?.locks.get(lockPath),
    indexHash: index.lock?.hash,
  });
  root.report(opened.diagnostics);
  if (!opened.lock) {
    root.withhold(`${LOCK_FILE} ${opened.why}`);
    return;
  }
  const previous = opened.lock;
  // A first build's project id is made from every file's cards: each keeps its share of it.
  root.seeding = options.project === undefined && previous.project === null;
  for (const state of root.states) {
    state.summary = index.summaries.get(state.key);
    run.liveKeys.add(state.key);
  }

  // Files whose summary is not known yet are compiled first (all of them in a cold build),
  // and so are files without cards, for their diagnostics.
  const all = root.files.map((_, i) => i);
  const first = result.unreadable.length
    ? all
    : all.filter((i) => root.states[i]!.summary?.scope == null);
  await obtain(root, first);
  result.files += root.files.length;
  if (result.bailed) return partial(root);
  // Linking without a file's cards would retire them all in the lock (and move them to a
  // Retired deck in Anki): report everything, write nothing for this input root.
  if (root.states.some((state) => !state.key))
    return withhold(root, 'some files could not be read');
  // A bundle is all scopes in one package: one bad file withholds it whole. Otherwise only the
  // scopes of the bad files are held (build/hold.ts).
  const bundled = options.bundle !== undefined;
  if (bundled && crashedAny(root)) return withhold(root, 'deckc crashed on some files');

  // The project id that salts new GUIDs: pinned by the config, or the lock's, or made from
  // the cards of this first build (so that it too is reproducible).
  const firstProjectId = async () => {
    await obtain(root, all);
    return projectIdOfSeeds(root.states.map((state) => state.outcome!.seed!));
  };
  const project = options.project ?? previous.project ?? (await firstProjectId());
  if (result.bailed) return partial(root);
  checkProjectAndClock(root, previous, previous.project);

  const plan = planScopes(root, previous, index, project);
  await checkLostLock(root, previous, index, plan);
  const crashed = heldScopes(root, plan);
  const reuse = await findReusable(root, plan, crashed);
  const toLink = scopesToLink(root, plan, reuse);
  await obtain(
    root,
    toLink.flatMap((scope) => plan.byScope.get(scope)!),
  );
  if (result.bailed) return partial(root);
  if (bundled && crashedAny(root)) return withhold(root, 'deckc crashed on some files');
  run.checkAbort();
  const held = heldScopes(root, plan);
  reportHeld(root, plan, held);
  const { linked, emitted } = await linkAndEmit(
    root,
    plan,
    reuse,
    toLink.filter((scope) => !held.has(scope)),
  );
  run.checkAbort();
  const next = nextLock(root, previous, plan, reuse, linked, held);
  tally({ root, reuse, linked, next, previous });
  if (options.bail && result.diagnostics.some((d) => d.severity === 'error')) {
    result.bailed = true;
    return;
  }
  const staged: StagedRoot = {
    root,
    lockPath,
    previous,
    index,
    plan,
    reuse,
    linked,
    next,
    emitted,
  };
  return () => commitRoot(staged);
}

/** What the walk of the root had to say: links to folders already read, its own diagnostics. */
function reportWalk(root: RootContext): void {
  const { input, options } = root;
  for (const { path: link, real } of input.skipped)
    root.report([
      {
        file: link,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'warning',
        rule: 'linked-folder-read',
        message: `Unexpected link to a folder already read (${path.relative(options.cwd, real) || '.'}); skipped, so that its cards are not compiled twice`,
      },
    ]);
  root.report(input.diagnostics ?? []);
}

/** Reports what was compiled of a root not linked (--bail, or withheld). */
function partial(root: RootContext): undefined {
  for (const { outcome } of root.states) {
    if (!outcome) continue;
    root.report(outcome.diagnostics);
    root.run.result.cards += outcome.cards;
  }
  return undefined;
}

function withhold(root: RootContext, why: string): undefined {
  partial(root);
  root.withhold(why);
  return undefined;
}

/** The root's diagnostics and counts into the result; --frozen's verdict on the lock. */
function tally({
  root,
  reuse,
  linked,
  next,
  previous,
}: Omit<StagedRoot, 'lockPath' | 'index' | 'emitted' | 'plan'>): void {
  const { result } = root.run;
  for (const link of linked.links) {
    root.report(link.diagnostics);
    result.cards += link.notes;
    result.retired += link.retired;
  }
  result.packages += linked.packages;
  for (const { record } of reuse.reused.values()) {
    root.report(record.diagnostics);
    result.cards += record.cards;
    result.retired += record.retired;
    result.packages += record.packages;
    root.progress(record.files, record.cards);
  }
  if (root.options.frozen && next.stale)
    root.atLock(
      'lock-stale',
      previous.hash !== null
        ? 'Unexpected change of card identities or contents, expected the committed lock file to match; run `deckc build` and commit deckc.lock.json'
        : 'Unexpected missing lock file, expected deckc.lock.json; run `deckc build` and commit it',
      'error',
    );
}
