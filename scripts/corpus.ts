/**
 * Compiles a folder of decks with the parser and checks the promise "every `:p` becomes a card or
 * an error": `npm run corpus -- [dir]` (default ../shared/corpus/real). Exit 1 on any crash or
 * lost question.
 *
 * The `:p` lines are counted by an independent, deliberately simple scan: a line whose trimmed
 * text starts with `:p` followed by a space or the end of the line, or that holds `:p ` glued
 * right after `$` (math). It knows nothing about code fences, so a `:p` line inside a real fence
 * counts as seen: the parser must then report it or (if the fence is genuine) it shows up in the
 * "lost" list for a human to judge.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
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
}

const QUESTION_LINE = /^[ \t]*:p(?:[ \t]|$)|\$:p(?:[ \t]|$)/;

/** Parses one file and counts what the corpus report needs. Swap parseFile here for the whole pipeline. */
export function checkFile(input: Uint8Array | string, path: string): FileCounts {
  const { file, diagnostics, markers } = parseFile(input, path);
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
  return {
    cards: file.children.length,
    questionLines,
    rules,
    lost,
    swallowing: swallowingFences(text),
  };
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
  const started = performance.now();
  for (const full of walk(root)) {
    files++;
    const path = relative(root, full).split('\\').join('/');
    try {
      const counts = checkFile(readFileSync(full), path);
      cards += counts.cards;
      questionLines += counts.questionLines;
      for (const [rule, k] of counts.rules) rules.set(rule, (rules.get(rule) ?? 0) + k);
      for (const line of counts.lost) lost.push(`${path}:${line}`);
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
  out.push(`crashes          ${crashes.length}`);
  out.push(`lost questions   ${lost.length}`);
  out.push(`time             ${ms.toFixed(0)} ms`);
  out.push(
    `fences a CommonMark reading runs across card markers: ${swallowing} in ${swallowingFiles} files`,
  );
  out.push('', 'diagnostics by rule:');
  const sorted = [...rules].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [rule, k] of sorted) out.push(`  ${String(k).padStart(7)}  ${rule}`);
  if (crashes.length > 0) out.push('', 'crashes:', ...crashes.map((c) => `  ${c}`));
  if (lost.length > 0)
    out.push('', "':p' lines with neither a card nor an error:", ...lost.map((l) => `  ${l}`));
  console.log(out.join('\n'));
  return crashes.length > 0 || lost.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
