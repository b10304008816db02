import { readFileSync, realpathSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';

/** A failure of the tool itself (exit code 2), not a problem in the user's cards. */
export class IoError extends Error {}

export interface InputFile {
  /** Relative to the root, `/` separators. */
  path: string;
  absolute: string;
  /** Its stat when it was listed (of the file a symbolic link points to). */
  stat: FileStat;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
}

const fileStat = ({ size, mtimeMs, ino }: FileStat): FileStat => ({ size, mtimeMs, ino });

export interface InputRoot {
  /** Absolute folder that paths, media and the lock file are relative to. */
  root: string;
  files: InputFile[];
  /** Linked folders not read because their real path was read already (loops, double links). */
  skipped: { path: string; real: string }[];
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/**
 * Resolves a command-line path to an input root and its Markdown files, sorted by path so that
 * output never depends on directory order. A folder is its own root; a file's root is its folder.
 * Symbolic links to folders are followed once (loops are detected by real path).
 */
export async function collectInput(
  arg: string,
  cwd: string,
  ignore: readonly string[] = [],
): Promise<InputRoot> {
  const ignored = ignore.length ? picomatch([...ignore]) : () => false;
  const absolute = path.resolve(cwd, arg);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    throw new IoError(
      `cannot read '${arg}': ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`,
    );
  });
  if (info.isFile()) {
    return {
      root: path.dirname(absolute),
      files: [{ path: path.basename(absolute), absolute, stat: fileStat(info) }],
      skipped: [],
    };
  }
  const files: InputFile[] = [];
  const skipped: InputRoot['skipped'] = [];
  const visited = new Set<string>();
  const relativeOf = (full: string) => path.relative(absolute, full).split(path.sep).join('/');
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) {
      // A symlink loop, or the same folder linked twice: its cards are read once.
      skipped.push({ path: relativeOf(dir), real });
      return;
    }
    visited.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: Error) => {
      throw new IoError(`cannot read folder '${path.relative(cwd, dir) || '.'}': ${error.message}`);
    });
    // Entries are looked at all at once (files are sorted below), folders one after another.
    const kinds = await Promise.all(
      entries.map(async (entry) => {
        if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) return null;
        const full = path.join(dir, entry.name);
        const kind = entry.isSymbolicLink()
          ? await stat(full).catch(() => null)
          : await lstat(full);
        if (kind?.isFile() && /\.md$/i.test(entry.name)) {
          const relative = relativeOf(full);
          if (!ignored(relative))
            files.push({ path: relative, absolute: full, stat: fileStat(kind) });
        }
        return kind?.isDirectory() ? full : null;
      }),
    );
    for (const folder of kinds) if (folder) await walk(folder);
  };
  await walk(absolute);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: absolute, files, skipped };
}

export async function readInputFile(file: InputFile): Promise<Uint8Array> {
  return readFile(file.absolute).catch((error: Error) => {
    throw new IoError(`cannot read '${file.path}': ${error.message}`);
  });
}

/**
 * Reads media by path relative to the root; null when missing or when the real path leaves the
 * root (a symlink pointing out is refused like `../`).
 */
export function mediaReader(root: string): (relative: string) => Uint8Array | null {
  const realRoot = realpathSync(root);
  return (relative) => {
    try {
      const real = realpathSync(path.resolve(root, relative));
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
      return readFileSync(real);
    } catch {
      return null;
    }
  };
}
