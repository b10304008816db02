/**
 * The worker threads of one build, started only when there is work enough for them (an
 * unchanged rebuild spawns none): the pool for parallel compiling and emitting, an in-thread
 * pool for the rest, and a lone helper that writes the .apkg of one large package while this
 * thread writes its other formats.
 */
import { createPool, type Pool } from '../io/pool.js';

export class Workers {
  private pool: Promise<Pool> | null = null;
  private local: Promise<Pool> | null = null;
  private lone: Promise<Pool> | null = null;

  /** `shared`: warm workers the caller keeps between builds (watch mode) and closes itself. */
  constructor(
    readonly jobs: number,
    readonly shared: Pool | undefined,
  ) {}

  /** Workers for `parallel` work; otherwise this thread, unless the workers run already. */
  get(parallel: boolean): Promise<Pool> {
    if (parallel && this.shared) return Promise.resolve(this.shared);
    if (parallel || this.pool) {
      this.pool ??= createPool(this.jobs);
      return this.pool;
    }
    return this.here();
  }

  /** This thread. */
  here(): Promise<Pool> {
    this.local ??= createPool(1);
    return this.local;
  }

  /** One worker for the .apkg of a large lone package. */
  helper(): Promise<Pool> {
    this.lone ??= createPool(1, true);
    return this.lone;
  }

  /**
   * Replaces the running workers with fresh ones: a worker's heap keeps what compiling left in
   * it (a few hundred MB each after a large library), and fresh workers need only what emitting
   * needs; `size` of them, as many as can have work at once. Costs their boot (~0.5 s of CPU
   * each), so only for libraries past the memory budget.
   */
  renew(size: number): void {
    if (!this.pool) return;
    const old = this.pool;
    this.pool = old.then((p) => p.close()).then(() => createPool(size, true));
  }

  /** Whether the pool of workers is running (or starting). */
  get running(): boolean {
    return this.pool !== null;
  }

  get hasHelper(): boolean {
    return this.lone !== null;
  }

  /** Stops what the workers run (an interrupt, --bail): their tasks reject. */
  stop(): void {
    if (this.pool) void this.pool.then((p) => p.close());
    if (this.lone) void this.lone.then((p) => p.close());
  }

  async close(): Promise<void> {
    if (this.pool) await (await this.pool).close();
    if (this.lone) await (await this.lone).close();
  }
}
