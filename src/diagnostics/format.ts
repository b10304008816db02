import type { Diagnostic } from '../validate/schema.js';

/**
 * `file:line:column: severity: message [rule]`, the shape compilers and editors understand, and a
 * `note` line for a related place.
 */
export function formatText(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map(
      (d) =>
        `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.rule}]\n` +
        (d.related ? `${at(d.related)}: note: ${d.related.message}\n` : ''),
    )
    .join('');
}

const at = (p: { file: string; line: number; column: number }) => `${p.file}:${p.line}:${p.column}`;

/** Exactly one JSON array on stdout, for tools; `fix` when the diagnostic carries one. */
export function formatJson(diagnostics: readonly Diagnostic[]): string {
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

/** GitHub Actions annotations: `::warning file=…,line=…::message`. */
export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  const level = { error: 'error', warning: 'warning', info: 'notice' } as const;
  return diagnostics
    .map(
      (d) =>
        `::${level[d.severity]} file=${escapeProperty(d.file)},line=${d.line},col=${d.column},endLine=${d.endLine},endColumn=${d.endColumn},title=${escapeProperty(`deckc ${d.rule}`)}::${escapeData(d.related ? `${d.message} (${d.related.message}: ${at(d.related)})` : d.message)}\n`,
    )
    .join('');
}

/** Formatters keyed by their `--reporter` name. */
export const REPORTERS = { text: formatText, json: formatJson, github: formatGithub } as const;
export type ReporterName = keyof typeof REPORTERS;
