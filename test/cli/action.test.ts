/**
 * The GitHub Action (action.yml) run for real: each `run:` step of the composite action in bash,
 * as the runner does (`bash --noprofile --norc -eo pipefail`), its `${{ … }}` expressions set as
 * the runner would from the inputs. The `uses:` step (upload-artifact) cannot run here: its
 * inputs are checked instead. Needs `npm run build` (npm test builds first): the action then
 * runs this checkout's bin/deckc.js, as it does when a workflow uses it by tag.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LIBRARY = fileURLToPath(new URL('../fixtures/cli/library/', import.meta.url));

interface Step {
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}
const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
};

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The value of a GitHub expression the action uses, or an error naming one it should not. */
function expression(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) return inputs[input[1]!] ?? '';
    if (expr === 'github.action_path') return REPO;
    throw new Error(`unexpected expression in a run step's env: ${expr}`);
  });
}

/** Runs the action's steps in a workspace holding a copy of the fixture library as decks/. */
function runAction(given: Record<string, string>, prepare?: (workspace: string) => void) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'deckc-action-'));
  temps.push(workspace);
  cpSync(LIBRARY, path.join(workspace, 'decks'), { recursive: true });
  prepare?.(workspace);
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']),
  );
  const summary = path.join(workspace, 'step-summary.md');
  const output = path.join(workspace, 'step-output.txt');
  const results: { step: Step; status: number | null; stdout: string; stderr: string }[] = [];
  for (const step of action.runs.steps) {
    if (!step.run) continue;
    // The script itself holds no expression: values come in through env only.
    expect(step.run).not.toContain('${{');
    expect(step.shell).toBe('bash');
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, expression(v, inputs)]),
    );
    const cwd = path.resolve(workspace, expression(step['working-directory'] ?? '.', inputs));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SOURCE_DATE_EPOCH: '1764000000',
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
        GITHUB_ACTION_PATH: REPO,
        ...env,
      },
    });
    results.push({ step, status: r.status, stdout: r.stdout, stderr: r.stderr });
    if (r.status !== 0) break;
  }
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return { workspace, inputs, results, summary: read(summary), output: read(output) };
}

describe('the GitHub Action (action.yml)', () => {
  it('is a composite action whose build step is followed by the artifact upload', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining(['paths', 'strict', 'frozen', 'formats', 'out', 'artifact']),
    );
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
    expect(upload?.with?.path).toBe('${{ inputs.working-directory }}/${{ inputs.out }}');
    expect(upload?.if).toContain("inputs.artifact != ''");
  });

  it('builds the decks, annotates the warnings, writes the job summary and the output', () => {
    const run = runAction({ paths: 'decks', frozen: 'false', formats: 'json,csv', out: 'site' });
    const [build] = run.results;
    expect(build!.status, build!.stderr).toBe(0);
    expect(build!.stdout).toMatch(
      /^deckc \d+\.\d+\.\d+: deckc build --reporter github --out site --format json,csv decks$/m,
    );
    expect(build!.stderr).toContain(
      "::warning file=decks/Book/part-02.md,line=9,col=1,endLine=9,endColumn=4,title=deckc answer-closer::Unexpected '??x' closing an answer, expected 'x??'",
    );
    expect(readdirSync(path.join(run.workspace, 'site')).sort()).toEqual(['Book.csv', 'Book.json']);
    expect(run.summary).toContain('### deckc build: ✅ passed');
    expect(run.summary).toContain('| `answer-closer` | warning | 1 |');
    expect(run.output).toBe('out=site\n');
  });

  it('fails the step with --strict and refuses a missing lock with --frozen (the default)', () => {
    const strict = runAction({ paths: 'decks', strict: 'true', frozen: 'false' });
    expect(strict.results[0]!.status).toBe(1);
    expect(strict.summary).toContain('❌ 1 warning with --strict');
    const frozen = runAction({ paths: 'decks' });
    expect(frozen.results[0]!.status).toBe(1);
    expect(existsSync(path.join(frozen.workspace, 'dist'))).toBe(false);
  });

  it('uses the project’s own deckc when it has one, in the working directory given', () => {
    const run = runAction({ 'working-directory': 'site', frozen: 'false' }, (workspace) => {
      cpSync(path.join(workspace, 'decks'), path.join(workspace, 'site/input'), {
        recursive: true,
      });
      const bin = path.join(workspace, 'site/node_modules/.bin/deckc');
      mkdirSync(path.dirname(bin), { recursive: true });
      // A stand-in that shows it was the one called, then runs this checkout's deckc.
      writeFileSync(
        bin,
        `#!/usr/bin/env bash\necho "project deckc" >&2\nexec node ${JSON.stringify(path.join(REPO, 'bin/deckc.js'))} "$@"\n`,
        { mode: 0o755 },
      );
    });
    const [build] = run.results;
    expect(build!.status, build!.stderr).toBe(0);
    expect(build!.stderr).toContain('project deckc');
    expect(readdirSync(path.join(run.workspace, 'site/dist')).sort()).toEqual([
      'Book.apkg',
      'Book.csv',
      'Book.json',
    ]);
  });
});
