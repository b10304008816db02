import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
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

/** Skipped without a word: git's folder and deckc's own cache are expected in any root. */
const EXPECTED = new Set(['.git', '.deckc-cache']);

/** The largest files deckc reads, in bytes (the config's `limits`). */
export interface InputLimits {
  /** A Markdown file (default 10 MiB: about 50 s of compiling at the worst inputs' pace). */
  markdownBytes: number;
  /** An image or sound (default 100 MiB, AnkiWeb's limit for one media file). */
  mediaBytes: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  markdownBytes: 10 * 1024 * 1024,
  mediaBytes: 100 * 1024 * 1024,
};

/** A diagnostic about an entry of the root (`file` relative to it), at its first line. */
const atEntry = (
  file: string,
  severity: Diagnostic['severity'],
  rule: string,
  message: string,
): Diagnostic => ({ file, line: 1, column: 1, endLine: 1, endColumn: 1, severity, rule, message });

/** Whether `real` is `realRoot` or inside it. */
const inside = (real: string, realRoot: string) =>
  real === realRoot ||
  real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);

/** What a file that is not a regular file or a folder is, in a message. */
function kindOf(s: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}) {
  if (s.isFIFO()) return 'named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  if (s.isSocket()) return 'socket';
  return 'special file';
}

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
  limits: InputLimits = DEFAULT_LIMITS,
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
  // Files named one by one (not by a glob), to say so when their root does not read them.
  const named: string[] = [];
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
    if (info.isFile()) {
      named.push(absolute);
      await nameFile(absolute, position);
    } else if (info.isDirectory()) await name(absolute, position);
    else throw new IoError(`cannot read '${arg}': a ${kindOf(info)}, expected a file or folder`);
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
    const walk = await walkRoot(c.root, cwd, ignored, limits);
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
  const roots = survivors
    .sort((a, b) => compareKeys(keys.get(a)!, keys.get(b)!))
    .map((c) => {
      const { files, skipped, diagnostics } = walks.get(c)!;
      return { root: c.root, files, skipped, diagnostics };
    });
  await reportUnread(named, roots);
  return roots;
}

/**
 * A file named on the command line that its root does not read (in a hidden folder or
 * node_modules, ignored, too large, or not reached) is built by no one: said, at that file.
 */
async function reportUnread(named: readonly string[], roots: InputRoot[]): Promise<void> {
  if (!named.length) return;
  const reals = await Promise.all(roots.map((r) => realpath(r.root)));
  for (const file of named) {
    const real = await realpath(file);
    let best = -1;
    for (const [i, r] of reals.entries())
      if (inside(real, r) && (best < 0 || r.length > reals[best]!.length)) best = i;
    if (best < 0) continue;
    const root = roots[best]!;
    const relative = path.relative(reals[best]!, real).split(path.sep).join('/');
    const read = new Set(await Promise.all(root.files.map((f) => realpath(f.absolute))));
    if (read.has(real) || root.diagnostics?.some((d) => d.file === relative)) continue;
    root.diagnostics = [
      ...(root.diagnostics ?? []),
      atEntry(
        relative,
        'warning',
        'not-read',
        `Unexpected file named on the command line that its input root does not read (hidden folders and files, node_modules and the config's "ignore" are skipped), expected a file the root builds; not built`,
      ),
    ];
  }
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
  /** Links out of the root, files that are not regular or too large, what was skipped. */
  diagnostics: Diagnostic[];
  /** Real paths of the folders read. */
  visited: Set<string>;
  /** Folders below the root holding their own lock file: not entered (absolute, sorted). */
  nested: string[];
}

/**
 * Lists the Markdown files under `root`, not entering nested projects (unless `enter`). One
 * rule for what is inside a root: a link whose real path leaves it is never followed
 * (`outside-root`, whatever it points at: Markdown, media or a folder); only regular files are
 * read (`not-a-file` for FIFOs, devices, sockets and broken links to Markdown); a Markdown file
 * over the limit is `file-too-large`; hidden names and node_modules are counted in one `info`.
 */
async function walkRoot(
  root: string,
  cwd: string,
  ignored: (relative: string) => boolean,
  limits: InputLimits,
  enter = false,
): Promise<Walk> {
  const files: InputFile[] = [];
  const skipped: InputRoot['skipped'] = [];
  const diagnostics: Diagnostic[] = [];
  const hidden: string[] = [];
  const visited = new Set<string>();
  const nested: string[] = [];
  const nestedReals = new Set<string>();
  const realRoot = await realpath(root);
  const relativeOf = (full: string) => path.relative(root, full).split(path.sep).join('/');
  /** What an entry is, links followed only inside the root; null when it is not to be read. */
  const look = async (full: string, link: boolean) => {
    if (!link) return lstat(full);
    const real = await realpath(full).catch(() => null);
    if (real === null) {
      if (isMarkdown(full))
        diagnostics.push(
          atEntry(
            relativeOf(full),
            'warning',
            'not-a-file',
            'Unexpected link to nothing, expected a Markdown file (not read)',
          ),
        );
      return null;
    }
    if (!inside(real, realRoot)) {
      // A link to media out of the root is reported where a card uses it (mediaReader).
      const folder = await stat(full).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!folder && !isMarkdown(full)) return null;
      diagnostics.push(
        atEntry(
          relativeOf(full),
          'warning',
          'outside-root',
          `Unexpected link to '${real}' outside the input root, expected a file or folder inside it (not followed)`,
        ),
      );
      return null;
    }
    return stat(full).catch(() => null);
  };
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
        const full = path.join(dir, entry.name);
        if (skipName(entry.name)) {
          const folder = entry.isDirectory() || entry.isSymbolicLink();
          if (!EXPECTED.has(entry.name) && (folder || isMarkdown(entry.name)))
            hidden.push(relativeOf(full) + (entry.isDirectory() ? '/' : ''));
          return null;
        }
        const kind = await look(full, entry.isSymbolicLink());
        if (!kind || kind.isDirectory()) return kind ? full : null;
        const relative = relativeOf(full);
        if (!kind.isFile()) {
          // Media that is not a regular file is reported where a card uses it (mediaReader).
          if (!isMarkdown(entry.name)) return null;
          diagnostics.push(
            atEntry(
              relative,
              'warning',
              'not-a-file',
              `Unexpected ${kindOf(kind)}, expected a regular file (not read)`,
            ),
          );
        } else if (isMarkdown(entry.name) && !ignored(relative)) {
          if (kind.size > limits.markdownBytes)
            diagnostics.push(
              atEntry(
                relative,
                'error',
                'file-too-large',
                `Unexpected Markdown file of ${kind.size} bytes, expected at most ${limits.markdownBytes} (the config's "limits": {"markdownBytes"}); not read`,
              ),
            );
          else files.push({ path: relative, absolute: full, stat: fileStat(kind) });
        }
        return null;
      }),
    );
    for (const folder of kinds) if (folder) await walk(folder);
  };
  await walk(root);
  if (hidden.length) {
    hidden.sort();
    diagnostics.push(
      atEntry(
        hidden[0]!.replace(/\/$/, ''),
        'info',
        'skipped-hidden',
        `${hidden.length} hidden ${hidden.length === 1 ? 'folder, file' : 'folders, files'} or node_modules not read (e.g. '${hidden[0]}'): deckc skips names starting with '.' and node_modules`,
      ),
    );
  }
  files.sort(byPath);
  skipped.sort(byPath);
  diagnostics.sort(byFile);
  nested.sort();
  return { files, skipped, diagnostics, visited, nested };
}

const byFile = (a: Diagnostic, b: Diagnostic) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/**
 * @deprecated Use collectInputs: a file named here becomes a root of its own, so that several
 * files of one project overwrite each other's packages and retire each other's cards.
 */
export async function collectInput(
  arg: string,
  cwd: string,
  ignore: readonly string[] = [],
  limits: InputLimits = DEFAULT_LIMITS,
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
  const { files, skipped, diagnostics } = await walkRoot(absolute, cwd, ignored, limits, true);
  return { root: absolute, files, skipped, diagnostics };
}

/**
 * Reads a listed Markdown file. Opened without blocking and checked again, so that a file
 * replaced by a FIFO since it was listed is refused rather than waited on forever.
 */
export async function readInputFile(file: InputFile): Promise<Uint8Array> {
  const fail = (message: string) => new IoError(`cannot read '${file.path}': ${message}`);
  const handle = await open(file.absolute, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: Error) => {
      throw fail(error.message);
    },
  );
  try {
    if (!(await handle.stat()).isFile()) throw fail('not a regular file');
    return await handle.readFile();
  } catch (error) {
    throw error instanceof IoError ? error : fail((error as Error).message);
  } finally {
    await handle.close();
  }
}

/**
 * Why a media file was not read, as a diagnostic's rule and the words for its message: the
 * same rules the walk gives Markdown files, so one question has one rule.
 */
export interface MediaRefusal {
  rule: 'outside-root' | 'not-a-file' | 'file-too-large';
  /** Completes "Unexpected <kind> '<name>' …" (the render says which kind of media). */
  why: string;
}

/** A media reader, with why the last read of a path returned null when it was refused. */
export type MediaReader = ((relative: string) => Uint8Array | null) & {
  refusal?: (relative: string) => MediaRefusal | null;
};

/**
 * Reads media by path relative to the root; null when missing, when the real path leaves the
 * root (a symlink pointing out is refused like `../`), when it is not a regular file (a FIFO
 * would block, a device never end) or when it is larger than `limits.mediaBytes`; `refusal`
 * says which of the last three it was.
 */
export function mediaReader(root: string, limits: InputLimits = DEFAULT_LIMITS): MediaReader {
  const realRoot = realpathSync(root);
  const refused = new Map<string, MediaRefusal>();
  const read: MediaReader = (relative) => {
    refused.delete(relative);
    let real: string;
    try {
      real = realpathSync(path.resolve(root, relative));
    } catch {
      return null;
    }
    if (!inside(real, realRoot)) {
      refused.set(relative, {
        rule: 'outside-root',
        why: `linked to '${real}' outside the input root, expected a file inside it (not packaged)`,
      });
      return null;
    }
    try {
      // Opened without blocking (a FIFO), then checked on what was opened, not on its name.
      const fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const info = fstatSync(fd);
        if (!info.isFile()) {
          refused.set(relative, {
            rule: 'not-a-file',
            why: `that is a ${kindOf(info)}, expected a regular file (not read)`,
          });
          return null;
        }
        if (info.size > limits.mediaBytes) {
          refused.set(relative, {
            rule: 'file-too-large',
            why: `of ${info.size} bytes, expected at most ${limits.mediaBytes} (the config's "limits": {"mediaBytes"}); not packaged`,
          });
          return null;
        }
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
  };
  read.refusal = (relative) => refused.get(relative) ?? null;
  return read;
}
