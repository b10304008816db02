/**
 * Language server latency: `npm run bench -- lsp`. Starts `deckc lsp` as an editor does (the
 * built bin/deckc.js; from the sources through tsx when there is no build), opens a generated
 * 500-card file, then types: one character at a time into a card's answer, 200 ms apart (more
 * than the debounce, so each change is analysed on its own), and prints how long each change
 * took to come back as diagnostics for its version — debounce included — as median, p90 and
 * max, beside the target (100 ms). Also: the first diagnostics after open (the structure pass)
 * and the complete ones (every card rendered, in slices), and how long a hover waits while that
 * opening render runs (a keystroke is never blocked behind it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  type PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

const CARDS = 500;
const CHANGES = 40;
const GAP_MS = 200;
const TARGET_MS = 100;

/** A 500-card file like the real ones: context, math, a list and a code block per card. */
function cards(n: number): string {
  let s = '# Flashcards: Bench (Part 1)\n\n';
  for (let i = 0; i < n; i++)
    s += `---\n\n#### Card ${i}\nSome context about $x_${i}$ and **bold** text.\n:p What is question number ${i}?\n??x\nThe answer ${i}, with a list:\n\n- one\n- two $a^2$\n\n\`\`\`python\nprint(${i})\n\`\`\`\nx??\n\n`;
  return s;
}

const built = existsSync('lib/cli/main.bundle.js');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const argv = built
  ? ['bin/deckc.js', 'lsp', '--stdio']
  : ['--import', tsx, 'test/scale/cli-entry.ts', 'lsp', '--stdio'];

const dir = mkdtempSync(join(tmpdir(), 'deckc-bench-lsp-'));
mkdirSync(join(dir, 'decks'));
writeFileSync(join(dir, 'decks/deckc.lock.json'), '');
const text = cards(CARDS);
const file = join(dir, 'decks/bench.md');
writeFileSync(file, text);
const uri = pathToFileURL(file).href;

const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(
  new StreamMessageReader(child.stdout),
  new StreamMessageWriter(child.stdin),
);
const arrivals: { at: number; p: PublishDiagnosticsParams }[] = [];
let notify: (() => void) | null = null;
connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
  arrivals.push({ at: performance.now(), p });
  notify?.();
});
connection.listen();

/** Waits for the `nth` publication (0: the first) of diagnostics for `version`. */
async function published(version: number, nth = 0) {
  for (;;) {
    const hit = arrivals.filter((a) => a.p.version === version)[nth];
    if (hit) return hit;
    await new Promise<void>((resolve) => {
      notify = resolve;
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), max: s[s.length - 1]! };
};

await connection.sendRequest('initialize', {
  processId: process.pid,
  rootUri: pathToFileURL(dir).href,
  workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }],
  capabilities: {},
});
await connection.sendNotification('initialized', {});

const opened = performance.now();
await connection.sendNotification('textDocument/didOpen', {
  textDocument: { uri, languageId: 'markdown', version: 1, text },
});
const first = await published(1);
// While the opening render runs in slices, a hover is answered between them.
const hoverSent = performance.now();
await connection.sendRequest('textDocument/hover', {
  textDocument: { uri },
  position: { line: 7, character: 4 },
});
const hoverMs = performance.now() - hoverSent;
// The file has no problems: the structure pass's diagnostics, then the rendered cards' (none).
// The file has no problems: the structure pass's diagnostics come first, the rendered cards' next.
const complete = await published(1, 1);

// Typing: one character into the answer of card k, each at its own line.
const latencies: number[] = [];
let lines = text.split('\n');
for (let i = 0; i < CHANGES; i++) {
  await sleep(GAP_MS);
  const k = Math.floor((i * CARDS) / CHANGES);
  const line = lines.indexOf(`The answer ${k}, with a list:`);
  const version = i + 2;
  const sent = performance.now();
  await connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [
      { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: 'x' },
    ],
  });
  const got = await published(version);
  latencies.push(got.at - sent);
  lines[line] = `x${lines[line]}`;
  lines = [...lines];
}

const s = stats(latencies);
if (process.env.BENCH_RAW) console.log(latencies.map((x) => x.toFixed(0)).join(' '));
console.log(
  `deckc lsp (${built ? 'bin/deckc.js' : 'sources via tsx'}), one file of ${CARDS} cards (${(text.length / 1024).toFixed(0)} KiB):`,
);
console.log(`  open → first diagnostics      ${(first.at - opened).toFixed(0)} ms`);
console.log(`  open → every card rendered    ${(complete.at - opened).toFixed(0)} ms`);
console.log(`  hover during that render      ${hoverMs.toFixed(1)} ms`);
console.log(
  `  change → diagnostics (${CHANGES} one-character edits, 30 ms debounce included): median ${s.median.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (target ≤ ${TARGET_MS} ms)`,
);

await connection.sendRequest('shutdown');
await connection.sendNotification('exit');
await new Promise((resolve) => child.once('exit', resolve));
connection.dispose();
rmSync(dir, { recursive: true, force: true });
