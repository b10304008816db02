/**
 * `npm run bench`: every benchmark, one after another (never in parallel: they measure time).
 * `npm run bench -- parse render` runs a subset. Each prints its own numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['parse', 'render', 'apkg', 'build'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let failed = false;
for (const name of wanted.length ? wanted : ALL) {
  const script = `scripts/bench-${name}.ts`;
  if (!existsSync(script)) {
    console.error(`no benchmark ${script}`);
    failed = true;
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
