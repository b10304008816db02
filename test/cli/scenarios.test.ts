/**
 * The command line as users meet it, one row per behaviour (markdownlint-cli2's
 * test/markdownlint-cli2-test-cases.mjs is the model): each row is an argv (or several, run one
 * after the other), a fixture folder and the snapshot of stdout, stderr, the exit code and the
 * files the run left behind.
 *
 * Fixtures: test/fixtures/cli-scenarios/<row>/project/ is copied to a temporary folder and the
 * commands run there (rows with `project` share another row's); the snapshot is
 * test/fixtures/cli-scenarios/<row>/output.txt. Regenerate with `npx vitest run
 * test/cli/scenarios.test.ts -u`, and read the diff before committing it.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, maxJobs } from '../../src/cli/main.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli-scenarios/', import.meta.url));
const VERSION = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

interface Scenario {
  /** The row's folder under test/fixtures/cli-scenarios/. */
  name: string;
  /** One command line, or several run in turn in the same folder. */
  args: string[] | string[][];
  /** Another row whose project/ this row runs in (default: its own). */
  project?: string;
  /** The working folder, relative to the project. */
  cwd?: string;
  /** Folders to create first (a `.git` cannot be committed inside a fixture). */
  mkdirs?: string[];
  env?: Record<string, string>;
  tty?: { stdout?: boolean; stderr?: boolean };
  /** Files of the project whose content the snapshot shows after the run. */
  show?: string[];
  /** --watch: the files to write once the first build is reported, for one rebuild. */
  edit?: Record<string, string>;
  /**
   * Behaviour the engine (src/cli/build.ts) does not have yet: the row is expected to fail
   * until it does, and is then flipped by removing this.
   */
  engine?: string;
}

const flood = (n: number) => {
  let s = '# Flashcards: Flood (Part 1)\n\n';
  for (let i = 0; i < n; i++) s += `#### T${i}\n:p Q${i}?\n??x\nA${i}\n??x\n\n---\n\n`;
  return s;
};

/** The table. Every bullet of issue 13 is at least one row. */
const SCENARIOS: Scenario[] = [
  // Version and help, on stdout.
  { name: 'version', args: [['--version'], ['-v']] },
  { name: 'help', args: ['--help'] },
  { name: 'help-short', args: [['-h'], ['build', '-h']] },
  { name: 'no-command', args: [] },
  // Bad arguments: a clear message, a suggestion for a typo, exit 2, never a stack trace.
  { name: 'typo-command', args: [['bild'], ['chek', 'input'], ['frobnicate']] },
  {
    name: 'typo-option',
    args: [
      ['build', '--ouput', 'x'],
      ['check', '--stric'],
    ],
  },
  {
    name: 'bad-numbers',
    args: [
      ['check', '--jobs', 'abc'],
      ['check', '-j'],
      ['check', '--max-warnings', '-2'],
      ['check', '--max-per-rule', '2.5'],
    ],
  },
  {
    name: 'empty-values',
    args: [
      ['build', '-o'],
      ['build', '--format', ''],
      ['check', '--root-deck', ''],
      ['check', '--config', ''],
      ['check', ''],
    ],
  },
  // --jobs: not a whole number ≥ 1 is exit 2; a whole number past what deckc uses is lowered to
  // it with a warning (the build goes on); an empty --out is exit 2.
  {
    name: 'jobs-limits',
    args: [
      ['check', '--jobs', '0'],
      ['check', '--jobs', '1e9'],
      ['check', '--jobs', '100000'],
      ['check', '-j', '99999999999999999999', '-q'],
      ['build', '--out', ''],
      ['build', '--out='],
    ],
    project: 'warnings',
  },
  { name: 'out-is-a-file', args: ['build', '--out', 'notes.txt'], show: ['notes.txt'] },
  {
    name: 'missing-path',
    args: [
      ['check', 'nowhere'],
      ['build', 'input', 'nowhere'],
    ],
  },
  { name: 'missing-config', args: ['check', '--config', 'nope.json'] },
  { name: 'output-file-folder', args: ['check', '--output-file', 'input'], project: 'warnings' },
  // Streams: diagnostics and the summary on stderr (one stream, in order), json on stdout.
  { name: 'warnings', args: [['check'], ['check', '--reporter', 'json']] },
  {
    name: 'output-file',
    args: [
      ['check', '--output-file', 'reports/deckc.txt'],
      ['check', '--reporter', 'json', '--output-file', 'reports/deckc.json'],
    ],
    project: 'warnings',
    show: ['reports/deckc.txt', 'reports/deckc.json'],
  },
  // Colour: on a terminal that names itself, never in pipes or files unless forced.
  {
    name: 'color-tty',
    args: ['check'],
    project: 'warnings',
    tty: { stderr: true },
    env: { TERM: 'xterm-256color' },
  },
  {
    name: 'color-no-color-env',
    args: ['check'],
    project: 'warnings',
    tty: { stderr: true },
    env: { TERM: 'xterm', NO_COLOR: '1' },
  },
  {
    name: 'color-flag-off',
    args: ['check', '--no-color'],
    project: 'warnings',
    tty: { stderr: true },
    env: { TERM: 'xterm', FORCE_COLOR: '1' },
  },
  {
    name: 'color-force-pipe',
    args: [['check'], ['check', '--color']],
    project: 'warnings',
    env: { FORCE_COLOR: '1' },
  },
  { name: 'color-pipe', args: ['check'], project: 'warnings', env: { TERM: 'xterm' } },
  {
    name: 'color-file',
    args: [
      ['check', '--output-file', 'plain.txt'],
      ['check', '--color', '--output-file', 'forced.txt'],
    ],
    project: 'warnings',
    tty: { stderr: true },
    env: { TERM: 'xterm', FORCE_COLOR: '1' },
    show: ['plain.txt', 'forced.txt'],
  },
  // check writes nothing; neither does an input with no cards.
  { name: 'check-writes-nothing', args: ['check'], project: 'warnings' },
  { name: 'empty-input', args: ['build', 'input'] },
  // Config: found upward, stopping at the repository root; --config; --print-config; init.
  {
    name: 'config-upward',
    args: [
      ['build', '--jobs', '1'],
      ['check', '--print-config', '--jobs', '1'],
    ],
    cwd: 'repo/notes/week1',
    mkdirs: ['repo/.git'],
  },
  {
    name: 'config-repo-root',
    args: ['check', '--print-config', '--jobs', '1'],
    cwd: 'repo',
    mkdirs: ['repo/.git'],
  },
  {
    name: 'config-flag',
    args: [
      ['check', '--config', 'configs/strict.json'],
      [
        'check',
        '--config',
        'configs/strict.json',
        '--no-strict',
        '--print-config',
        '--jobs',
        '1',
        '-f',
        'csv',
      ],
    ],
  },
  { name: 'config-invalid', args: [['check'], ['check', '--reporter', 'json']] },
  {
    name: 'init',
    args: [['init'], ['build', '--jobs', '1'], ['init']],
    show: ['deckc.config.json', '.gitignore'],
  },
  { name: 'init-existing', args: ['init'], show: ['.gitignore'] },
  // Floods: a per-rule limit, counts per rule, --max-warnings, why -q --strict failed.
  {
    name: 'flood',
    args: [['check'], ['check', '--max-per-rule', '3'], ['check', '--max-per-rule', '0', '-q']],
  },
  {
    name: 'max-warnings',
    args: [
      ['check', '--max-warnings', '20'],
      ['check', '--max-warnings', '13'],
    ],
    project: 'flood',
  },
  {
    name: 'quiet-strict',
    args: [
      ['check', '-q', '--strict'],
      ['check', '-q', '--config', 'strict.json'],
    ],
    project: 'flood',
  },
  // --reporter github: errors first, GitHub's limits, one notice for the rest, a job summary.
  {
    name: 'github',
    args: ['check', '--reporter', 'github'],
    env: { GITHUB_STEP_SUMMARY: 'summary.md' },
    show: ['summary.md'],
  },
  // --watch: a time and the changed file per rebuild, only what changed.
  {
    name: 'watch',
    args: ['build', '--watch', '--jobs', '1', '--format', 'json,csv'],
    edit: {
      'input/Book/b.md': '# Flashcards: Book (Part 2)\n\n:p Fixed?\n??x\nYes.\nx??\n\n:p Broken?\n',
    },
  },
  // fix follows the same conventions.
  {
    name: 'fix',
    args: [
      ['fix', '--dry-run'],
      ['fix', '--output-file', 'left.txt'],
      ['fix', '--frob'],
    ],
    show: ['left.txt'],
  },
];

/** Fixture content generated here rather than committed: large, repetitive files. */
const GENERATED: Record<string, Record<string, string>> = {
  flood: { 'input/Flood/part-1.md': flood(14) },
  github: {
    'input/Flood/part-1.md': flood(12),
    'input/Lost/part-1.md': Array.from({ length: 11 }, (_, i) => `:p Lost ${i}?\n\n---\n\n`).join(
      '',
    ),
  },
};

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, relative, `/`-separated; a cache folder counts as one entry. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.name === '.deckc-cache') out.push(`${rel}/…`);
      else if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

const normalise = (s: string, dir: string) =>
  s
    .replaceAll(dir, '<project>')
    .replaceAll(VERSION, '<version>')
    .replaceAll(`; using ${maxJobs()}\n`, '; using <max jobs>\n')
    .replace(/\(\d+\.\d\d s\)/g, '(<time> s)')
    // The progress line is redrawn on a timer: how often is not part of the behaviour.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are the subject
    .replace(/(\r\x1b\[2K\[[#.]+\][^\r]*)+/g, '<progress>')
    .replaceAll('\r\x1b[2K', '<erase>');

/** Runs the row's commands and returns its snapshot. */
async function runScenario(row: Scenario): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckc-scenario-'));
  temps.push(dir);
  const project = path.join(FIXTURES, row.project ?? row.name, 'project');
  if (existsSync(project)) cpSync(project, dir, { recursive: true });
  for (const [file, content] of Object.entries(GENERATED[row.project ?? row.name] ?? {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  for (const folder of row.mkdirs ?? []) mkdirSync(path.join(dir, folder), { recursive: true });
  const before = new Map(listFiles(dir).map((f) => [f, stamp(dir, f)]));
  const commands = row.args.length && Array.isArray(row.args[0]) ? row.args : [row.args];
  let snapshot = '';
  for (const argv of commands as string[][]) {
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    let reported = 0;
    let onReport = () => {};
    const code = main(argv, {
      stdout: { write: (s: string) => (stdout += s), isTTY: row.tty?.stdout ?? false },
      stderr: {
        write: (s: string) => {
          stderr += s;
          if (s.includes('watching for changes')) {
            reported++;
            onReport();
          }
        },
        isTTY: row.tty?.stderr ?? false,
      },
      cwd: path.join(dir, row.cwd ?? ''),
      env: { SOURCE_DATE_EPOCH: '1764000000', ...row.env },
      signal: controller.signal,
      now: () => new Date(2026, 11, 1, 9, 30, 0),
    });
    if (row.edit) {
      await new Promise<void>((resolve) => {
        onReport = () => {
          if (reported === 1) {
            for (const [file, content] of Object.entries(row.edit!))
              writeFileSync(path.join(dir, file), content);
          } else resolve();
        };
        if (reported) onReport();
      });
      controller.abort();
    }
    const exit = await code;
    snapshot +=
      `$ deckc ${argv.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n` +
      `exit ${exit}\n--- stdout\n${stdout}--- stderr\n${stderr}\n`;
  }
  const after = listFiles(dir);
  const changed = after.filter((f) => before.get(f) !== stamp(dir, f));
  snapshot += `--- files written\n${changed.length ? changed.join('\n') : '(none)'}\n`;
  for (const file of row.show ?? []) {
    const full = path.join(dir, row.cwd ?? '', file);
    snapshot += `--- ${file}\n${existsSync(full) ? readFileSync(full, 'utf8') : '(missing)\n'}`;
  }
  return normalise(snapshot, dir);
}

const stamp = (dir: string, file: string) => {
  if (file.endsWith('/…')) return 'cache';
  const s = statSync(path.join(dir, file), { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : 'gone';
};

describe('deckc scenarios', () => {
  for (const row of SCENARIOS) {
    const test = row.engine ? it.fails : it;
    test(row.engine ? `${row.name} (waits for the engine: ${row.engine})` : row.name, async () => {
      const snapshot = await runScenario(row);
      const file = path.join(FIXTURES, row.name, 'output.txt');
      if (row.engine) {
        expect(snapshot).toContain('--- files written\n(none)');
        return;
      }
      await expect(snapshot).toMatchFileSnapshot(file);
    }, 60_000);
  }

  it('prints the version of the package deckc belongs to', async () => {
    const snapshot = await runScenario(SCENARIOS[0]!);
    expect(snapshot).toContain('--- stdout\n<version>\n');
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
