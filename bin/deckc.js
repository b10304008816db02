#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The command line in one file when built (scripts/bundle.mjs), module by module otherwise.
const bundle = new URL('../lib/cli/main.bundle.js', import.meta.url);
const { main, signalOnInterrupt, EXIT } = await import(
  existsSync(bundle) ? bundle.href : '../lib/cli/main.js'
);

// `deckc check | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : EXIT.tool));

const signal = signalOnInterrupt();
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal,
}).then((code) => {
  // Interrupted (Ctrl-C, SIGTERM): 130 whatever the last build said, `--watch` included.
  process.exitCode = signal.aborted ? EXIT.interrupted : code;
});
