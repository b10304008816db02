/**
 * `npm run bench`: every benchmark, one after another (never in parallel: they measure time).
 * `npm run bench -- parse render` runs a subset; other words go to each script
 * (`npm run bench -- build --big` adds the 135,000-card memory run). Each prints its own numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['parse', 'render', 'apkg', 'build', 'lsp', 'hostile'];
const words = process.argv.slice(2);
const wanted = words.filter((a) => ALL.includes(a));
const passed = words.filter((a) => !ALL.includes(a));
let failed = false;
for (const name of wanted.length ? wanted : ALL) {
  const script = `scripts/bench-${name}.ts`;
  if (!existsSync(script)) {
    console.error(`no benchmark ${script}`);
    failed = true;
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script, ...passed], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
