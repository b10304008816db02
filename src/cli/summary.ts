/**
 * The end of a build: its diagnostics, the summary line, why it failed and the exit code; in
 * watch mode, only what changed since the build before.
 */
import path from 'node:path';
import type { Paint } from '../diagnostics/color.js';
import type { ReporterName } from '../diagnostics/format.js';
import { countBySeverity, countFixable } from '../diagnostics/report.js';
import { formatJobSummary, formatRuleCounts } from '../diagnostics/summary.js';
import { appendReportFile } from '../io/report-file.js';
import { statIfThere } from '../io/stat.js';
import type { Diagnostic } from '../validate/schema.js';
import type { BuildResult } from './build.js';
import type { CliIo } from './context.js';
import { EXIT } from './exit.js';
import type { ProgressBar } from './progress.js';
import type { ReportSink } from './report-sink.js';

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** HH:MM:SS, local time. */
const clock = (date: Date) => date.toTimeString().slice(0, 8);

/** What the last build printed, so that watch mode prints only what changed. */
export interface Previous {
  diagnostics: readonly Diagnostic[];
  /** Output files by their stat (size, mtime, inode) after they were last written. */
  written: ReadonlyMap<string, string>;
}

/**
 * Diagnostics new since `before` and those gone: the same diagnostic at the same place is not
 * new, nor one that only moved (same file, rule and message, another line).
 */
export function diffDiagnostics(before: readonly Diagnostic[], after: readonly Diagnostic[]) {
  const exact = (d: Diagnostic) =>
    `${d.file}:${d.line}:${d.column}\u0000${d.rule}\u0000${d.message}`;
  const loose = (d: Diagnostic) => `${d.file}\u0000${d.rule}\u0000${d.message}`;
  const take = (list: readonly Diagnostic[], key: (d: Diagnostic) => string) => {
    const bag = new Map<string, number>();
    for (const d of list) bag.set(key(d), (bag.get(key(d)) ?? 0) + 1);
    return bag;
  };
  const match = (
    a: readonly Diagnostic[],
    b: readonly Diagnostic[],
    key: (d: Diagnostic) => string,
  ) => {
    const bag = take(b, key);
    return a.filter((d) => {
      const n = bag.get(key(d)) ?? 0;
      if (n) bag.set(key(d), n - 1);
      return n === 0;
    });
  };
  let added = match(after, before, exact);
  let resolved = match(before, after, exact);
  [added, resolved] = [match(added, resolved, loose), match(resolved, added, loose)];
  return { added, resolved };
}

/** The files of `written` whose stat differs from `before` (all of them without a `before`). */
function changedFiles(
  cwd: string,
  written: readonly string[],
  before?: ReadonlyMap<string, string>,
) {
  const changed = new Map<string, string>();
  for (const file of written) {
    const s = statIfThere(path.resolve(cwd, file));
    const id = s ? `${s.size}:${s.mtimeMs}:${s.ino}` : 'gone';
    if (!before || before.get(file) !== id) changed.set(file, id);
  }
  return changed;
}

/** How a run reports its builds. */
export interface ReportSettings {
  io: CliIo;
  c: Paint;
  sink: ReportSink;
  reporter: ReporterName;
  quiet: boolean;
  strict: boolean;
  /** Where `strict` came from, for the failure line: `--strict` or `"strict": true in <file>`. */
  strictFrom: string;
  maxWarnings: number | undefined;
  /** A build (true) or a check. */
  write: boolean;
  progress: ProgressBar | null;
}

/** Prints a build's report; `previous` (watch mode) limits it to what changed since. */
export async function reportBuild(
  settings: ReportSettings,
  result: BuildResult,
  ms: number,
  previous?: Previous,
): Promise<{ code: number; next: Previous }> {
  const { io, c, sink, reporter, quiet, strict, strictFrom, maxWarnings, write, progress } =
    settings;
  progress?.clear();
  const all = result.diagnostics;
  const shown = all.filter((d) => !quiet || d.severity === 'error');
  const counts = countBySeverity(all);
  const failure = [
    counts.error > 0 ? plural(counts.error, 'error') : '',
    strict && counts.warning > 0 ? `${plural(counts.warning, 'warning')} with ${strictFrom}` : '',
    maxWarnings !== undefined && counts.warning > maxWarnings
      ? `${plural(counts.warning, 'warning')}, more than --max-warnings ${maxWarnings}`
      : '',
  ].filter(Boolean);
  if (previous) {
    const { added, resolved } = diffDiagnostics(previous.diagnostics, shown);
    const changed = result.compiled.length ? result.compiled.join(', ') : 'no file compiled again';
    io.stderr.write(`${c('note', `[${clock(io.now?.() ?? new Date())}]`)} ${changed}\n`);
    await sink.write(reporter === 'json' ? sink.format(shown) : sink.format(added));
    for (const d of resolved)
      io.stderr.write(
        `  ${c('ok', 'resolved')} ${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} ${c('rule', `[${d.rule}]`)}\n`,
      );
  } else if (reporter === 'json' || shown.length || sink.toFile)
    await sink.write(sink.format(shown));
  if (reporter === 'github' && io.env.GITHUB_STEP_SUMMARY && !previous)
    await appendReportFile(
      path.resolve(io.cwd, io.env.GITHUB_STEP_SUMMARY),
      formatJobSummary(all, {
        command: `deckc ${write ? 'build' : 'check'}`,
        ...result,
        failure: result.unreadable.length
          ? 'deckc could not read its input'
          : failure.length
            ? failure.join('; ')
            : undefined,
      }),
    );
  for (const problem of result.unreadable) io.stderr.write(`deckc: cannot read ${problem}\n`);
  const n = (k: number, word: string, style: 'error' | 'warning') =>
    k ? c(style, plural(k, word)) : plural(k, word);
  io.stderr.write(
    `deckc: ${plural(result.files, 'file')}, ${plural(result.cards, 'card')}, ${plural(result.packages, 'package')}` +
      `${result.retired ? `, ${result.retired} retired` : ''}; ${n(counts.error, 'error', 'error')}, ${n(counts.warning, 'warning', 'warning')} (${(ms / 1000).toFixed(2)} s)\n`,
  );
  if (all.length > 1 && !previous) io.stderr.write(formatRuleCounts(all, c));
  const fixable = countFixable(all).warning;
  if (fixable && !quiet && !previous)
    io.stderr.write(`deckc: ${plural(fixable, 'warning')} fixable by \`deckc fix\`\n`);
  if (result.bailed)
    io.stderr.write('deckc: stopped at the first file with errors (--bail); nothing written\n');
  for (const reason of result.withheld) io.stderr.write(`deckc: nothing written for ${reason}\n`);
  const failed = failure.length > 0;
  // Why the run fails, even with -q: errors speak for themselves, the other reasons not.
  if (failed && (counts.error === 0 || failure.length > 1))
    io.stderr.write(`deckc: ${c('error', 'failed:')} ${failure.join('; ')}\n`);
  const rewritten = write
    ? changedFiles(io.cwd, result.written, previous?.written)
    : new Map<string, string>();
  if (write && !quiet) for (const file of rewritten.keys()) io.stderr.write(`  wrote ${file}\n`);
  const next: Previous = {
    diagnostics: shown,
    written: new Map([...(previous?.written ?? []), ...rewritten]),
  };
  return {
    code: result.unreadable.length ? EXIT.tool : failed ? EXIT.input : EXIT.ok,
    next,
  };
}
