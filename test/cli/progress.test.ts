/**
 * The progress bar after the last file: the engine's phases (BuildOptions.onPhase) are drawn,
 * so that the line does not sit at 100 % while the build links and writes.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatProgress, ProgressBar } from '../../src/cli/progress.js';
import { copyFixtures } from '../scale/helpers.js';

describe('the progress line after the last file', () => {
  it('names the phase instead of an ETA', () => {
    const state = { files: 3, totalFiles: 3, cards: 40, elapsedMs: 1200 };
    expect(formatProgress({ ...state, phase: { name: 'linking', scopes: 2 } }, 80)).toBe(
      `[${'#'.repeat(30)}] 3/3 files · 40 cards · 1.2 s · linking 2 decks`,
    );
    // The bar takes what the text leaves of the 80 columns.
    expect(formatProgress({ ...state, phase: { name: 'writing', packages: 1 } }, 80)).toBe(
      `[${'#'.repeat(29)}] 3/3 files · 40 cards · 1.2 s · writing 1 package`,
    );
  });

  it('draws each phase at once, with the last file’s counts', () => {
    let t = 0;
    let out = '';
    const bar = new ProgressBar({ write: (s: string) => (out += s), columns: 81 }, () => t, 100);
    bar.update(4, 4, 40);
    t = 10; // within the interval: a phase is drawn all the same
    bar.phase({ name: 'linking', scopes: 3 });
    t = 20;
    bar.phase({ name: 'writing', packages: 2 });
    const draws = out.split('\r\x1b[2K').filter(Boolean);
    expect(draws.map((d) => d.replace(/^\[#+\] /, ''))).toEqual([
      '4/4 files · 40 cards · 0.0 s',
      '4/4 files · 40 cards · 0.0 s · linking 3 decks',
      '4/4 files · 40 cards · 0.0 s · writing 2 packages',
    ]);
  });

  it('shows linking and writing on a terminal, then erases the line before the summary', async () => {
    const dir = copyFixtures('library');
    let stderr = '';
    const code = await main(['build', 'library', '--jobs', '1', '--format', 'json'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s), isTTY: true },
      cwd: dir,
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
    expect(code).toBe(0);
    const visible = stderr.replaceAll('\r\x1b[2K', '<erase>');
    expect(visible).toMatch(
      /<erase>\[#+\] 3\/3 files · 5 cards · [\d.]+ s · linking 2 decks<erase>\[#+\] 3\/3 files · 5 cards · [\d.]+ s · writing 2 packages<erase>deckc: 3 files/,
    );
  });
});
