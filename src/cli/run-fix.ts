import path from 'node:path';
import type { ReporterName } from '../diagnostics/format.js';
import { countBySeverity } from '../diagnostics/report.js';
import { loadConfig } from '../io/config-file.js';
import type { Context } from './context.js';
import { EXIT } from './exit.js';
import { last } from './option-values.js';
import { reportSink } from './report-sink.js';
import { runtime } from './runtime.js';
import { DEFAULTS } from './settings.js';
import { plural } from './summary.js';

/** `deckc fix`: runs the fixes, prints the diff (dry run) on stdout and the rest on stderr. */
export async function runFixCommand(args: Record<string, unknown>, ctx: Context): Promise<number> {
  const { io } = ctx;
  const { runFix, formatFixResult } = (await import(
    runtime('../fix/run.js')
  )) as typeof import('../fix/run.js');
  const sink = reportSink(args, ctx);
  const loaded = await loadConfig(io.cwd, last(args.config) as string | undefined);
  const reporter = args.reporter as ReporterName;
  if (loaded.diagnostics.length) {
    await sink.write(sink.format(loaded.diagnostics));
    return EXIT.tool;
  }
  const dir = loaded.dir ?? io.cwd;
  const paths = (args.paths as string[]).filter(Boolean);
  const dryRun = Boolean(args.dryRun);
  const result = await runFix({
    paths: paths.length
      ? paths
      : (loaded.config.input?.map((p) => path.relative(io.cwd, path.resolve(dir, p)) || '.') ??
        DEFAULTS.input),
    cwd: io.cwd,
    ignore: loaded.config.ignore ?? [],
    dryRun,
    signal: io.signal,
  });
  // A dry run's stdout is the patch alone; otherwise what is left to fix by hand is listed.
  if (dryRun) io.stdout.write(result.patch);
  else {
    const shown = result.diagnostics.filter((d) => !args.quiet || d.severity === 'error');
    if (reporter === 'json' || shown.length) await sink.write(sink.format(shown));
  }
  io.stderr.write(formatFixResult(result, dryRun));
  if (result.interrupted) {
    io.stderr.write('deckc: interrupted; the files listed above are fixed, the others untouched\n');
    return EXIT.interrupted;
  }
  const counts = countBySeverity(result.diagnostics);
  const strict = (args.strict as boolean | undefined) ?? loaded.config.strict ?? false;
  const failed = counts.error > 0 || (strict && counts.warning > 0);
  if (failed && counts.error === 0)
    io.stderr.write(`deckc: failed: ${plural(counts.warning, 'warning')} left with --strict\n`);
  return failed ? EXIT.input : EXIT.ok;
}
