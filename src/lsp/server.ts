/** Placeholder replaced below. */
export async function startServer(): Promise<number> {
  return 0;
}
