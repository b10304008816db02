/**
 * Library-scale build benchmark: `npx tsx scripts/bench-build.ts [--big] [--only synthetic|real]`.
 *
 * Builds `lib/` first, then runs `node bin/deckc.js build` as a child process (so figures include
 * start-up, as a user sees them) over temporary copies of
 *   - a synthetic library (gen-corpus 20 books × 30 parts × 45 cards = 27,000 cards),
 *   - the real corpus (/work/shared/corpus/real, copied: caches and lock files are written),
 *   - with --big, a 135,000-card library (100 × 30 × 45), for peak memory, and the real corpus
 *     eight times over (~87,000 cards), for peak memory and the cache's size.
 * Per library: cold build (empty cache), unchanged rebuild, one file changed; wall time, cards/s,
 * peak RSS (GNU time's maximum resident set size: the whole process, worker threads included);
 * then cold builds with --no-cache at --jobs 1 and --jobs N for the parallel speed-up, and the
 * machine's own speed-up for the same work in two independent processes (see `reference`).
 * Prints numbers only; the machine is shared, so compare runs made at the same time.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GEN = '/work/shared/bench/gen-corpus.mjs';
const REAL = '/work/shared/corpus/real';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const jobsN = availableParallelism();

interface Run {
  wallS: number;
  rssMB: number | null;
  cards: number;
  files: number;
  code: number;
}

/** One `deckc build` in a child process: wall time, peak RSS and the summary line's counts. */
function deckc(cwd: string, input: string, extra: string[]): Run {
  const argv = [path.join(REPO, 'bin/deckc.js'), 'build', input, '--out', 'out', '-q', ...extra];
  const command = TIME ? TIME : process.execPath;
  const commandArgs = TIME ? ['-f', 'RSS_KB=%M', process.execPath, ...argv] : argv;
  const started = performance.now();
  const r = spawnSync(command, commandArgs, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1764000000' },
    maxBuffer: 1 << 30,
  });
  const wallS = (performance.now() - started) / 1000;
  const rss = /RSS_KB=(\d+)/.exec(r.stderr)?.[1];
  const summary = /deckc: (\d+) files?, (\d+) cards?/.exec(r.stderr);
  if (!summary) throw new Error(`deckc failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return {
    wallS,
    rssMB: rss ? Number(rss) / 1024 : null,
    files: Number(summary[1]),
    cards: Number(summary[2]),
    code: r.status ?? -1,
  };
}

const row = (label: string, r: Run, base?: Run) =>
  console.log(
    `  ${label.padEnd(26)} ${r.wallS.toFixed(2).padStart(7)} s  ${String(Math.round(r.cards / r.wallS)).padStart(7)} cards/s  ` +
      `${r.rssMB === null ? '   ? ' : r.rssMB.toFixed(0).padStart(5)} MB RSS` +
      (base ? `  ${((100 * r.wallS) / base.wallS).toFixed(1).padStart(5)} % of cold` : ''),
  );

async function benchLibrary(name: string, makeInput: (dir: string) => string, changeFile: string) {
  const dir = mkdtempSync(path.join(tmpdir(), `deckc-bench-${name}-`));
  try {
    const input = makeInput(dir);
    console.log(`\n${name}:`);
    const cold = deckc(dir, input, ['--jobs', String(jobsN)]);
    console.log(`  ${cold.files} files, ${cold.cards} cards, exit ${cold.code}, --jobs ${jobsN}`);
    row('cold (empty cache)', cold);
    // The first rebuild after a cold build links in full (the cold build wrote the lock); from
    // then on, an unchanged rebuild replays the stored link manifest.
    row('unchanged rebuild (1st)', deckc(dir, input, ['--jobs', String(jobsN)]), cold);
    row('unchanged rebuild (2nd)', deckc(dir, input, ['--jobs', String(jobsN)]), cold);
    const file = path.join(dir, input, changeFile);
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}\n:p A question added by the benchmark?\n??x\nYes.\nx??\n`,
    );
    row('one file changed', deckc(dir, input, ['--jobs', String(jobsN)]), cold);
    row('watch: saved after 0.3 s', watchOnce(dir, input, changeFile, 300), cold);
    row('watch: saved after 3 s', watchOnce(dir, input, changeFile, 3000), cold);
    // Parallel speed-up: cold, no cache, the same lock each time (restored between runs).
    const lock = path.join(dir, input, 'deckc.lock.json');
    const saved = readFileSync(lock);
    const one = deckc(dir, input, ['--jobs', '1', '--no-cache']);
    writeFileSync(lock, saved);
    const many = deckc(dir, input, ['--jobs', String(jobsN), '--no-cache']);
    row('no cache, --jobs 1', one);
    row(`no cache, --jobs ${jobsN}`, many);
    console.log(`  speed-up with ${jobsN} workers: ${(one.wallS / many.wallS).toFixed(2)}×`);
    await reference(dir, input);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What two cores give this work when nothing is shared: the library split in two halves
 * (alternate files), checked by two independent `deckc check --jobs 1 --no-cache` processes, one
 * after the other and then side by side. Their speed-up is the machine's own for this work
 * (cores, caches, memory bandwidth), to read deckc's 2-worker speed-up against.
 */
async function reference(dir: string, input: string) {
  const all = execFileSync('find', [input, '-name', '*.md', '-type', 'f'], {
    cwd: dir,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .sort();
  const halves = [0, 1].map((h) => {
    const half = `half-${h}`;
    const other = new Set(all.filter((_, i) => i % 2 !== h).map((f) => path.join(dir, f)));
    cpSync(path.join(dir, input), path.join(dir, half), {
      recursive: true,
      filter: (src) =>
        !other.has(src) && !src.includes('.deckc-cache') && !src.endsWith('deckc.lock.json'),
    });
    return half;
  });
  const run = (half: string) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const child = spawn(
        process.execPath,
        [path.join(REPO, 'bin/deckc.js'), 'check', half, '-q', '--no-cache', '--jobs', '1'],
        { cwd: dir, stdio: 'ignore' },
      );
      child.on('error', reject);
      child.on('exit', () => resolve((performance.now() - started) / 1000));
    });
  const alone = [await run(halves[0]!), await run(halves[1]!)];
  const started = performance.now();
  await Promise.all(halves.map(run));
  const together = (performance.now() - started) / 1000;
  const sum = alone[0]! + alone[1]!;
  console.log(
    `  reference: two independent processes on halves: ${alone.map((s) => s.toFixed(2)).join(' + ')} s one after the other, ${together.toFixed(2)} s side by side = ${(sum / together).toFixed(2)}×`,
  );
}

/**
 * `deckc build --watch`: time from saving one file to the end of the rebuild it triggers (the
 * next "watching for changes" line), debounce included. The save comes `delayMs` after the first
 * build: at 0.3 s it races the warm-up (compiler loaded, cache read into memory), at 3 s it finds
 * it done.
 */
const SAVED = '\n:p Saved while watching?\n??x\nYes.\nx??\n';

function watchOnce(dir: string, input: string, changeFile: string, delayMs: number): Run {
  const script = `
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const child = spawn(process.execPath, ${JSON.stringify([path.join(REPO, 'bin/deckc.js'), 'build', input, '--out', 'out', '--watch', '--reporter', 'json'])}, { cwd: ${JSON.stringify(dir)}, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '', saved = 0, builds = 0;
    child.stderr.on('data', (d) => {
      err += d;
      const n = err.split('watching for changes').length - 1;
      if (n === builds) return;
      builds = n;
      if (n === 1) setTimeout(() => {
        saved = performance.now();
        fs.appendFileSync(${JSON.stringify(path.join(dir, input, changeFile))}, ${JSON.stringify(SAVED)});
      }, ${delayMs});
      if (n === 2) {
        const ms = performance.now() - saved;
        const cards = /deckc: [0-9]+ files?, ([0-9]+) cards?/g;
        let m, last; while ((m = cards.exec(err))) last = m[1];
        console.log(JSON.stringify({ ms, cards: Number(last) }));
        child.kill('SIGINT');
      }
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = r.stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`watch run failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const { ms, cards } = JSON.parse(last);
  return { wallS: ms / 1000, rssMB: null, cards, files: 0, code: r.status ?? -1 };
}

function generated(books: number, parts: number, cards: number) {
  return (dir: string) => {
    execFileSync(process.execPath, [
      GEN,
      path.join(dir, 'lib'),
      String(books),
      String(parts),
      String(cards),
    ]);
    return 'lib';
  };
}

if (args.includes('--watch-only')) {
  console.log(watchOnce(process.cwd(), args.at(-2)!, args.at(-1)!, 300));
  process.exit(0);
}
console.log(
  `deckc bench-build: ${jobsN} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
if (!only || only === 'synthetic')
  await benchLibrary('synthetic 20×30×45', generated(20, 30, 45), 'book-007/part-13.md');
if ((!only || only === 'real') && existsSync(REAL))
  await benchLibrary(
    'real corpus',
    (dir) => {
      cpSync(REAL, path.join(dir, 'real'), { recursive: true });
      return 'real';
    },
    firstMarkdown(REAL),
  );
if (args.includes('--big')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-bench-big-'));
  try {
    const input = generated(100, 30, 45)(dir);
    console.log('\nsynthetic 100×30×45 (peak memory):');
    row(`cold, --jobs ${jobsN}`, deckc(dir, input, ['--jobs', String(jobsN)]));
    row('unchanged rebuild (1st)', deckc(dir, input, ['--jobs', String(jobsN)]));
    row('unchanged rebuild (2nd)', deckc(dir, input, ['--jobs', String(jobsN)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (existsSync(REAL)) {
    // The real corpus eight times over (~87,000 cards, 77 MB): the size of the library deckc is
    // for, with real files' shapes; peak memory and the cache's size against the sources'.
    const eight = mkdtempSync(path.join(tmpdir(), 'deckc-bench-real8-'));
    try {
      for (let i = 1; i <= 8; i++)
        cpSync(REAL, path.join(eight, 'real8', `copy-${i}`), { recursive: true });
      console.log('\nreal corpus × 8 (peak memory, cache size):');
      row(`cold, --jobs ${jobsN}`, deckc(eight, 'real8', ['--jobs', String(jobsN)]));
      row('unchanged rebuild (1st)', deckc(eight, 'real8', ['--jobs', String(jobsN)]));
      const du = (what: string) =>
        Number(
          execFileSync(
            'du',
            [
              '-sk',
              '--apparent-size',
              ...(what === 'sources' ? ['--exclude=.deckc-cache'] : []),
              what === 'sources' ? 'real8' : 'real8/.deckc-cache',
            ],
            { cwd: eight, encoding: 'utf8' },
          ).split('\t')[0],
        ) / 1024;
      const [sources, cache] = [du('sources'), du('cache')];
      console.log(
        `  sources ${sources.toFixed(1)} MB, .deckc-cache ${cache.toFixed(1)} MB = ${(cache / sources).toFixed(2)}× the sources`,
      );
    } finally {
      rmSync(eight, { recursive: true, force: true });
    }
  }
}

/** Some Markdown file of a folder, relative to it (the one-file-changed rebuild edits it). */
function firstMarkdown(root: string): string {
  const out = execFileSync('find', [root, '-name', '*.md', '-type', 'f'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
  return path.relative(root, out[Math.floor(out.length / 2)]!);
}
