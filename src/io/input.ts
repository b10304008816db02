import { readFileSync, realpathSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { LOCK_FILE } from '../identity/lock.js';
import type { Diagnostic } from '../validate/schema.js';
import { expandGlob, looksLikeGlob } from './glob.js';

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
  /** What the walk itself has to say (paths relative to `root`), reported by the build. */
  diagnostics?: Diagnostic[];
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/** Folders and files no walk reads: hidden ones, `node_modules` and `.git`. */
const skipName = (name: string) => name.startsWith('.') || SKIP_DIRS.has(name);

const isMarkdown = (name: string) => /\.md$/i.test(name);

const byPath = <T extends { path: string }>(a: T, b: T) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/**
 * Resolves the command-line paths to input roots, each with its Markdown files sorted by path so
 * that output never depends on directory order. Every path counts:
 *
 * - A folder is an input root.
 * - A file stands for its project: the nearest folder at or above it holding a deckc.lock.json.
 *   Files in no project are grouped under their common folder (the deepest one holding them
 *   all). That folder is read whole, as if it had been named, so that `deckc build dir/*.md` is
 *   `deckc build dir` and the project's other cards are not retired.
 * - A path that does not exist and contains `*`, `?`, `[` or `{` is a glob (quoted, so the shell
 *   left it to deckc); the Markdown files it matches are file arguments. Matching none, or a
 *   missing plain path, is an IoError.
 * - Nested projects: a folder holding its own deckc.lock.json below a root is a project of its
 *   own. The outer walk does not enter it, and it becomes a root of its own, after the one it was
 *   found in. So each file is read once, into the project whose lock holds its identities, and
 *   naming a folder still builds every Markdown file under it.
 * - A named root that lies inside another root (by real path) and has no lock of its own is
 *   merged into it (its files are there already), taking the earlier of the two places.
 * - Roots are de-duplicated by real path and come in the order first named.
 *
 * Symbolic links to folders are followed once (loops are detected by real path).
 */
export async function collectInputs(
  paths: readonly string[],
  cwd: string,
  ignore: readonly string[] = [],
): Promise<InputRoot[]> {
  const ignored = ignore.length ? picomatch([...ignore]) : () => false;
  const byReal = new Map<string, Candidate>();
  const name = async (root: string, position: number) => {
    const real = await realpath(root);
    const named = byReal.get(real);
    if (named) named.position = Math.min(named.position, position);
    else
      byReal.set(real, {
        root,
        real,
        position,
        ownLock: await exists(path.join(root, LOCK_FILE)),
      });
  };
  // Files in no project, with the position of their argument.
  const loose: { dir: string; position: number }[] = [];
  // By folder: the files of a shell-expanded glob mostly share one.
  const projects = new Map<string, Promise<string | null>>();
  const nameFile = async (file: string, position: number) => {
    const dir = path.dirname(file);
    if (!projects.has(dir)) projects.set(dir, projectOf(dir));
    const project = await projects.get(dir)!;
    if (project) await name(project, position);
    else loose.push({ dir, position });
  };
  for (const [position, arg] of paths.entries()) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      const missing = info.code === 'ENOENT' || info.code === 'ENOTDIR';
      if (missing && looksLikeGlob(arg)) {
        const matches = (await expandGlob(arg, cwd, skipName)).filter(isMarkdown);
        if (matches.length === 0) throw new IoError(`no Markdown file matches '${arg}'`);
        for (const file of matches) await nameFile(file, position);
        continue;
      }
      throw new IoError(
        `cannot read '${arg}': ${missing ? 'no such file or directory' : info.message}`,
      );
    }
    if (info.isFile()) await nameFile(absolute, position);
    else await name(absolute, position);
  }
  if (loose.length)
    await name(commonFolder(loose.map((f) => f.dir)), Math.min(...loose.map((f) => f.position)));

  // Outer roots first, so that a root inside one already read is merged rather than read. Inside
  // is by real path: a folder that another root only reaches through a link stays a root.
  const walks = new Map<Candidate, Walk>();
  const survivors: Candidate[] = [];
  const coveredBy = (c: Candidate) =>
    c.ownLock
      ? undefined
      : survivors.find(
          (w) => c.real.startsWith(w.real + path.sep) && walks.get(w)!.visited.has(c.real),
        );
  const read = async (c: Candidate): Promise<void> => {
    const walk = await walkRoot(c.root, cwd, ignored);
    walks.set(c, walk);
    survivors.push(c);
    for (const [index, root] of walk.nested.entries()) {
      const real = await realpath(root);
      let nested = byReal.get(real);
      if (!nested) {
        nested = { root, real, position: Infinity, ownLock: true };
        nested.parent = { of: c, index };
        byReal.set(real, nested);
      }
      if (!walks.has(nested)) await read(nested);
    }
  };
  const outerFirst = [...byReal.values()].sort((a, b) => a.real.length - b.real.length);
  for (const c of outerFirst) {
    if (walks.has(c)) continue;
    const outer = coveredBy(c);
    if (outer) c.mergedInto = outer;
    else await read(c);
  }
  // A root read before the nested project it lies in was found (through a link elsewhere) is
  // merged all the same.
  for (const c of [...survivors].sort((a, b) => a.real.length - b.real.length)) {
    const outer = coveredBy(c);
    if (outer) {
      c.mergedInto = outer;
      survivors.splice(survivors.indexOf(c), 1);
    }
  }
  for (const c of byReal.values()) {
    let target = c.mergedInto;
    while (target?.mergedInto) target = target.mergedInto;
    if (target && c.position < target.position) target.position = c.position;
  }
  // Roots named by one glob come in path order, so that a project comes before one nested in it.
  const rank = new Map([...byReal.values()].sort(byRealPath).map((c, i) => [c, i]));
  const keys = new Map(survivors.map((c) => [c, orderKey(c, rank)]));
  return survivors
    .sort((a, b) => compareKeys(keys.get(a)!, keys.get(b)!))
    .map((c) => {
      const { files, skipped } = walks.get(c)!;
      return { root: c.root, files, skipped };
    });
}

/** A folder that a path argument names (or a walk found), before roots are merged. */
interface Candidate {
  /** Absolute, as named (not resolved through links). */
  root: string;
  real: string;
  /** Of the first argument naming it; Infinity for a nested project found by a walk only. */
  position: number;
  ownLock: boolean;
  /** A nested project found by a walk only: the root it was found in, and its place there. */
  parent?: { of: Candidate; index: number };
  mergedInto?: Candidate;
}

/** Sorts roots by where they were first named; a nested project right after its parent. */
function orderKey(c: Candidate, rank: ReadonlyMap<Candidate, number>): number[] {
  if (!c.parent || c.position !== Infinity) return [c.position, rank.get(c)!];
  let parent = c.parent.of;
  while (parent.mergedInto) parent = parent.mergedInto;
  return [...orderKey(parent, rank), c.parent.index];
}

const byRealPath = (a: Candidate, b: Candidate) => (a.real < b.real ? -1 : a.real > b.real ? 1 : 0);

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const exists = (file: string) =>
  lstat(file).then(
    () => true,
    () => false,
  );

/** The nearest folder at or above `dir` holding a lock file, or null. */
async function projectOf(dir: string): Promise<string | null> {
  for (;;) {
    if (await exists(path.join(dir, LOCK_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The deepest folder holding all of `dirs` (absolute). */
function commonFolder(dirs: readonly string[]): string {
  let common = dirs[0]!;
  for (const dir of dirs) {
    while (
      dir !== common &&
      !dir.startsWith(common.endsWith(path.sep) ? common : common + path.sep)
    )
      common = path.dirname(common);
  }
  return common;
}

interface Walk {
  files: InputFile[];
  skipped: InputRoot['skipped'];
  /** Real paths of the folders read. */
  visited: Set<string>;
  /** Folders below the root holding their own lock file: not entered (absolute, sorted). */
  nested: string[];
}

/** Lists the Markdown files under `root`, not entering nested projects (unless `enter`). */
async function walkRoot(
  root: string,
  cwd: string,
  ignored: (relative: string) => boolean,
  enter = false,
): Promise<Walk> {
  const files: InputFile[] = [];
  const skipped: InputRoot['skipped'] = [];
  const visited = new Set<string>();
  const nested: string[] = [];
  const nestedReals = new Set<string>();
  const relativeOf = (full: string) => path.relative(root, full).split(path.sep).join('/');
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (nestedReals.has(real)) return;
    if (visited.has(real)) {
      // A symlink loop, or the same folder linked twice: its cards are read once.
      skipped.push({ path: relativeOf(dir), real });
      return;
    }
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: Error) => {
      throw new IoError(`cannot read folder '${path.relative(cwd, dir) || '.'}': ${error.message}`);
    });
    if (!enter && dir !== root && entries.some((entry) => entry.name === LOCK_FILE)) {
      nestedReals.add(real);
      nested.push(dir);
      return;
    }
    visited.add(real);
    // Entries are looked at all at once (files are sorted below), folders one after another.
    const kinds = await Promise.all(
      entries.map(async (entry) => {
        if (skipName(entry.name)) return null;
        const full = path.join(dir, entry.name);
        const kind = entry.isSymbolicLink()
          ? await stat(full).catch(() => null)
          : await lstat(full);
        if (kind?.isFile() && isMarkdown(entry.name)) {
          const relative = relativeOf(full);
          if (!ignored(relative))
            files.push({ path: relative, absolute: full, stat: fileStat(kind) });
        }
        return kind?.isDirectory() ? full : null;
      }),
    );
    for (const folder of kinds) if (folder) await walk(folder);
  };
  await walk(root);
  files.sort(byPath);
  skipped.sort(byPath);
  nested.sort();
  return { files, skipped, visited, nested };
}

/**
 * @deprecated Use collectInputs: a file named here becomes a root of its own, so that several
 * files of one project overwrite each other's packages and retire each other's cards.
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
  const { files, skipped } = await walkRoot(absolute, cwd, ignored, true);
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
