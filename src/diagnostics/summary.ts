import type { Diagnostic, Severity } from '../validate/schema.js';
import { type Paint, plain } from './color.js';

/** How many diagnostics of each rule, most severe first, then most frequent, then by rule id. */
export interface RuleCount {
  rule: string;
  severity: Severity;
  count: number;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function countByRule(diagnostics: readonly Diagnostic[]): RuleCount[] {
  const counts = new Map<string, RuleCount>();
  for (const d of diagnostics) {
    const key = `${d.severity}\u0000${d.rule}`;
    const entry = counts.get(key) ?? { rule: d.rule, severity: d.severity, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      b.count - a.count ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}

/** The summary's table of counts per rule: `  520 warning  answer-closer`, one line each. */
export function formatRuleCounts(diagnostics: readonly Diagnostic[], c: Paint = plain): string {
  const rows = countByRule(diagnostics);
  const width = Math.max(0, ...rows.map((r) => String(r.count).length));
  return rows
    .map(
      (r) =>
        `  ${String(r.count).padStart(width)} ${c(r.severity, r.severity.padEnd(7))} ${c('rule', r.rule)}\n`,
    )
    .join('');
}

/** What a build did, for the job summary. */
export interface BuildFigures {
  /** `deckc build` or `deckc check`. */
  command: string;
  files: number;
  cards: number;
  packages: number;
  retired: number;
  /** Output files written, relative to the working folder. */
  written: readonly string[];
  /** Why the run failed (exit 1 or 2), when it did. */
  failure?: string | undefined;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A Markdown report for GitHub's job summary (`$GITHUB_STEP_SUMMARY`): the verdict, the figures,
 * the counts per rule and per file (every diagnostic, also those past the annotation limit) and
 * the packages written.
 */
export function formatJobSummary(
  diagnostics: readonly Diagnostic[],
  figures: BuildFigures,
): string {
  const n = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) n[d.severity]++;
  const verdict = figures.failure ? `❌ ${figures.failure}` : '✅ passed';
  let out = `### ${figures.command}: ${verdict}\n\n`;
  out += `${plural(figures.files, 'file')} · ${plural(figures.cards, 'card')} · ${plural(figures.packages, 'package')}`;
  out += `${figures.retired ? ` · ${figures.retired} retired` : ''} · ${plural(n.error, 'error')} · ${plural(n.warning, 'warning')}\n\n`;
  if (diagnostics.length) {
    out += '| rule | severity | count |\n| --- | --- | ---: |\n';
    for (const r of countByRule(diagnostics))
      out += `| \`${cell(r.rule)}\` | ${r.severity} | ${r.count} |\n`;
    const files = new Map<string, { error: number; warning: number; info: number }>();
    for (const d of diagnostics) {
      const f = files.get(d.file) ?? { error: 0, warning: 0, info: 0 };
      f[d.severity]++;
      files.set(d.file, f);
    }
    out += '\n| file | errors | warnings |\n| --- | ---: | ---: |\n';
    for (const [file, f] of [...files].sort(
      ([a, x], [b, y]) => y.error - x.error || y.warning - x.warning || (a < b ? -1 : 1),
    ))
      out += `| \`${cell(file)}\` | ${f.error} | ${f.warning} |\n`;
    out += '\n';
  }
  if (figures.written.length) {
    out += '<details><summary>Written</summary>\n\n';
    for (const file of figures.written) out += `- \`${cell(file)}\`\n`;
    out += '\n</details>\n\n';
  }
  return out;
}
