import type { BuildOptions, BuildResult } from './build.js';
import type { Context } from './context.js';
import { EXIT } from './exit.js';
import type { ProgressBar } from './progress.js';
import type { Previous } from './summary.js';
import { watch } from './watch.js';

/** Reports one build; `previous` (watch mode) limits the report to what changed since. */
type Report = (
  result: BuildResult,
  ms: number,
  previous?: Previous,
) => Promise<{ code: number; next: Previous }>;

/**
 * `deckc build --watch`: a build on every change, each reported as what changed since the one
 * before, until interrupted.
 */
export async function runWatch(
  options: BuildOptions,
  { io }: Context,
  report: Report,
  quiet: boolean,
  progress: ProgressBar | null,
): Promise<number> {
  const signal = io.signal ?? new AbortController().signal;
  let previous: Previous | undefined;
  await watch(options, {
    signal,
    onBuild: async (outcome, ms) => {
      if (outcome instanceof Error) {
        progress?.clear();
        io.stderr.write(`deckc: ${outcome.message}\n`);
      } else previous = (await report(outcome, ms, previous)).next;
      if (!quiet) io.stderr.write('deckc: watching for changes (Ctrl-C to stop)\n');
    },
  });
  // The watch ends only when interrupted: 130, as documented, whatever the last build said.
  return EXIT.interrupted;
}
