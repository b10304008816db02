import path from 'node:path';
import { useColor } from '../diagnostics/color.js';
import { MAX_PER_RULE, REPORTERS, type ReporterName } from '../diagnostics/format.js';
import { writeReportFile } from '../io/report-file.js';
import { statIfThere } from '../io/stat.js';
import type { Diagnostic } from '../validate/schema.js';
import type { Context } from './context.js';
import { UsageError } from './exit.js';
import { count, text } from './option-values.js';

/** Where the reporter's output goes, and how it is formatted there. */
export interface ReportSink {
  format: (diagnostics: readonly Diagnostic[]) => string;
  toFile: boolean;
  write: (s: string) => Promise<void>;
}

/** Where the reporter's output goes: --output-file, stdout (json) or stderr. */
export function reportSink(args: Record<string, unknown>, { io, colorFlag }: Context): ReportSink {
  const reporter = args.reporter as ReporterName;
  const file = text(args, 'output-file', 'a file to write the diagnostics to');
  const stream = reporter === 'json' ? io.stdout : io.stderr;
  const color =
    reporter === 'text' &&
    (file === undefined ? useColor(colorFlag, io.env, Boolean(stream.isTTY)) : colorFlag === true);
  const maxPerRule = count(args, 'max-per-rule', 0) ?? MAX_PER_RULE;
  const format = (diagnostics: readonly Diagnostic[]) =>
    REPORTERS[reporter](diagnostics, { color, maxPerRule });
  if (file === undefined)
    return { format, toFile: false, write: async (s: string) => void stream.write(s) };
  const target = path.resolve(io.cwd, file);
  if (statIfThere(target)?.isDirectory())
    throw new UsageError(`Unexpected --output-file '${file}': a folder, expected a file`);
  return { format, toFile: true, write: (s: string) => writeReportFile(target, s) };
}
