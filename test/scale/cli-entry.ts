// The bin, on the TypeScript sources: a child process that shares the compiler fingerprint (and so
// the build cache) of the in-process builds beside it, which the built bin/deckc.js does not.
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
