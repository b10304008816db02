import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BuildPhase, build } from '../../src/build/build.js';
import { formatProgress, ProgressBar } from '../../src/cli/progress.js';
import { buildOptions, copyFixtures } from './helpers.js';

describe('build phases', () => {
  it('names linking and writing after the last file, and neither when nothing changed', async () => {
    const dir = copyFixtures('library');
    const phases: BuildPhase[] = [];
    let filesDone = -1;
    const onPhase = (phase: BuildPhase) => phases.push(phase);
    const onFile = (done: number) => {
      filesDone = done;
    };
    await build(buildOptions(dir, ['library'], { onPhase, onFile }));
    expect(filesDone).toBe(3);
    // Two top-level decks: biology and chemistry.
    expect(phases).toEqual([
      { name: 'linking', scopes: 2 },
      { name: 'writing', packages: 2 },
    ]);
    phases.length = 0;
    await build(buildOptions(dir, ['library'], { onPhase }));
    expect(phases).toEqual([]);
    // One file edited: its deck alone is linked and written again.
    const file = path.join(dir, 'library/chemistry/atoms.md');
    writeFileSync(file, '#### Extra\n:p One more?\n??x\nYes.\nx??\n', { flag: 'a' });
    await build(buildOptions(dir, ['library'], { onPhase }));
    expect(phases).toEqual([
      { name: 'linking', scopes: 1 },
      { name: 'writing', packages: 1 },
    ]);
  });
});

describe('formatProgress', () => {
  it('shows the bar, files, cards, elapsed time and the time left at the pace so far', () => {
    // A quarter of a 30-column bar is 7.5 columns, drawn as 8.
    expect(formatProgress({ files: 150, totalFiles: 600, cards: 6750, elapsedMs: 5000 }, 80)).toBe(
      `[${'#'.repeat(8)}${'.'.repeat(22)}] 150/600 files · 6,750 cards · 5.0 s · ETA 15 s`,
    );
  });
  it('has no ETA before the first file and none when done', () => {
    // The bar takes what the text leaves of the 60 columns.
    expect(formatProgress({ files: 0, totalFiles: 10, cards: 0, elapsedMs: 20 }, 60)).toBe(
      `[${'.'.repeat(29)}] 0/10 files · 0 cards · 0.0 s`,
    );
    expect(formatProgress({ files: 10, totalFiles: 10, cards: 450, elapsedMs: 61_000 }, 60)).toBe(
      `[${'#'.repeat(27)}] 10/10 files · 450 cards · 61 s`,
    );
  });
  it('drops the bar rather than overflow a narrow terminal', () => {
    const line = formatProgress({ files: 3, totalFiles: 600, cards: 99, elapsedMs: 1000 }, 40);
    expect(line.length).toBeLessThanOrEqual(40);
    expect(line.startsWith('3/600 files')).toBe(true);
  });
  it('counts minutes for long builds', () => {
    expect(
      formatProgress({ files: 1, totalFiles: 2, cards: 1, elapsedMs: 700_000 }, 200),
    ).toContain('11 min · ETA 11 min');
  });
});

describe('ProgressBar', () => {
  it('redraws at most every interval, always draws the last file, and clears itself', () => {
    let t = 0;
    let out = '';
    const bar = new ProgressBar({ write: (s: string) => (out += s), columns: 81 }, () => t, 100);
    bar.update(1, 4, 10); // drawn
    t = 50;
    bar.update(2, 4, 20); // too soon: skipped
    t = 120;
    bar.update(3, 4, 30); // drawn
    t = 130;
    bar.update(4, 4, 40); // the last file: drawn even though soon
    const draws = out.split('\r\x1b[2K').filter(Boolean);
    expect(draws.map((d) => d.match(/ (\d)\/4 files/)?.[1])).toEqual(['1', '3', '4']);
    out = '';
    bar.clear();
    expect(out).toBe('\r\x1b[2K');
    out = '';
    bar.clear();
    expect(out).toBe('');
  });
});

describe('deckc build on a terminal', () => {
  it('draws progress on stderr and clears it before the diagnostics; none with --quiet', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { copyFixtures } = await import('./helpers.js');
    const dir = copyFixtures('broken');
    const run = async (...extra: string[]) => {
      let stderr = '';
      const code = await main(['check', 'broken', '--jobs', '1', '--no-cache', ...extra], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (stderr += s), isTTY: true },
        cwd: dir,
        env: {},
      });
      return { code, stderr };
    };
    const tty = await run();
    expect(tty.code).toBe(1);
    // The last file is always drawn, then the linking phase; the line is erased before the
    // first diagnostic.
    const visible = tty.stderr.replaceAll('\r\x1b[2K', '<erase>');
    expect(visible).toMatch(
      /<erase>\[#+\] 3\/3 files · 2 cards · [\d.]+ s<erase>\[#+\] 3\/3 files · 2 cards · [\d.]+ s · linking \d+ decks?<erase>broken\/b-bad\.md:1:1: error/,
    );
    const quiet = await run('--quiet');
    expect(quiet.stderr).not.toContain('files ·');
    expect(quiet.stderr).toContain('broken/b-bad.md:1:1: error');
  });
});
