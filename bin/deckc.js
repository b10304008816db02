#!/usr/bin/env node
import { main, signalOnInterrupt } from '../lib/cli/main.js';

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: signalOnInterrupt(),
}).then((code) => {
  process.exitCode = code;
});
