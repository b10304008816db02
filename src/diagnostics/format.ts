import type { Diagnostic, Severity } from '../validate/schema.js';
import { type Paint, paint } from './color.js';

/** How a reporter renders; every option's default is the plain, complete output. */
export interface ReportOptions {
  /** ANSI colour for severity, rule id and place (text reporter). Default false. */
  color?: boolean;
  /**
   * The text reporter shows at most this many diagnostics of one rule in one file, then one
   * line saying how many more. 0 (the default) shows all.
   */
  maxPerRule?: number;
}

/** The text reporter's default `--max-per-rule` on the command line. */
export const MAX_PER_RULE = 10;

const at = (p: { file: string; line: number; column: number }) => `${p.file}:${p.line}:${p.column}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One diagnostic in the text reporter's shape, and its related place as a `note` line. */
function textLine(d: Diagnostic, c: Paint): string {
  return (
    `${c('place', `${at(d)}:`)} ${c(d.severity, `${d.severity}:`)} ${d.message} ${c('rule', `[${d.rule}]`)}\n` +
    (d.related
      ? `${c('place', `${at(d.related)}:`)} ${c('note', 'note:')} ${d.related.message}\n`
      : '')
  );
}

/**
 * `file:line:column: severity: message [rule]`, the shape compilers and editors understand, and a
 * `note` line for a related place. With `maxPerRule`, the repeats of a rule in a file past that
 * many are left out and counted on one line after the last one shown.
 */
export function formatText(
  diagnostics: readonly Diagnostic[],
  options: ReportOptions = {},
): string {
  const c = paint(Boolean(options.color));
  const max = options.maxPerRule ?? 0;
  if (max <= 0) return diagnostics.map((d) => textLine(d, c)).join('');
  const key = (d: Diagnostic) => `${d.file}\u0000${d.rule}`;
  const total = new Map<string, number>();
  for (const d of diagnostics) total.set(key(d), (total.get(key(d)) ?? 0) + 1);
  const seen = new Map<string, number>();
  let out = '';
  for (const d of diagnostics) {
    const n = (seen.get(key(d)) ?? 0) + 1;
    seen.set(key(d), n);
    if (n <= max) out += textLine(d, c);
    if (n === max && total.get(key(d))! > max) {
      const more = total.get(key(d))! - max;
      out += `${c('place', `${d.file}:`)} ${more} more ${c('rule', `[${d.rule}]`)} not shown (--max-per-rule ${max}; 0 shows all)\n`;
    }
  }
  return out;
}

/** Exactly one JSON array on stdout, for tools; `fix` when the diagnostic carries one. */
export function formatJson(diagnostics: readonly Diagnostic[], _options?: ReportOptions): string {
  return `${JSON.stringify(
    diagnostics.map(
      ({ file, line, column, endLine, endColumn, severity, rule, message, related, fix }) => ({
        file,
        line,
        column,
        endLine,
        endColumn,
        severity,
        rule,
        message,
        ...(related ? { related } : {}),
        ...(fix ? { fix } : {}),
      }),
    ),
    null,
    2,
  )}\n`;
}

/** Escapes for GitHub workflow commands (data and property values differ). */
const escapeData = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * GitHub shows at most this many annotations of each kind per step (and drops the rest), see
 * docs.github.com "Workflow commands": 10 errors and 10 warnings; notices alike.
 */
export const GITHUB_ANNOTATIONS_PER_STEP = 10;

const LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;
const ORDER: readonly Severity[] = ['error', 'warning', 'info'];

const annotation = (d: Diagnostic) =>
  `::${LEVEL[d.severity]} file=${escapeProperty(d.file)},line=${d.line},col=${d.column},endLine=${d.endLine},endColumn=${d.endColumn},title=${escapeProperty(`deckc ${d.rule}`)}::${escapeData(d.related ? `${d.message} (${d.related.message}: ${at(d.related)})` : d.message)}\n`;

/**
 * GitHub Actions annotations, `::warning file=…,line=…::message`: errors first, then warnings,
 * then notices, each kind up to GitHub's per-step limit. The diagnostics past it follow as plain
 * text lines (the log keeps them all), announced by one notice saying how many there are; the
 * job summary (formatJobSummary) counts them all.
 */
export function formatGithub(diagnostics: readonly Diagnostic[], _options?: ReportOptions): string {
  const limit = GITHUB_ANNOTATIONS_PER_STEP;
  const shown: Diagnostic[] = [];
  const rest: Diagnostic[] = [];
  for (const severity of ORDER) {
    const of = diagnostics.filter((d) => d.severity === severity);
    // One notice is kept for the count of the rest.
    const room = severity === 'info' && of.length + rest.length > limit ? limit - 1 : limit;
    shown.push(...of.slice(0, room));
    rest.push(...of.slice(room));
  }
  let out = shown.map(annotation).join('');
  if (rest.length) {
    out += `::notice title=deckc::${escapeData(`${plural(rest.length, 'more diagnostic')} not annotated (GitHub shows ${limit} of each kind per step): listed below and counted in the job summary`)}\n`;
    out += formatText(rest);
  }
  return out;
}

/** Formatters keyed by their `--reporter` name. */
export const REPORTERS = { text: formatText, json: formatJson, github: formatGithub } as const;
export type ReporterName = keyof typeof REPORTERS;
