/** What the progress line shows. */
export interface ProgressState {
  files: number;
  totalFiles: number;
  cards: number;
  /** Milliseconds since the build started. */
  elapsedMs: number;
}

const seconds = (ms: number) =>
  ms < 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms < 600_000
      ? `${Math.round(ms / 1000)} s`
      : `${Math.floor(ms / 60_000)} min`;

const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * One line of progress, at most `width` columns: a bar, files, cards, elapsed time and an
 * estimate of the time left (from the pace so far; shown once a file is done).
 */
export function formatProgress(state: ProgressState, width = 80): string {
  const { files, totalFiles, cards, elapsedMs } = state;
  const fraction = totalFiles > 0 ? Math.min(1, files / totalFiles) : 0;
  const eta =
    files > 0 && files < totalFiles
      ? ` · ETA ${seconds((elapsedMs / files) * (totalFiles - files))}`
      : '';
  const text = ` ${files}/${totalFiles} files · ${grouped(cards)} cards · ${seconds(elapsedMs)}${eta}`;
  const barWidth = Math.max(0, Math.min(30, width - text.length - 2));
  if (barWidth < 5) return text.trimStart().slice(0, width);
  const full = Math.round(fraction * barWidth);
  return `[${'#'.repeat(full)}${'.'.repeat(barWidth - full)}]${text}`;
}

/**
 * A progress line redrawn in place on a terminal, at most every `intervalMs` (the last update
 * before a quiet spell is drawn by `flush`). `clear` erases it before anything else is printed.
 */
export class ProgressBar {
  private drawn = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly started: number;

  constructor(
    private readonly stream: { write(s: string): unknown; columns?: number },
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {
    this.started = now();
  }

  update(files: number, totalFiles: number, cards: number): void {
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs && files < totalFiles) return;
    this.lastDraw = t;
    const line = formatProgress(
      { files, totalFiles, cards, elapsedMs: t - this.started },
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
