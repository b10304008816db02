import type { Diagnostic, Point, Severity } from '../validate/schema.js';
import { RULES, type RuleId } from './rules.js';

/** A span to report at: a unist position, or a start point alone (the span is then empty). */
export type Place = { start: Point; end?: Point | undefined };

/**
 * Collects the diagnostics of one file. Stages report and go on; they throw only for bugs.
 */
export class DiagnosticSink {
  readonly messages: Diagnostic[] = [];

  constructor(readonly file: string) {}

  /** Records a diagnostic and returns it, so that the caller may attach its fix. */
  report(
    rule: RuleId,
    place: Place,
    message: string,
    severity: Severity = RULES[rule].severity,
  ): Diagnostic {
    const end = place.end ?? place.start;
    const diagnostic: Diagnostic = {
      file: this.file,
      line: place.start.line,
      column: place.start.column,
      endLine: end.line,
      endColumn: end.column,
      severity,
      rule,
      message,
    };
    this.messages.push(diagnostic);
    return diagnostic;
  }
}

/** How many diagnostics carry a fix `deckc fix` would apply, by severity. */
export function countFixable(diagnostics: readonly Diagnostic[]) {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) if (d.fix) counts[d.severity]++;
  return counts;
}

/** Orders diagnostics by file, line, column, then rule, so output is stable. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

export function countBySeverity(diagnostics: readonly Diagnostic[]) {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}
