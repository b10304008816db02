import path from 'node:path';
import type { ReporterName } from '../diagnostics/format.js';
import { sweepLeftovers } from '../io/leftovers.js';
import { statIfThere } from '../io/stat.js';
import { type BuildOptions, type BuildResult, build } from './build.js';
import type { Context } from './context.js';
import { EXIT, UsageError } from './exit.js';
import { ProgressBar } from './progress.js';
import { reportSink } from './report-sink.js';
import { runWatch } from './run-watch.js';
import { printConfig, settle } from './settings.js';
import { type Previous, type ReportSettings, reportBuild } from './summary.js';

/** Whether a process runs (EPERM: it does, as another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Before a build writes: --out must be a folder (or nothing yet), and the temporary files that
 * killed builds left there and beside the lock files are removed (those of running ones kept).
 */
async function prepareOut(cwd: string, options: BuildOptions): Promise<void> {
  const out = path.resolve(cwd, options.out);
  // A name the file system refuses (too long, say) is reported when the folder is made.
  const found = (() => {
    try {
      return statIfThere(out);
    } catch {
      return undefined;
    }
  })();
  if (found && !found.isDirectory())
    throw new UsageError(`Unexpected --out '${options.out}': a file, expected a folder`);
  await sweepLeftovers(cwd, options.out, options.paths, isAlive);
}

/** `deckc build` (`write`) and `deckc check`: the settings, then one build or a watch, reported. */
export async function runBuild(
  args: Record<string, unknown>,
  ctx: Context,
  write: boolean,
): Promise<number> {
  const { io } = ctx;
  const sink = reportSink(args, ctx);
  const settled = await settle(args, io);
  if (Array.isArray(settled)) {
    await sink.write(sink.format(settled));
    return EXIT.tool;
  }
  const { strict, maxWarnings, from } = settled;
  const options: BuildOptions = {
    ...settled.options,
    write,
    // `check` writes nothing at all: it reads the cache, but neither fills nor prunes it.
    cache: settled.options.cache && (write || 'read'),
    now: ctx.now,
    // SOURCE_DATE_EPOCH pins `now`: then the clock tells whether it is plausible.
    clock: ctx.clock,
    signal: io.signal,
  };
  if (args.printConfig) {
    printConfig(settled, io);
    return EXIT.ok;
  }
  if (write) await prepareOut(io.cwd, options);
  const reporter = args.reporter as ReporterName;
  const quiet = Boolean(args.quiet);
  const tty = Boolean(io.stderr.isTTY) && !quiet && reporter !== 'json';
  const progress = tty ? new ProgressBar(io.stderr) : null;
  if (progress) {
    options.onFile = (done, total, cards) => progress.update(done, total, cards);
    options.onPhase = (phase) => progress.phase(phase);
  }
  const strictFrom = from.strict === '--strict' ? '--strict' : `"strict": true in ${from.strict}`;
  const settings: ReportSettings = {
    io,
    c: ctx.c,
    sink,
    reporter,
    quiet,
    strict,
    strictFrom,
    maxWarnings,
    write,
    progress,
  };
  const report = (result: BuildResult, ms: number, previous?: Previous) =>
    reportBuild(settings, result, ms, previous);
  if (args.watch) return runWatch(options, ctx, report, quiet, progress);
  const started = performance.now();
  try {
    return (await report(await build(options), performance.now() - started)).code;
  } finally {
    progress?.clear();
  }
}
