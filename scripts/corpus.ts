/**
 * Compiles a folder of decks through the whole per-file pipeline (parse, deck name, render) and checks the promise "every `:p` becomes a card or
 * an error": `npm run corpus -- [dir]` (default ../shared/corpus/real). Exit 1 on any crash or
 * lost question.
 *
 * The `:p` lines are counted by an independent, deliberately simple scan: a line whose trimmed
 * text starts with `:p` followed by a space or the end of the line, or that holds `:p ` glued
 * right after `$` (math). It knows nothing about code fences, so a `:p` line inside a real fence
 * counts as seen: the parser must then report it or (if the fence is genuine) it shows up in the
 * "lost" list for a human to judge.
 *
 * The same promise for the format author's second dialect (src/parse/dialect.ts): every `?p:` /
 * `p:` prompt line becomes a card or a diagnostic at its line, every `?x` line lies in a card or
 * has a diagnostic about it. Cards are also counted by the dialect the parser read each file in,
 * so that a change to the dialect shows what it did to files of the main form.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFile } from '../src/compile.js';
import { mediaReader } from '../src/io/input.js';
import type { Dialect } from '../src/parse/dialect.js';
import { parseFile } from '../src/parse/parse-file.js';

export interface FileCounts {
  cards: number;
  questionLines: number;
  /** Diagnostics by rule id. */
  rules: Map<string, number>;
  /** 1-based lines of `:p` that gave neither a card nor an error. */
  lost: number[];
  /** Fences a plain CommonMark reading would run across card markers (see `swallowingFences`). */
  swallowing: number;
  /** Cards with at least one diagnostic, by rule (render rules such as unbalanced-math matter here). */
  cardsByRule: Map<string, number>;
  /** The form the parser read the file in. */
  dialect: Dialect;
  /** `?p:` / `p:` prompt lines and `?x` lines seen (in files of the dialect). */
  dialectLines: number;
  /** 1-based lines of those that gave neither a card nor a diagnostic. */
  dialectLost: number[];
}

const PROMPT_LINE = /^[ \t]*(?:\?p:|p:[ \t])/;
const SHORT_LINE = /^[ \t]*\?x[ \t]*$/;

const QUESTION_LINE = /^[ \t]*:p(?:[ \t]|$)|\$:p(?:[ \t]|$)/;

/** Compiles one file (parse + render) and counts what the corpus report needs. */
export function checkFile(
  input: Uint8Array | string,
  path: string,
  readMedia: (path: string) => Uint8Array | null = () => null,
): FileCounts {
  const compiled = compileFile(input, path, readMedia, { rootDeck: 'Corpus' });
  const diagnostics = compiled.diagnostics;
  const markers = compiled.cards.map((c) => c.source);
  const file = { children: compiled.cards };
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const rules = new Map<string, number>();
  for (const d of diagnostics) rules.set(d.rule, (rules.get(d.rule) ?? 0) + 1);
  const answered = new Set(markers.map((p) => p.line));
  const errors = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.line));
  const lost: number[] = [];
  let questionLines = 0;
  text.split(/\r\n|\r|\n/).forEach((line, k) => {
    if (!QUESTION_LINE.test(line)) return;
    questionLines++;
    if (!answered.has(k + 1) && !errors.has(k + 1)) lost.push(k + 1);
  });
  // A diagnostic belongs to the card whose ':p' is the last one at or before its line.
  const starts = markers.map((m) => m.line);
  const cardsByRule = new Map<string, number>();
  const seen = new Set<string>();
  for (const d of diagnostics) {
    let card = -1;
    for (let i = 0; i < starts.length && starts[i]! <= d.line; i++) card = i;
    const key = `${d.rule}\u0000${card}`;
    if (card < 0 || seen.has(key)) continue;
    seen.add(key);
    cardsByRule.set(d.rule, (cardsByRule.get(d.rule) ?? 0) + 1);
  }
  const dialect = dialectCheck(input, path, text);
  return {
    ...dialect,
    cardsByRule,
    cards: file.children.length,
    questionLines,
    rules,
    lost,
    swallowing: swallowingFences(text),
  };
}

/** The dialect a file is read in, and its prompt and `?x` lines with neither card nor diagnostic. */
function dialectCheck(input: Uint8Array | string, path: string, text: string) {
  const parsed = parseFile(input, path);
  const dialectLost: number[] = [];
  let dialectLines = 0;
  if (parsed.dialect === 'main') return { dialect: parsed.dialect, dialectLines, dialectLost };
  const spans = parsed.file.children.map((c) => [c.position.start.line, c.position.end.line]);
  const questions = new Set(parsed.markers.map((p) => p.line));
  const reported = new Set(parsed.diagnostics.map((d) => d.line));
  // An empty answer is reported at its question, naming the line that opened it.
  for (const d of parsed.diagnostics) {
    const opened = /opened at line (\d+)/.exec(d.message);
    if (opened) reported.add(Number(opened[1]));
  }
  text.split(/\r\n|\r|\n/).forEach((line, k) => {
    const at = k + 1;
    if (PROMPT_LINE.test(line)) {
      dialectLines++;
      if (!questions.has(at) && !reported.has(at)) dialectLost.push(at);
    } else if (SHORT_LINE.test(line)) {
      dialectLines++;
      if (!reported.has(at) && !spans.some(([a, b]) => a! <= at && at <= b!)) dialectLost.push(at);
    }
  });
  return { dialect: parsed.dialect, dialectLines, dialectLost };
}

const MARKER_LINE = /^[ \t]*(?:x\?\?|\?\?x|:p(?:[ \t].*)?)[ \t]*$/;

/**
 * How many code fences, read the plain CommonMark way (an opener is a line starting with ``` or
 * ~~~, the closer a bare run of at least as many; text glued before ``` is no opener), contain a
 * card marker line (`x??`, `??x`, `:p …`; not `####`, a common comment in code): the fences that would swallow cards if
 * trusted. The parser's `runaway-fence`, `unclosed-fence` and `glued-fence` reports answer them.
 */
export function swallowingFences(text: string): number {
  let count = 0;
  let open: { char: string; length: number; swallowed: boolean } | null = null;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const t = line.trim();
    if (open) {
      const bare = /^(`{3,}|~{3,})$/.exec(t);
      if (bare && bare[1]![0] === open.char && bare[1]!.length >= open.length) {
        if (open.swallowed) count++;
        open = null;
      } else if (!open.swallowed && MARKER_LINE.test(line)) {
        open.swallowed = true;
      }
      continue;
    }
    const m = /^(`{3,}|~{3,})(.*)$/.exec(t);
    if (m && !(m[1]![0] === '`' && m[2]!.includes('`'))) {
      open = { char: m[1]![0]!, length: m[1]!.length, swallowed: false };
    }
  }
  if (open?.swallowed) count++;
  return count;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (name.endsWith('.md')) yield full;
  }
}

export function main(argv: string[]): number {
  // ../shared beside the checkout (as in CI); ../../shared from a worktree under wt/.
  const root =
    argv[0] ??
    ['../shared/corpus/real', '../../shared/corpus/real'].find((d) => existsSync(d)) ??
    '../shared/corpus/real';
  let files = 0;
  let cards = 0;
  let questionLines = 0;
  const rules = new Map<string, number>();
  const crashes: string[] = [];
  const lost: string[] = [];
  let swallowing = 0;
  let swallowingFiles = 0;
  const cardsByRule = new Map<string, number>();
  const byDialect = new Map<Dialect, { files: number; cards: number }>();
  let dialectLines = 0;
  const readMedia = mediaReader(root);
  const started = performance.now();
  for (const full of walk(root)) {
    files++;
    const path = relative(root, full).split('\\').join('/');
    try {
      const counts = checkFile(readFileSync(full), path, readMedia);
      cards += counts.cards;
      questionLines += counts.questionLines;
      for (const [rule, k] of counts.rules) rules.set(rule, (rules.get(rule) ?? 0) + k);
      for (const [rule, k] of counts.cardsByRule)
        cardsByRule.set(rule, (cardsByRule.get(rule) ?? 0) + k);
      for (const line of counts.lost) lost.push(`${path}:${line}`);
      for (const line of counts.dialectLost) lost.push(`${path}:${line}`);
      dialectLines += counts.dialectLines;
      const d = byDialect.get(counts.dialect) ?? { files: 0, cards: 0 };
      d.files++;
      d.cards += counts.cards;
      byDialect.set(counts.dialect, d);
      swallowing += counts.swallowing;
      if (counts.swallowing > 0) swallowingFiles++;
    } catch (error) {
      crashes.push(`${path}: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  const ms = performance.now() - started;
  const out: string[] = [];
  out.push(`files            ${files}`);
  out.push(`cards            ${cards}`);
  out.push(`':p' lines seen  ${questionLines}`);
  for (const dialect of ['main', 'terms', 'mixed'] as const) {
    const d = byDialect.get(dialect) ?? { files: 0, cards: 0 };
    out.push(`  ${`${dialect}:`.padEnd(7)} ${d.files} files, ${d.cards} cards`);
  }
  out.push(`'?p:'/'p:'/'?x' lines seen (second dialect) ${dialectLines}`);
  out.push(`crashes          ${crashes.length}`);
  out.push(`lost questions   ${lost.length}`);
  out.push(`time             ${ms.toFixed(0)} ms`);
  out.push(
    `fences a CommonMark reading runs across card markers: ${swallowing} in ${swallowingFiles} files`,
  );
  out.push('', 'diagnostics by rule:');
  const sorted = [...rules].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  out.push(`  ${'messages'.padStart(8)}  ${'cards'.padStart(6)}  rule`);
  for (const [rule, k] of sorted) {
    out.push(
      `  ${String(k).padStart(8)}  ${String(cardsByRule.get(rule) ?? 0).padStart(6)}  ${rule}`,
    );
  }
  const of = (rule: string) => cardsByRule.get(rule) ?? 0;
  out.push(
    '',
    `cards with unbalanced-math: ${of('unbalanced-math')}; with sanitized HTML (unsafe-html): ${of('unsafe-html')}`,
  );
  if (crashes.length > 0) out.push('', 'crashes:', ...crashes.map((c) => `  ${c}`));
  if (lost.length > 0)
    out.push(
      '',
      "':p' lines with neither a card nor an error (or '?p:' / '?x' lines with neither a card nor a diagnostic):",
      ...lost.map((l) => `  ${l}`),
    );
  console.log(out.join('\n'));
  return crashes.length > 0 || lost.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
