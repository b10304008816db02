/** Runs `work(0 … count-1)` in order of claim, `lanes` at a time, until `stop()` holds. */
export async function inLanes(
  count: number,
  lanes: number,
  work: (n: number) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, lanes) }, async () => {
      while (next < count && !stop()) await work(next++);
    }),
  );
}
