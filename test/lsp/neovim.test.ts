// A second, independent client: headless Neovim's own LSP client (vim.lsp) drives `deckc lsp
// --stdio` (test/lsp/neovim/driver.lua): diagnostics on open, a quick fix and "fix all" applied
// from the code action menu, another file changed on disk, the outline and a hover. CI installs Debian's neovim (.ci/run), so
// there a missing nvim fails; elsewhere the test is skipped with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ENTRY = new URL('../scale/cli-entry.ts', import.meta.url).pathname;
const DRIVER = new URL('./neovim/driver.lua', import.meta.url).pathname;
/** How long Neovim may take in all before it is killed. */
const DEADLINE_MS = 60_000;

const CARDS = `#### Closers
:p What closes an answer?
??x
The marker \`x??\`.
??x

---

#### Math
:p What is $E$?
??x
**Energy**, in $$E = mc^2$$x??
`;

const OTHER = `:p What closes an answer?
??x
Asked in another file of the same deck.
x??
`;

const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const nvim = version.status === 0 ? version.stdout.split('\n')[0]! : null;
const skip = !nvim && !process.env.CI;
const reason = skip ? ' (skipped: nvim not on PATH; CI installs it)' : '';

interface Result {
  error?: string;
  nvim: { major: number; minor: number; patch: number };
  steps: string[];
  opened: Diag[];
  after_quick_fix: string;
  after_quick_fix_diagnostics: Diag[];
  after_fix_all: string;
  after_fix_all_diagnostics: Diag[];
  after_disk_change_diagnostics: Diag[];
  offered: string[][];
  symbols: { name: string; detail: string; line: number }[];
  hover: { kind: string; value: string };
}
interface Diag {
  code: string;
  source: string;
  severity: number;
  message: string;
  lnum: number;
  col: number;
  end_lnum: number;
  end_col: number;
  related?: { location: { uri: string }; message: string }[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the driver in headless Neovim; resolves with its results and its exit code. */
function runNeovim(dir: string): Promise<{ code: number | null; result: Result; stderr: string }> {
  const out = path.join(dir, 'out.json');
  const home = path.join(dir, 'home');
  const child = spawn(
    'nvim',
    ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${DRIVER}`],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Neovim's state (the LSP log) stays in the temporary folder.
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_DATA_HOME: path.join(home, 'data'),
        XDG_STATE_HOME: path.join(home, 'state'),
        XDG_CACHE_HOME: path.join(home, 'cache'),
        DECKC_LSP_CMD: JSON.stringify([process.execPath, '--import', TSX, ENTRY, 'lsp', '--stdio']),
        DECKC_ROOT: path.join(dir, 'decks'),
        DECKC_FILE: path.join(dir, 'decks/Book/a.md'),
        DECKC_OTHER: path.join(dir, 'decks/Book/0-first.md'),
        DECKC_OTHER_TEXT: OTHER.replace('What closes', 'What else closes'),
        DECKC_OUT: out,
      },
    },
  );
  let stderr = '';
  child.stdout!.on('data', () => {});
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nvim did not finish in ${DEADLINE_MS} ms; stderr: ${stderr}`));
    }, DEADLINE_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Neovim logs what the server wrote on stderr (a crash) in its LSP log.
      for (const log of ['cache/nvim/lsp.log', 'state/nvim/lsp.log']) {
        try {
          stderr += readFileSync(path.join(home, log), 'utf8').slice(-4000);
        } catch {
          // Not there (0.7 logs in the cache folder, 0.10 and later in the state folder).
        }
      }
      try {
        resolve({ code, result: JSON.parse(readFileSync(out, 'utf8')) as Result, stderr });
      } catch (error) {
        reject(new Error(`nvim exited ${code} without results (${error}); stderr: ${stderr}`));
      }
    });
  });
}

describe.skipIf(skip)(`deckc lsp in headless Neovim${reason}`, () => {
  it(
    `${nvim ?? 'nvim (missing)'}: diagnostics, a quick fix and fix all applied, a file changed on disk, outline, hover`,
    async () => {
      expect(nvim, 'nvim must be on the PATH in CI (.ci/run installs it)').not.toBeNull();
      const dir = mkdtempSync(path.join(tmpdir(), 'deckc-nvim-'));
      dirs.push(dir);
      mkdirSync(path.join(dir, 'decks/Book'), { recursive: true });
      writeFileSync(path.join(dir, 'decks/deckc.lock.json'), '');
      writeFileSync(path.join(dir, 'decks/Book/a.md'), CARDS);
      writeFileSync(path.join(dir, 'decks/Book/0-first.md'), OTHER);

      const { code, result, stderr } = await runNeovim(dir);
      expect(result.error, stderr).toBeUndefined();
      expect(code).toBe(0);

      // Neovim's diagnostics: the rule id as code, severity (2 = warning), 0-based places,
      // the duplicate's first place from relatedInformation.
      expect(result.opened.map((d) => [d.code, d.lnum, d.col, d.severity])).toEqual([
        ['duplicate-question', 1, 0, 2],
        ['answer-closer', 4, 0, 2],
        ['glued-marker', 11, 27, 2],
      ]);
      const closer = result.opened.find((d) => d.code === 'answer-closer')!;
      expect(closer).toMatchObject({
        source: 'deckc',
        end_lnum: 4,
        end_col: 3,
        message: "Unexpected '??x' closing an answer, expected 'x??'",
      });
      const duplicate = result.opened.find((d) => d.code === 'duplicate-question')!;
      expect(duplicate.related).toEqual([
        {
          location: {
            uri: pathToFileURL(path.join(dir, 'decks/Book/0-first.md')).href,
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          },
          message: 'first asked here',
        },
      ]);

      // The quick fix, chosen from the menu, edited the buffer; the server saw the edit.
      expect(result.offered[0]).toEqual([
        "Replace '??x' with 'x??'",
        'Fix all deckc problems in this file',
      ]);
      const quickFixed = CARDS.replace('`.\n??x', '`.\nx??');
      expect(result.after_quick_fix).toBe(quickFixed.replace(/\n$/, ''));
      expect(result.after_quick_fix_diagnostics.map((d) => d.code)).toEqual([
        'duplicate-question',
        'glued-marker',
      ]);

      // Fix all: nothing fixable left, only the duplicate (it needs the author).
      expect(result.after_fix_all).toBe(
        quickFixed.replace('$$x??', () => '$$\nx??').replace(/\n$/, ''),
      );
      expect(result.after_fix_all_diagnostics.map((d) => d.code)).toEqual(['duplicate-question']);
      // The other file rewritten on disk: its question is no longer a duplicate.
      expect(result.after_disk_change_diagnostics).toEqual([]);

      expect(result.symbols).toEqual([
        { name: 'What closes an answer?', detail: 'Closers', line: 0 },
        { name: 'What is $E$?', detail: 'Math', line: 8 },
      ]);
      expect(result.hover).toEqual({ kind: 'markdown', value: '**Energy**, in $$E = mc^2$$' });
      expect(result.steps.at(-1)).toBe('the server to exit');
    },
    DEADLINE_MS + 10_000,
  );
});
