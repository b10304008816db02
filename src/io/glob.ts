import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';

/** A command-line path that reads as a glob (quoted, so the shell left it to deckc). */
export const looksLikeGlob = (arg: string) => /[*?[{]/.test(arg);

/**
 * The files a glob matches, absolute and sorted; relative globs are relative to `cwd`. The walk
 * starts at the glob's static prefix (`notes` in `notes/**\/*.md`), does not enter folders whose
 * name `skip` accepts, and follows linked folders once (by real path) and only inside the
 * start folder (`ln -s / notes/root` is not walked). A glob without `**` or braces is not walked
 * deeper than it has segments.
 */
export async function expandGlob(
  pattern: string,
  cwd: string,
  skip: (name: string) => boolean,
): Promise<string[]> {
  const { base, glob } = picomatch.scan(pattern.split(path.sep).join('/'));
  const start = path.resolve(cwd, base);
  const isMatch = picomatch(glob);
  const depth = /\*\*|\{/.test(glob) ? Number.POSITIVE_INFINITY : glob.split('/').length;
  const found: string[] = [];
  const visited = new Set<string>();
  const realStart = await realpath(start).catch(() => start);
  const within = (real: string) => real === realStart || real.startsWith(realStart + path.sep);
  const walk = async (dir: string, level: number): Promise<void> => {
    const real = await realpath(dir).catch(() => null);
    if (real === null || visited.has(real) || !within(real)) return;
    visited.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const folders: string[] = [];
    await Promise.all(
      entries.map(async (entry) => {
        if (skip(entry.name)) return;
        const full = path.join(dir, entry.name);
        const kind = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
        if (kind?.isDirectory()) {
          if (level < depth) folders.push(full);
        } else if (kind?.isFile() && isMatch(path.relative(start, full).split(path.sep).join('/')))
          found.push(full);
      }),
    );
    folders.sort();
    for (const folder of folders) await walk(folder, level + 1);
  };
  await walk(start, 1);
  return found.sort();
}
