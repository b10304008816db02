#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The command line in one file when built (scripts/bundle.mjs), module by module otherwise.
const bundle = new URL('../lib/cli/main.bundle.js', import.meta.url);
const { main, signalOnInterrupt } = await import(
  existsSync(bundle) ? bundle.href : '../lib/cli/main.js'
);

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: signalOnInterrupt(),
}).then((code) => {
  process.exitCode = code;
});
