/**
 * `npm run bench -- hostile`: issue 15's pathological inputs, each class generated at n and 2n
 * bytes and compiled (parse + render) as the answer of one card, each run in a fresh process so
 * that its peak RSS is its own. Prints per class: seconds at n and 2n, the time ratio (goal ≤ 2.3
 * per doubling), seconds per MB (goal ≤ 5) and peak RSS above an idle compile, per input byte
 * (goal ≤ 50). `--size <bytes>` sets n (default 256 KiB); `--only <class,…>` picks classes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Each class: a generator of about `n` bytes of answer Markdown. */
const CLASSES: Record<string, (n: number) => string> = {
  'emphasis *a_': (n) => '*a_ '.repeat(n / 4),
  'nested emphasis': (n) => `${'*_'.repeat(n / 5)}a${'_*'.repeat(n / 5)}`,
  'brackets [ ]': (n) => `${'['.repeat(n / 2)}${']'.repeat(n / 2)}`,
  'link brackets [a](': (n) => '[a]('.repeat(n / 4),
  'backtick runs': (n) => {
    let s = '';
    for (let k = 1; s.length < n; k++) s += `${'`'.repeat(k % 200)}a `;
    return s;
  },
  'backtick block': (n) => '`'.repeat(n),
  'long paragraph': (n) => 'word and *more* words '.repeat(n / 22),
  'list - ×n': (n) => `${'- '.repeat(n / 2)}x`,
  'quote > ×n': (n) => `${'>'.repeat(n)}x`,
  '<b> ×n': (n) => '<b>'.repeat(n / 3),
  '<div> ×n': (n) => '<div>'.repeat(n / 5),
  'wide table': (n) => {
    const cols = Math.max(2, Math.floor(n / 8));
    return `|${' a |'.repeat(cols)}\n|${'---|'.repeat(cols)}\n| x |\n| y |\n`;
  },
  'tall table': (n) => `| a | b |\n|---|---|\n${'| x | y |\n'.repeat(n / 10)}`,
  'prices $1': (n) => '$1 '.repeat(n / 3),
  'unclosed $$': (n) => '$$ a '.repeat(n / 5),
  'unclosed \\(': (n) => '\\( a '.repeat(n / 5),
  'unclosed [$]': (n) => '[$] a '.repeat(n / 6),
  'many math spans': (n) => '$x^2$ '.repeat(n / 6),
};

async function one(name: string, n: number) {
  const { compileFile } = await import('../src/compile.js');
  const answer = n === 0 ? 'x' : CLASSES[name]!(n);
  const source = `#### Hostile\n:p What is this?\n??x\n${answer}\nx??\n`;
  const t0 = performance.now();
  const file = compileFile(source, 'Hostile/a.md', () => null, { rootDeck: 'Default' });
  const ms = performance.now() - t0;
  const rules = [...new Set(file.diagnostics.map((d) => d.rule))];
  const rss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ms, bytes: Buffer.byteLength(answer), rss, rules }));
}

type Result = { ms: number; bytes: number; rss: number; rules: string[] };

function run(name: string, n: number): Result {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--one', name, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: Number(process.env.BENCH_TIMEOUT_MS ?? 600_000),
  });
  if (r.status !== 0)
    return {
      ms: Number.NaN,
      bytes: n,
      rss: Number.NaN,
      rules: [
        `exit ${r.status ?? r.signal}: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? ''}`,
      ],
    };
  return JSON.parse(r.stdout) as Result;
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--one');
  if (at >= 0) {
    await one(args[at + 1]!, Number(args[at + 2]));
    return;
  }
  const size = Number(args[args.indexOf('--size') + 1] || 0) || 256 * 1024;
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : null;
  const idle = run('long paragraph', 0);
  console.log(`n = ${size} bytes; idle compile: ${(idle.rss / 2 ** 20).toFixed(0)} MB peak RSS`);
  console.log(
    ['class'.padEnd(20), 't(n) s', 't(2n) s', 'ratio', 's/MB', 'RSS-idle/B', 'rules'].join('\t'),
  );
  let failed = false;
  for (const name of Object.keys(CLASSES)) {
    if (only && !only.some((o) => name.includes(o))) continue;
    const a = run(name, size);
    const b = run(name, size * 2);
    const ratio = b.ms / a.ms;
    const perMb = b.ms / 1000 / (b.bytes / 2 ** 20);
    const memory = (b.rss - idle.rss) / b.bytes;
    const ok = ratio <= 2.3 && perMb <= 5 && memory <= 50;
    if (!ok) failed = true;
    console.log(
      [
        name.padEnd(20),
        (a.ms / 1000).toFixed(3),
        (b.ms / 1000).toFixed(3),
        ratio.toFixed(2),
        perMb.toFixed(2),
        memory.toFixed(1),
        `${b.rules.join(',')}${ok ? '' : '  ← over goal'}`,
      ].join('\t'),
    );
  }
  if (failed) process.exitCode = 1;
}

await main();
