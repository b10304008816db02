/**
 * Benchmarks the .apkg writer: `npx tsx scripts/bench-apkg.ts [notes]`.
 *
 * Prints wall time and peak resident memory for deckc writing 50,000 notes (about 1 KB of
 * fields each), then 500 notes side by side with anki-apkg-export 4.0.3, then what that library
 * does at 553 notes (its bundled asm.js sql.js is said to abort past ~552). Every measurement runs
 * in its own child process, so peak RSS belongs to that run alone (it includes Node and tsx,
 * measured on their own first as "baseline", and the input notes, measured alone as "input").
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { emitApkg } from '../src/emit/apkg.js';
import type { Note, Package } from '../src/validate/schema.js';

type Result = {
  label: string;
  ok: boolean;
  /** Wall time of the build alone (ms), excluding making the input. */
  buildMs?: number;
  /** CPU time (user + system) of the build, ms: steadier than wall time on a busy machine. */
  cpuMs?: number;
  /** Loading sql.js (WebAssembly compile) before the build, ms. */
  initMs?: number;
  bytes?: number;
  /** Peak resident set size of the whole child process, MB. */
  peakRssMb: number;
  error?: string;
};

const SCRIPT = fileURLToPath(import.meta.url);

/**
 * Deterministic filler text: words from a small LCG, so runs are comparable. Joined from an
 * array, so the strings are flat, like the HTML the renderer serialises.
 */
function text(seed: number, length: number): string {
  const words = ['wave', 'energy', 'the', 'of', 'momentum', 'a', 'field', 'is', 'force', 'and'];
  let state = seed * 2_654_435_761;
  const out: string[] = [];
  let size = 0;
  while (size < length) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const word = words[state % words.length]!;
    out.push(word);
    size += word.length + 1;
  }
  return out.join(' ').slice(0, length);
}

/** Notes with realistic field sizes: ~1 KB of HTML per note in total. */
function makeNotes(count: number): Note[] {
  return Array.from({ length: count }, (_, n) => ({
    guid: `bench-${n.toString(36)}-${(n * 7919).toString(36)}`,
    deck: `Library::Book ${Math.floor(n / 2_000)}::Part ${Math.floor(n / 250) % 8}`,
    tags: ['library', `book${Math.floor(n / 2_000)}`],
    fields: {
      Question: `<p>${text(n, 180)}?</p>`,
      Answer: `<p>${text(n + 1, 420)}</p>\n<ul><li>${text(n + 2, 120)}</li></ul>`,
      Title: `Chapter ${n % 40}: ${text(n + 3, 40)}`,
      Context: n % 3 === 0 ? `<p>${text(n + 4, 200)}</p>` : '',
      Source: `library/book-${Math.floor(n / 2_000)}.md:${(n % 2_000) * 12 + 1}`,
    },
    mod: 1_767_225_600 + n,
    added: 1_767_225_600_000 + n,
    source: { file: `library/book-${Math.floor(n / 2_000)}.md`, line: 1, column: 1 },
  }));
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function runDeckc(count: number): Promise<Result> {
  const pkg: Package = { name: 'bench', notes: makeNotes(count), media: [] };
  const start = performance.now();
  // A one-note build first loads sql.js, so init and build can be told apart.
  await emitApkg({ ...pkg, notes: pkg.notes.slice(0, 1) }, { notetypeMod: 1_767_000_000 });
  const initMs = performance.now() - start;
  const buildStart = performance.now();
  const cpuStart = process.cpuUsage();
  const bytes = await emitApkg(pkg, { notetypeMod: 1_767_000_000 });
  const buildMs = performance.now() - buildStart;
  const cpu = process.cpuUsage(cpuStart);
  return {
    label: `deckc, ${count} notes`,
    ok: true,
    buildMs: Math.round(buildMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    initMs: Math.round(initMs),
    bytes: bytes.length,
    peakRssMb: peakRssMb(),
  };
}

async function runAnkiApkgExport(count: number): Promise<Result> {
  const label = `anki-apkg-export 4.0.3, ${count} notes`;
  const notes = makeNotes(count);
  const require = createRequire(import.meta.url);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  try {
    const AnkiExport = require('anki-apkg-export').default as new (
      name: string,
    ) => {
      addCard(front: string, back: string, options?: { tags?: string[] }): void;
      save(): Promise<Buffer>;
    };
    const apkg = new AnkiExport('bench');
    for (const note of notes) {
      apkg.addCard(note.fields.Question, note.fields.Answer, { tags: note.tags });
    }
    const bytes = await apkg.save();
    const cpu = process.cpuUsage(cpuStart);
    return {
      label,
      ok: true,
      buildMs: Math.round(performance.now() - start),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      bytes: bytes.length,
      peakRssMb: peakRssMb(),
    };
  } catch (error) {
    return { label, ok: false, error: String(error).slice(0, 300), peakRssMb: peakRssMb() };
  }
}

/** Runs one measurement in a child process; a crash there is a result too. */
function child(kind: string, count: number): Result {
  try {
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', SCRIPT, kind, String(count)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 1 << 26,
      },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  } catch (error) {
    const failure = error as { status?: number; signal?: string; stderr?: string };
    const lines = (failure.stderr ?? '').split('\n').filter((line) => line.trim());
    const message = lines.find((line) => /abort|memory|error/i.test(line)) ?? lines.pop() ?? '';
    return {
      label: `${kind}, ${count} notes`,
      ok: false,
      error: `child exited with status ${failure.status ?? failure.signal}: ${message.trim().slice(0, 300)}`,
      peakRssMb: Number.NaN,
    };
  }
}

function print(result: Result): void {
  const cells = [
    result.label.padEnd(36),
    result.ok ? 'ok    ' : 'FAILED',
    result.buildMs === undefined ? '' : `build ${result.buildMs} ms`.padEnd(16),
    result.cpuMs === undefined ? '' : `cpu ${result.cpuMs} ms`.padEnd(14),
    result.initMs === undefined ? '' : `(sql.js init ${result.initMs} ms)`.padEnd(22),
    result.bytes === undefined ? '' : `${(result.bytes / 1e6).toFixed(2)} MB out`.padEnd(14),
    `peak RSS ${result.peakRssMb} MB`,
  ];
  console.log(cells.filter(Boolean).join('  '));
  if (result.error) console.log(`  ${result.error}`);
}

const [kind, countArg] = process.argv.slice(2);
if (kind === 'deckc' || kind === 'anki-apkg-export' || kind === 'baseline' || kind === 'input') {
  const count = Number(countArg);
  const result =
    kind === 'deckc'
      ? await runDeckc(count)
      : kind === 'anki-apkg-export'
        ? await runAnkiApkgExport(count)
        : kind === 'input'
          ? {
              label: `input only, ${count} notes made`,
              ok: makeNotes(count).length > 0,
              peakRssMb: peakRssMb(),
            }
          : { label: 'baseline (node + tsx)', ok: true, peakRssMb: peakRssMb() };
  console.log(JSON.stringify(result));
} else {
  const big = Number(kind ?? 50_000);
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, load average ${load}; each row is its own child process\n`,
  );
  print(child('baseline', 0));
  print(child('input', big));
  print(child('deckc', big));
  print(child('deckc', 500));
  print(child('anki-apkg-export', 500));
  print(child('anki-apkg-export', 552));
  print(child('anki-apkg-export', 553));
}
