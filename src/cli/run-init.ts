import { CI_SNIPPET, initProject } from '../io/config-file.js';
import type { CliIo } from './context.js';

/** `deckc init`: the steps on stderr, the CI job on stdout. */
export async function runInit(io: CliIo): Promise<void> {
  for (const step of await initProject(io.cwd))
    io.stderr.write(
      `  ${step.action === 'kept' ? 'kept' : step.action} ${step.file}${step.action === 'kept' ? ' (exists)' : ''}\n`,
    );
  io.stderr.write(
    'deckc: next: `deckc build` (writes dist/ and decks/deckc.lock.json: commit the lock);\n' +
      '       the CI job below is on stdout (`deckc init > .github/workflows/decks.yml`)\n',
  );
  io.stdout.write(`# .github/workflows/decks.yml\n${CI_SNIPPET}`);
}
