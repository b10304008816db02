import type { BuildPhase } from './build.js';

/** What the progress line shows. */
export interface ProgressState {
  files: number;
  totalFiles: number;
  cards: number;
  /** Milliseconds since the build started. */
  elapsedMs: number;
  /** The phase past the files that the build is in, if any (shown instead of an ETA). */
  phase?: BuildPhase | undefined;
}

/** `linking 3 decks`, `writing 1 package`: what the build does after its last file. */
export const describePhase = (phase: BuildPhase): string =>
  phase.name === 'linking'
    ? `linking ${phase.scopes} deck${phase.scopes === 1 ? '' : 's'}`
    : `writing ${phase.packages} package${phase.packages === 1 ? '' : 's'}`;

const seconds = (ms: number) =>
  ms < 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms < 600_000
      ? `${Math.round(ms / 1000)} s`
      : `${Math.floor(ms / 60_000)} min`;

const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * One line of progress, at most `width` columns: a bar, files, cards, elapsed time and an
 * estimate of the time left (from the pace so far; shown once a file is done), or, after the
 * last file, the phase the build is in (linking, writing).
 */
export function formatProgress(state: ProgressState, width = 80): string {
  const { files, totalFiles, cards, elapsedMs, phase } = state;
  const fraction = totalFiles > 0 ? Math.min(1, files / totalFiles) : 0;
  const eta = phase
    ? ` · ${describePhase(phase)}`
    : files > 0 && files < totalFiles
      ? ` · ETA ${seconds((elapsedMs / files) * (totalFiles - files))}`
      : '';
  const text = ` ${files}/${totalFiles} files · ${grouped(cards)} cards · ${seconds(elapsedMs)}${eta}`;
  const barWidth = Math.max(0, Math.min(30, width - text.length - 2));
  if (barWidth < 5) return text.trimStart().slice(0, width);
  const full = Math.round(fraction * barWidth);
  return `[${'#'.repeat(full)}${'.'.repeat(barWidth - full)}]${text}`;
}

/**
 * A progress line redrawn in place on a terminal, at most every `intervalMs`; the last file and
 * each phase after it are always drawn, so that the line never sits at 100 % saying nothing.
 * `clear` erases it before anything else is printed.
 */
export class ProgressBar {
  private drawn = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly started: number;
  private last = { files: 0, totalFiles: 0, cards: 0 };

  constructor(
    private readonly stream: { write(s: string): unknown; columns?: number },
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {
    this.started = now();
  }

  update(files: number, totalFiles: number, cards: number): void {
    this.last = { files, totalFiles, cards };
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs && files < totalFiles) return;
    this.draw(t);
  }

  /** The build entered a phase past its files (BuildOptions.onPhase): drawn at once. */
  phase(phase: BuildPhase): void {
    this.draw(this.now(), phase);
  }

  private draw(t: number, phase?: BuildPhase): void {
    this.lastDraw = t;
    const line = formatProgress(
      { ...this.last, elapsedMs: t - this.started, phase },
      (this.stream.columns ?? 80) - 1,
    );
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
