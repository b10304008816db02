/** "Did you mean": the nearest command or option to a mistyped one. */

export const COMMANDS = ['build', 'check', 'fix', 'init', 'lsp'] as const;

/** Every option name deckc takes, for "did you mean". */
const OPTION_NAMES = [
  'bail',
  'bundle',
  'cache',
  'color',
  'config',
  'dry-run',
  'format',
  'frozen',
  'help',
  'jobs',
  'max-per-rule',
  'max-warnings',
  'no-cache',
  'no-color',
  'out',
  'output-file',
  'print-config',
  'quiet',
  'reporter',
  'root-deck',
  'stdio',
  'strict',
  'version',
  'watch',
];

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

/** The closest of `names` to `typed`, if it is close enough to be a typo. */
function closest(typed: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const name of names) {
    const d = distance(typed, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * yargs' "Unknown argument(s): a, b" with a suggestion for each: an option (`--ouput` → `--out`)
 * or, for the word where the command goes, a command (`bild` → `build`).
 */
export function suggest(message: string, argv: readonly string[]): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match) return message;
  const command = argv.find((a) => !a.startsWith('-'));
  const unknown = match[1]!.split(', ');
  // After an unknown command, the words that follow are its arguments, not more mistakes.
  const badCommand = command !== undefined && !COMMANDS.includes(command as never);
  return (badCommand ? unknown.filter((name) => name === command) : unknown)
    .map((name) => {
      if (name === command && !COMMANDS.includes(name as never)) {
        const near = closest(name, COMMANDS);
        return `Unknown command '${name}'${near ? `; did you mean '${near}'?` : `, expected one of ${COMMANDS.join(', ')}`}`;
      }
      const typed = argv.find((a) => a.replace(/^-+/, '').split('=')[0] === name) ?? name;
      const near = closest(name, OPTION_NAMES);
      return `Unknown option '${typed}'${near ? `; did you mean '--${near}'?` : ' (deckc --help lists them)'}`;
    })
    .join('\ndeckc: ');
}
