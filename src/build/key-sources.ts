/**
 * Phase "key": every file of an input root gets its cache key, known by its stat (from the last
 * build, or the cache's record of it), or read and hashed.
 */
import type { SourceStat } from '../io/cache.js';
import { readInputFile } from '../io/input.js';
import type { RootContext } from './context.js';
import { fileKey, sameStat } from './keys.js';
import { inLanes } from './lanes.js';

export async function keySources(root: RootContext): Promise<void> {
  const { run, cache, files, states, keySalt } = root;
  const recorded = (await cache?.readSources()) ?? new Map<string, SourceStat>();
  const stats = new Map<string, SourceStat>();
  let reads = 0;
  await inLanes(
    files.length,
    16,
    async (i) => {
      const file = files[i]!;
      const state = states[i]!;
      const known = root.options.memo?.sources.get(file.absolute) ?? recorded.get(file.absolute);
      if (known?.salt === keySalt && sameStat(known, file.stat)) {
        state.key = known.key;
        state.size = file.stat.size;
        stats.set(file.absolute, known);
        return;
      }
      const read = Date.now();
      try {
        state.bytes = await readInputFile(file);
      } catch (error) {
        run.result.unreadable.push(`${root.shown(file.path)}: ${(error as Error).message}`);
        return;
      }
      state.key = fileKey(keySalt, file.path, state.bytes);
      state.size = state.bytes.length;
      reads++;
      stats.set(file.absolute, { ...file.stat, salt: keySalt, key: state.key, read });
    },
    run.isStopped,
  );
  run.checkAbort();
  for (const [file, known] of stats) run.memoNext.sources.set(file, known);
  // What a file's stat tells of its bytes holds whatever becomes of this build.
  if (reads > 0 || [...recorded.keys()].some((f) => !stats.has(f)))
    await cache?.saveSources(stats).catch(() => undefined);
}
