/**
 * Render throughput and corpus statistics. Prints numbers; asserts nothing.
 *
 *   npx tsx scripts/bench-render.ts [DIR] [--no-yanki] [--rounds N]
 *
 * DIR defaults to /work/shared/corpus/real. Runs, on one core and in one process:
 * 1. deckc: split + renderCard for every card (diagnostics counted per rule),
 * 2. yanki's getNoteFromMarkdown on the same cards (question `---` answer, its Basic note form).
 *
 * SIMPLE SPLIT, NOT THE DECKC PARSER: until the parser is merged, cards are cut out of the files
 * here with a naive scan (`####` title, `:p` question, `??x` … `x??` answer, ending early at
 * `---` / `:p` / `####`). Good enough to feed realistic fields to the renderer; it recovers none
 * of the parser's stray-marker cases.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DiagnosticSink } from '../src/diagnostics/report.js';
import { renderCard } from '../src/render/render-card.js';
import type { Card, Field } from '../src/validate/schema.js';

const args = process.argv.slice(2);
const root = args.find((a) => !a.startsWith('--')) ?? '/work/shared/corpus/real';
const withYanki = !args.includes('--no-yanki');
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 1;

function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listMarkdown(path));
    else if (name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** A field from lines [from, to) of the file (0-based line indexes), trimmed of blank lines. */
function field(lines: string[], offsets: number[], from: number, to: number, column = 1): Field {
  while (from < to && lines[from]!.trim() === '') from++;
  while (to > from && lines[to - 1]!.trim() === '') to--;
  const value = lines
    .slice(from, to)
    .map((l, i) => (i === 0 ? l.slice(column - 1) : l))
    .join('\n');
  const last = Math.max(from, to - 1);
  return {
    type: 'field',
    value,
    position: {
      start: { line: from + 1, column, offset: (offsets[from] ?? 0) + column - 1 },
      end: {
        line: last + 1,
        column: (lines[last]?.length ?? 0) + 1,
        offset: (offsets[last] ?? 0) + (lines[last]?.length ?? 0),
      },
    },
  };
}

/** Naive card split (see the header): enough for benchmarking the renderer. */
function splitCards(text: string): Card[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const offsets: number[] = [];
  let o = 0;
  for (const l of lines) {
    offsets.push(o);
    o += l.length + 1;
  }
  const cards: Card[] = [];
  let title: number | null = null;
  let contextFrom: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^####\s*/.test(line)) {
      title = i;
      contextFrom = i + 1;
      continue;
    }
    if (/^---\s*$/.test(line)) {
      title = null;
      contextFrom = null;
      continue;
    }
    if (!/^:p(\s|$)/.test(line)) continue;
    const q = i;
    let open = q + 1;
    while (open < lines.length && lines[open]!.trim() !== '??x') open++;
    if (open >= lines.length) continue;
    let close = open + 1;
    let inFence = false;
    while (close < lines.length) {
      const l = lines[close]!;
      if (/^\s*(```|~~~)/.test(l)) inFence = !inFence;
      if (!inFence && (/^(x\?\?|\?\?x|---)$/.test(l.trim()) || /^(:p(\s|$)|####)/.test(l))) break;
      close++;
    }
    const titleField =
      title === null
        ? null
        : field(lines, offsets, title, title + 1, /^####\s*/.exec(lines[title]!)![0].length + 1);
    const context =
      contextFrom !== null && contextFrom < q ? field(lines, offsets, contextFrom, q) : null;
    cards.push({
      type: 'card',
      title: titleField,
      context: context && context.value !== '' ? context : null,
      question: field(lines, offsets, q, open, 4),
      answer: field(lines, offsets, open + 1, close),
      id: null,
      position: field(lines, offsets, title ?? q, close).position,
    });
    contextFrom = null;
    i = close;
  }
  return cards;
}

const files = listMarkdown(root).map((path) => ({
  rel: relative(root, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

// Split once outside the timing, to count cards and feed yanki the same cards.
const allCards = files.flatMap((f) => splitCards(f.text).map((card) => ({ file: f.rel, card })));
console.log(`corpus: ${root}`);
console.log(`files: ${files.length}, cards (simple split): ${allCards.length}`);

// Warm-up (300 cards each for deckc and yanki): JIT, lazy grammar and highlighter set-up.
for (const { file, card } of allCards.slice(0, 300)) {
  renderCard(card, { sink: new DiagnosticSink(file), file, readMedia: () => null });
}

const { getNoteFromMarkdown } = withYanki ? await import('yanki') : { getNoteFromMarkdown: null };
const yankiSource = (card: Card) => `${card.question.value}\n\n---\n\n${card.answer.value}`;
if (getNoteFromMarkdown) {
  for (const { card } of allCards.slice(0, 300)) {
    await getNoteFromMarkdown(yankiSource(card), { namespace: 'bench' });
  }
}

// Timed file by file, deckc then yanki on the same file's cards, so that load from other
// processes on the machine falls on both alike. deckc renders title and context too; yanki gets
// question and answer only (its Basic note), which favours yanki.
const byRule = new Map<string, { messages: number; cards: number }>();
let deckcMs = 0;
let renderMs = 0;
let yankiMs = 0;
for (let round = 0; round < rounds; round++) {
  byRule.clear();
  for (const f of files) {
    const t0 = performance.now();
    const cards = splitCards(f.text);
    const sinks: DiagnosticSink[] = [];
    for (const card of cards) {
      const sink = new DiagnosticSink(f.rel);
      const r0 = performance.now();
      renderCard(card, { sink, file: f.rel, readMedia: () => null });
      renderMs += performance.now() - r0;
      sinks.push(sink);
    }
    deckcMs += performance.now() - t0;
    if (getNoteFromMarkdown) {
      const y0 = performance.now();
      for (const card of cards)
        await getNoteFromMarkdown(yankiSource(card), { namespace: 'bench' });
      yankiMs += performance.now() - y0;
    }
    for (const sink of sinks) {
      const seen = new Set<string>();
      for (const m of sink.messages) {
        const entry = byRule.get(m.rule) ?? { messages: 0, cards: 0 };
        entry.messages++;
        if (!seen.has(m.rule)) entry.cards++;
        seen.add(m.rule);
        byRule.set(m.rule, entry);
      }
    }
  }
}
deckcMs /= rounds;
renderMs /= rounds;
yankiMs /= rounds;
const rate = (ms: number) => Math.round((allCards.length / ms) * 1000);
console.log(
  `deckc split+render: ${deckcMs.toFixed(0)} ms, ${rate(deckcMs)} cards/s (render alone ${renderMs.toFixed(0)} ms, ${rate(renderMs)} cards/s)`,
);
for (const rule of ['unbalanced-math', 'unsafe-html', 'missing-media', 'media-outside-root']) {
  if (!byRule.has(rule)) byRule.set(rule, { messages: 0, cards: 0 });
}
for (const [rule, n] of [...byRule].sort()) {
  console.log(`  ${rule}: ${n.cards} cards, ${n.messages} messages`);
}
if (getNoteFromMarkdown) {
  console.log(`yanki getNoteFromMarkdown: ${yankiMs.toFixed(0)} ms, ${rate(yankiMs)} cards/s`);
  console.log(`deckc / yanki: ${(yankiMs / deckcMs).toFixed(1)}x`);
}

if (args.includes('--compare-math')) {
  // How remark-math would read the same fields, against deckc's tokeniser (see src/render/math.ts).
  const { default: remarkMath } = await import('remark-math');
  const { unified } = await import('unified');
  const { default: remarkParse } = await import('remark-parse');
  const { default: remarkGfm } = await import('remark-gfm');
  const { tokenizeMath } = await import('../src/render/math.js');
  const parser = unified().use(remarkParse).use(remarkGfm).use(remarkMath);
  const proseLike = (tex: string) =>
    (tex.replace(/\\[a-zA-Z]+(\{[^}]*\})?/g, '').match(/\b[a-zA-Z]{4,}\b/g) ?? []).length >= 3;
  const stats = {
    remarkMath: { spans: 0, proseLike: 0, leftoverDollarTexts: 0, parenBracketLost: 0 },
    deckc: { spans: 0, proseLike: 0, problems: 0 },
  };
  const t0 = performance.now();
  for (const { card } of allCards) {
    for (const f of [card.question, card.answer, card.context]) {
      if (!f) continue;
      const walk = (node: { type: string; value?: string; children?: unknown[] }) => {
        if (node.type === 'inlineMath' || node.type === 'math') {
          stats.remarkMath.spans++;
          if (node.type === 'inlineMath' && proseLike(node.value ?? ''))
            stats.remarkMath.proseLike++;
        }
        if (node.type === 'text' && node.value?.includes('$'))
          stats.remarkMath.leftoverDollarTexts++;
        for (const c of (node.children ?? []) as Array<typeof node>) walk(c);
      };
      walk(parser.parse(f.value) as never);
      stats.remarkMath.parenBracketLost += (f.value.match(/\\\(|\\\[/g) ?? []).length;
    }
  }
  const remarkMs = performance.now() - t0;
  for (const { card } of allCards) {
    for (const f of [card.question, card.answer, card.context]) {
      if (!f) continue;
      const r = tokenizeMath(f.value);
      stats.deckc.spans += r.tokens.length;
      stats.deckc.problems += r.problems.length;
      stats.deckc.proseLike += r.tokens.filter((t) => !t.display && proseLike(t.tex)).length;
    }
  }
  console.log(
    `math over question/answer/context fields (remark-math parse ${remarkMs.toFixed(0)} ms):`,
  );
  console.log(
    `  remark-math: ${stats.remarkMath.spans} spans, ${stats.remarkMath.proseLike} inline spans with 3+ prose words, ${stats.remarkMath.leftoverDollarTexts} text nodes still holding '$', ${stats.remarkMath.parenBracketLost} \\( or \\[ read as escapes`,
  );
  console.log(
    `  deckc:       ${stats.deckc.spans} spans, ${stats.deckc.proseLike} inline spans with 3+ prose words, ${stats.deckc.problems} unbalanced-math problems`,
  );
}
