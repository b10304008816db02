/**
 * The build engine: every input root read, compiled (cached, on worker threads), linked, emitted
 * (cached) and written atomically. Files are compiled in any order but collected in input order,
 * so the outputs are identical whatever the number of jobs and whatever the cache holds.
 *
 * A root is built by the phases of build/root.ts, scope by scope (a scope is a top-level deck,
 * see link/link.ts); the state they share is the run and the root's context (build/context.ts).
 * Every root is staged before any is committed: one that fails, or two that claim one output
 * file, leave every output and lock as it was.
 */
import { compareDiagnostics } from '../diagnostics/report.js';
import { collectInputs, IoError } from '../io/input.js';
import { discard, removeEmptyFolders } from '../io/write.js';
import { Run } from './context.js';
import { buildRoot } from './root.js';
import { type BuildOptions, type BuildResult, Interrupted } from './types.js';

export type { BuildOptions, BuildPhase, BuildResult, Memo } from './types.js';
export { Interrupted, newMemo } from './types.js';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const run = new Run(options);
  const { result } = run;
  options.signal?.addEventListener('abort', run.stop);
  try {
    const commits: (() => Promise<void>)[] = [];
    // Every path counts: files stand for their project's root, globs are expanded (io/input.ts).
    const inputs = await collectInputs(options.paths, options.cwd, options.ignore, options.limits);
    for (const input of inputs) {
      run.checkAbort();
      const commit = await buildRoot(run, input);
      if (commit) commits.push(commit);
      if (result.bailed) break;
    }
    run.checkAbort();
    if (!result.bailed && !run.conflicted) for (const commit of commits) await commit();
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof IoError)) throw new Interrupted();
    throw error;
  } finally {
    // Staged outputs not renamed into place (an error or an interrupt): removed.
    await Promise.all(run.staged.map((temp) => discard(temp)));
    // An output folder made for outputs that were not written (a stale --frozen lock, an error).
    if (run.createdFolder) await removeEmptyFolders(run.outDir, run.createdFolder);
    options.signal?.removeEventListener('abort', run.stop);
    await run.workers.close();
  }
  if (options.memo) {
    for (const [k, v] of options.memo.files)
      if (run.liveKeys.has(k) && !run.memoNext.files.has(k)) run.memoNext.files.set(k, v);
    Object.assign(options.memo, run.memoNext);
  }
  result.diagnostics.sort(compareDiagnostics);
  return result;
}
