/**
 * Parser throughput: `npx tsx scripts/bench-parse.ts [corpusDir]`. Prints MB/s and cards/s for
 * the structure pass (parseFile), remark-parse + remark-gfm alone on the same texts, and the
 * structure pass plus remark on every card field (the whole parse), with the ratio of the last to
 * remark alone. Datasets: the real corpus and a synthetic library generated into a temp dir by
 * gen-corpus.mjs (20 books × 30 parts × 45 cards). One warm-up, then the median of 5 runs (3 for
 * the remark rows, run interleaved: remark is two orders of magnitude slower than the structure
 * pass).
 * Also prints remark's fixed cost per call, which dominates when it runs once per small field.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { parseFile } from '../src/parse/parse-file.js';

const RUNS = 5;
const SLOW_RUNS = 3;
const shared = ['../shared', '../../shared'].find((d) => existsSync(d)) ?? '../shared';
const remark = unified().use(remarkParse).use(remarkGfm);

interface Doc {
  path: string;
  bytes: Uint8Array;
  text: string;
}

function load(root: string): Doc[] {
  const docs: Doc[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.md')) {
        const bytes = new Uint8Array(readFileSync(full));
        docs.push({ path: full, bytes, text: new TextDecoder().decode(bytes) });
      }
    }
  };
  walk(root);
  return docs;
}

/** Median wall time in ms of `RUNS` runs after one warm-up; returns it with the last result. */
function time<T>(run: () => T, runs = RUNS): { ms: number; result: T } {
  let result = run();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    result = run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, result };
}

/**
 * Times workloads interleaved (a, b, a, b, …) after one warm-up each, so that both see the same
 * machine load: this box is shared, and load drifts over a minute. Returns median ms of each and
 * the median of the per-repetition ratios b / a.
 */
function interleaved(a: () => unknown, b: () => unknown, runs: number) {
  a();
  b();
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  for (let k = 0; k < runs; k++) {
    let start = performance.now();
    a();
    ta.push(performance.now() - start);
    start = performance.now();
    b();
    tb.push(performance.now() - start);
    ratios.push(tb[k]! / ta[k]!);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { a: median(ta), b: median(tb), ratio: median(ratios) };
}

function bench(label: string, docs: Doc[]) {
  const mb = docs.reduce((n, d) => n + d.bytes.length, 0) / 1e6;
  const structure = time(() => {
    let cards = 0;
    for (const d of docs) cards += parseFile(d.bytes, d.path).file.children.length;
    return cards;
  });
  const cards = structure.result;
  const remarkAlone = () => {
    let nodes = 0;
    for (const d of docs) nodes += remark.parse(d.text).children.length;
    return nodes;
  };
  const whole = () => {
    let nodes = 0;
    for (const d of docs) {
      for (const card of parseFile(d.bytes, d.path).file.children) {
        for (const f of [card.title, card.context, card.question, card.answer]) {
          if (f) nodes += remark.parse(f.value).children.length;
        }
      }
    }
    return nodes;
  };
  const slow = interleaved(remarkAlone, whole, SLOW_RUNS);
  const fields = (() => {
    let k = 0;
    for (const d of docs) {
      for (const c of parseFile(d.bytes, d.path).file.children) {
        k += [c.title, c.context, c.question, c.answer].filter(Boolean).length;
      }
    }
    return k;
  })();
  const row = (name: string, ms: number) =>
    `  ${name.padEnd(34)} ${(mb / (ms / 1000)).toFixed(1).padStart(7)} MB/s ${Math.round(
      cards / (ms / 1000),
    )
      .toString()
      .padStart(9)} cards/s ${ms.toFixed(0).padStart(6)} ms`;
  console.log(`${label}: ${docs.length} files, ${mb.toFixed(2)} MB, ${cards} cards`);
  console.log(row('structure pass (parseFile)', structure.ms));
  console.log(row('remark-parse + gfm alone', slow.a));
  console.log(row('structure + remark on each field', slow.b));
  console.log(
    `  whole parse / remark alone: ${(slow.b / slow.a).toFixed(2)}× (median of per-run ratios ${slow.ratio.toFixed(2)}×)`,
  );
  console.log(
    `  remark calls: ${docs.length} (whole files) vs ${fields} (fields); fixed cost ≈ ${perCall.toFixed(0)} µs/call → ${((fields * perCall) / 1000).toFixed(0)} ms of the whole parse\n`,
  );
}

/** remark's fixed cost per call (an empty document), in µs. */
const perCall = (() => {
  const n = 2000;
  const { ms } = time(() => {
    for (let k = 0; k < n; k++) remark.parse('');
  });
  return (ms * 1000) / n;
})();
console.log(`remark-parse + gfm fixed cost: ${perCall.toFixed(0)} µs per call\n`);

const realDir = process.argv[2] ?? join(shared, 'corpus/real');
bench('real corpus', load(realDir));

const synthetic = mkdtempSync(join(tmpdir(), 'deckc-bench-'));
try {
  execFileSync('node', [join(shared, 'bench/gen-corpus.mjs'), synthetic, '20', '30', '45'], {
    stdio: 'ignore',
  });
  bench('synthetic 20×30×45', load(synthetic));
} finally {
  rmSync(synthetic, { recursive: true, force: true });
}
