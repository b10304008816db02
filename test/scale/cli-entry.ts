// The bin, on the TypeScript sources: lets tests run deckc as a child process without a build.
import { main, signalOnInterrupt } from '../../src/cli/main.js';

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: signalOnInterrupt(),
}).then((code) => {
  process.exitCode = code;
});
