import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Lock } from '../identity/lock.js';
import type { CompiledFile, Diagnostic, FileSummary } from '../validate/schema.js';
import type { FileStat, MediaReader } from './input.js';
import { writeAtomic } from './write.js';

/**
 * The build cache: a content-addressed store under `.deckc-cache/` in the input root.
 *
 * - `files/<key>.json`: one compiled file, gzipped (JSON of rendered HTML shrinks ~8×). The key hashes the file's bytes, its path, the compile
 *   options and the compiler's fingerprint, so an entry can only ever be served for exactly the
 *   input it was made from. The entry also lists the media the file read (path + content hash);
 *   a hit is trusted only when every one of them still hashes the same.
 * - `blobs/<sha256>`: media, stored once by content hash and verified against their name on
 *   every read.
 * - `out/<key>.json`: the hash of one emitted output, keyed by a hash of the package. The
 *   output's bytes are not kept: the file deckc wrote is their one copy, recognised by its stat
 *   (`written.json`); an output deleted or edited since is emitted again.
 * - `scope/<key>.json`: the outcome of linking one scope (a top-level deck), keyed by its files'
 *   keys and its slice of the lock (see scopeKey in build/keys.ts).
 * - `index.json`: each current file's summary (scope and explicit ids), by file key.
 * - `sources.json`: each input file's key with its stat when it was read, so that a file whose
 *   stat has not changed is not read again (as git's index does; see sameStat in
 *   build/keys.ts).
 * - `written.json`: the stat of each output deckc wrote, likewise.
 *
 * What each key covers is stated in build/keys.ts, where every key is made.
 *
 * Every write is atomic (temporary file + rename). Anything unreadable, unparsable or failing
 * verification counts as a miss and is rebuilt: the cache is never trusted over the sources.
 */
export const CACHE_DIR = '.deckc-cache';
/** Bumped when the layout of entries changes. */
const LAYOUT = 'v2';

/** A media file a compiled file read: null when it did not exist (a later creation invalidates). */
export interface MediaDep {
  path: string;
  hash: string | null;
}

/** The outcome of linking and emitting one scope (see the scopes reused in build/reuse.ts). */
export interface ScopeRecord {
  files: number;
  cards: number;
  retired: number;
  /** 1 when the scope makes a package (it has notes, live or retired), else 0. */
  packages: number;
  /** Paths relative to the input root. */
  diagnostics: Diagnostic[];
  /** Every media file the scope's files read. */
  deps: MediaDep[];
  /** The package's outputs; none for `deckc check`. */
  outputs: { base: string; format: string; blob: string }[];
  /** Seconds: the record holds until then, when its first retired note is to be forgotten. */
  until?: number;
}

/** What the cache knows of the last build: file summaries by file key, and its lock file. */
export interface CacheIndex {
  summaries: Map<string, FileSummary>;
  /** The lock file the last build left (in canonical form), when it wrote or checked one. */
  lock: {
    /** sha256 of its text. */
    hash: string;
    /** sha256 of the explicit ids' owners (see link/link.ts), by which it was sliced. */
    owners: string;
    notetype: Lock['notetype'];
    /** sha256 of each scope's slice (serializeEntries), for scopes with entries. */
    slices: Record<string, string>;
  } | null;
  /** Entries written since the cache was last listed for pruning. */
  writes: number;
}

/** An input file's cache key, and its stat when it was read. */
export interface SourceStat extends FileStat {
  /** What the key was made with besides the bytes (compiler fingerprint and options). */
  salt: string;
  key: string;
  /** When it was read (ms since the epoch). */
  read: number;
}

export interface WrittenOutput {
  blob: string;
  size: number;
  mtimeMs: number;
}

interface StoredEntry {
  layout: typeof LAYOUT;
  key: string;
  deps: MediaDep[];
  compiled: Omit<CompiledFile, 'media'> & { media: { name: string; blob: string }[] };
}

const zip = promisify(gzip);
const unzip = promisify(gunzip);
const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

export const sha256 = (data: Uint8Array | string): string =>
  createHash('sha256').update(data).digest('hex');

let fingerprint: string | undefined;

/**
 * Identifies the compiler that produces cache entries: deckc's version, a hash of its own source
 * (every .ts/.js file of the tree this module was loaded from, `src/` or `lib/`), the versions
 * of its runtime dependencies and, in a checkout, package-lock.json. Any change to the compiler
 * therefore misses the whole cache.
 */
export function compilerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const tree = fileURLToPath(new URL('..', import.meta.url));
  const packageRoot = path.dirname(tree);
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|js|mjs|json)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        files.push(full);
    }
  };
  walk(tree);
  for (const file of files.sort()) {
    hash.update(`${path.relative(tree, file)}\u0000`);
    hash.update(readFileSync(file));
  }
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
    hash.update(`deckc@${pkg.version}\u0000`);
    for (const dep of Object.keys(pkg.dependencies ?? {}).sort()) {
      const version = readVersion(path.join(packageRoot, 'node_modules', dep, 'package.json'));
      hash.update(`${dep}@${version}\u0000`);
    }
  } catch {
    hash.update('no package.json');
  }
  try {
    // In a checkout, the lock file pins transitive dependencies (micromark under remark) too.
    hash.update(readFileSync(path.join(packageRoot, 'package-lock.json')));
  } catch {
    // An installed package has none: its direct dependencies' versions stand in.
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}

function readVersion(file: string): string {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version ?? '?';
  } catch {
    return '?';
  }
}

/**
 * Wraps a media reader so that it records what it read, for the cache entry's dependencies.
 */
export function recordingReader(read: MediaReader) {
  const deps = new Map<string, MediaDep>();
  const readMedia: MediaReader = (relative: string) => {
    const data = read(relative);
    deps.set(relative, { path: relative, hash: data ? sha256(data) : null });
    return data;
  };
  if (read.refusal) readMedia.refusal = read.refusal;
  return { readMedia, deps: () => [...deps.values()] };
}

export class BuildCache {
  /**
   * `dir` is the cache folder itself (for example `<root>/.deckc-cache`). A read-only cache
   * (`deckc check`) serves what is there and writes nothing: every put, save and prune is a no-op.
   */
  constructor(
    readonly dir: string,
    readonly readOnly = false,
  ) {}

  private entryPath(kind: 'files' | 'out' | 'scope', key: string) {
    return path.join(this.dir, LAYOUT, kind, key.slice(0, 2), `${key}.json`);
  }

  private blobPath(hash: string) {
    return path.join(this.dir, LAYOUT, 'blobs', hash.slice(0, 2), hash);
  }

  /** Whether init() created the folder (it was not there before this build). */
  created = false;

  /** Creates the folder with a .gitignore of its own, so it never ends up in version control. */
  async init(): Promise<void> {
    if (this.readOnly) return;
    const ignore = path.join(this.dir, '.gitignore');
    try {
      statSync(ignore);
    } catch {
      this.created = !(await stat(this.dir).then(
        () => true,
        () => false,
      ));
      await writeAtomic(ignore, '# deckc build cache: safe to delete\n*\n');
    }
    // Entries of an older layout are never read again.
    for (const old of await readdir(this.dir).catch(() => []))
      if (/^v\d+$/.test(old) && old !== LAYOUT)
        await rm(path.join(this.dir, old), { recursive: true, force: true });
  }

  /** Deletes the whole cache folder (one this build created and has no use for). */
  async remove(): Promise<void> {
    if (!this.readOnly) await rm(this.dir, { recursive: true, force: true });
  }

  /** A blob's bytes, or null when missing or not matching its hash. */
  async readBlob(hash: string): Promise<Uint8Array | null> {
    const data = await readFile(this.blobPath(hash)).catch(() => null);
    if (!data) return null;
    if (sha256(data) !== hash) {
      // Damaged: removed, so that the next writeBlob stores it whole again.
      await rm(this.blobPath(hash), { force: true });
      return null;
    }
    return data;
  }

  /** Whether a blob is present (not verified: readBlob does that). */
  async hasBlob(hash: string): Promise<boolean> {
    return stat(this.blobPath(hash)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Stores `data` (whose sha256 is `hash`, when known) once; returns its hash. */
  async writeBlob(data: Uint8Array, hash = sha256(data)): Promise<string> {
    // A blob of the right size is kept (readBlob verifies every read, and a damaged blob is a
    // miss, rebuilt and written again).
    if (this.readOnly) return hash;
    const existing = await stat(this.blobPath(hash)).catch(() => null);
    if (existing?.size !== data.length) await writeAtomic(this.blobPath(hash), data);
    return hash;
  }

  /**
   * The compiled file stored under `key`, if its media dependencies still read the same.
   * Null on a miss, a stale dependency, or an entry that is corrupt in any way.
   */
  async getFile(
    key: string,
    readMedia: (path: string) => Uint8Array | null,
  ): Promise<{ compiled: CompiledFile; deps: MediaDep[] } | null> {
    const bytes = await readFile(this.entryPath('files', key)).catch(() => null);
    if (bytes === null) return null;
    let entry: StoredEntry;
    try {
      // Gzipped by putFile; an entry of plain JSON (an older deckc) is read as it is.
      const text = (isGzip(bytes) ? await unzip(bytes) : bytes).toString('utf8');
      entry = JSON.parse(text);
      if (entry?.layout !== LAYOUT || entry.key !== key || !isStoredFile(entry)) return null;
    } catch {
      return null;
    }
    for (const dep of entry.deps) {
      const data = readMedia(dep.path);
      if ((data ? sha256(data) : null) !== dep.hash) return null;
    }
    const media = [];
    for (const m of entry.compiled.media) {
      const data = await this.readBlob(m.blob);
      if (!data) return null;
      media.push({ name: m.name, data: new Uint8Array(data) });
    }
    return { compiled: { ...entry.compiled, media }, deps: entry.deps };
  }

  async putFile(key: string, compiled: CompiledFile, deps: MediaDep[]): Promise<void> {
    if (this.readOnly) return;
    const media = [];
    for (const m of compiled.media)
      media.push({ name: m.name, blob: await this.writeBlob(m.data) });
    const entry: StoredEntry = { layout: LAYOUT, key, deps, compiled: { ...compiled, media } };
    // Blobs first, entry last: an entry never points at a blob that is not there yet.
    await writeAtomic(this.entryPath('files', key), await zip(JSON.stringify(entry), { level: 1 }));
  }

  /** The hash of an emitted output stored under `key` (its bytes are the file deckc wrote). */
  async getOutputHash(key: string): Promise<string | null> {
    const text = await readFile(this.entryPath('out', key), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const entry = JSON.parse(text);
      return entry?.layout === LAYOUT && entry.key === key && typeof entry.blob === 'string'
        ? entry.blob
        : null;
    } catch {
      return null;
    }
  }

  /**
   * Deletes what the last build did not use, once unused entries outnumber used ones (so the
   * cache stays within about twice the library, and switching between two option sets does
   * not thrash it). `used` holds file and output keys and blob hashes. Returns the count removed.
   */
  async prune(used: { keys: ReadonlySet<string>; blobs: ReadonlySet<string> }): Promise<number> {
    if (this.readOnly) return 0;
    const list = async (kind: string) =>
      (
        await readdir(path.join(this.dir, LAYOUT, kind), {
          recursive: true,
          withFileTypes: true,
        }).catch(() => [])
      )
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name));
    const entries = [...(await list('files')), ...(await list('out')), ...(await list('scope'))];
    const stale = entries.filter((f) => !used.keys.has(path.basename(f, '.json')));
    if (stale.length <= entries.length - stale.length) return 0;
    const blobs = (await list('blobs')).filter((f) => !used.blobs.has(path.basename(f)));
    const doomed = [...stale, ...blobs];
    // Entries first: an entry never outlives a blob it needs (a missing blob is a miss anyway).
    for (const file of doomed) await rm(file, { force: true });
    return doomed.length;
  }

  async getScope(key: string): Promise<ScopeRecord | null> {
    const text = await readFile(this.entryPath('scope', key), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const entry = JSON.parse(text);
      if (entry?.layout !== LAYOUT || entry.key !== key) return null;
      return isScopeRecord(entry.record) ? entry.record : null;
    } catch {
      return null;
    }
  }

  async putScope(key: string, record: ScopeRecord): Promise<void> {
    if (this.readOnly) return;
    await writeAtomic(
      this.entryPath('scope', key),
      JSON.stringify({ layout: LAYOUT, key, record }),
    );
  }

  async readIndex(): Promise<CacheIndex> {
    const text = await readFile(path.join(this.dir, LAYOUT, 'index.json'), 'utf8').catch(
      () => null,
    );
    try {
      const entry = text ? JSON.parse(text) : null;
      if (entry?.layout === LAYOUT && Array.isArray(entry.summaries))
        return {
          summaries: new Map(entry.summaries.filter(isSummaryPair)),
          lock: isIndexLock(entry.lock) ? entry.lock : null,
          writes: Number.isInteger(entry.writes) ? entry.writes : 0,
        };
    } catch {
      // A corrupt index is an empty one.
    }
    return { summaries: new Map(), lock: null, writes: 0 };
  }

  async saveIndex(index: CacheIndex): Promise<void> {
    if (this.readOnly) return;
    await writeAtomic(
      path.join(this.dir, LAYOUT, 'index.json'),
      JSON.stringify({ layout: LAYOUT, ...index, summaries: [...index.summaries] }),
    );
  }

  /**
   * What deckc last wrote to each output file (absolute path → blob hash, size, mtime), so that
   * an unchanged output is recognised from its stat without reading it, as git's index does.
   */
  async readWritten(): Promise<Map<string, WrittenOutput>> {
    const valid = ([file, w]: [unknown, Partial<WrittenOutput> | null]) =>
      typeof file === 'string' &&
      typeof w?.blob === 'string' &&
      typeof w.size === 'number' &&
      typeof w.mtimeMs === 'number';
    return new Map((await this.readList<WrittenOutput>('written.json')).filter(valid));
  }

  async saveWritten(written: ReadonlyMap<string, WrittenOutput>): Promise<void> {
    if (this.readOnly) return;
    await writeAtomic(path.join(this.dir, LAYOUT, 'written.json'), JSON.stringify([...written]));
  }

  /** What the last build knew of each input file by its stat, by absolute path. */
  async readSources(): Promise<Map<string, SourceStat>> {
    const valid = ([file, s]: [unknown, Partial<SourceStat> | null]) =>
      typeof file === 'string' &&
      typeof s?.salt === 'string' &&
      typeof s.key === 'string' &&
      [s.size, s.mtimeMs, s.ino, s.read].every((n) => typeof n === 'number');
    return new Map((await this.readList<SourceStat>('sources.json')).filter(valid));
  }

  async saveSources(sources: ReadonlyMap<string, SourceStat>): Promise<void> {
    if (this.readOnly) return;
    await writeAtomic(path.join(this.dir, LAYOUT, 'sources.json'), JSON.stringify([...sources]));
  }

  /** A list of pairs saved by saveSources or saveWritten; empty when missing or unreadable. */
  private async readList<T>(name: string): Promise<[string, T][]> {
    const text = await readFile(path.join(this.dir, LAYOUT, name), 'utf8').catch(() => null);
    try {
      const entries = text ? JSON.parse(text) : [];
      return Array.isArray(entries)
        ? entries.filter((e): e is [string, T] => Array.isArray(e) && e.length === 2)
        : [];
    } catch {
      return [];
    }
  }

  /** Records the hash of an emitted output (not its bytes: see `out/` above). */
  async putOutput(key: string, blob: string): Promise<void> {
    if (this.readOnly) return;
    await writeAtomic(this.entryPath('out', key), JSON.stringify({ layout: LAYOUT, key, blob }));
  }
}

// Shape checks: an entry of the wrong shape (a hand edit, another tool, a damaged disk) is a
// miss, never a crash later in linking. deckc writes every entry itself, so checking what
// linking reads costs a pass over the entry, not a schema. Measured: the same checks as zod
// schemas (validate/'s CompiledFile, Diagnostic, FileSummary) run cold in a build's short
// process; reading what an unchanged rebuild of the real corpus reads (the index, sources,
// written, 7 scope records with ~9,000 diagnostics) took 210–225 ms against 90–115 ms, and the
// rebuild 0.74 s of CPU against 0.66 s (medians of six interleaved runs, machine quiet).

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isStringOrNull = (v: unknown) => v === null || isString(v);

const isDiagnostic = (d: unknown) =>
  isObject(d) &&
  isString(d.file) &&
  isString(d.rule) &&
  isString(d.message) &&
  isString(d.severity) &&
  [d.line, d.column, d.endLine, d.endColumn].every(isInt);

const isDep = (d: unknown) => isObject(d) && isString(d.path) && isStringOrNull(d.hash);

const isCard = (c: unknown) =>
  isObject(c) &&
  isString(c.deck) &&
  Array.isArray(c.tags) &&
  c.tags.every(isString) &&
  isStringOrNull(c.id) &&
  isObject(c.markdown) &&
  isString(c.markdown.question) &&
  isString(c.markdown.answer) &&
  isObject(c.html) &&
  Object.values(c.html).every(isString) &&
  isObject(c.source) &&
  isInt(c.source.line) &&
  isInt(c.source.column) &&
  isObject(c.hashes) &&
  isString(c.hashes.key) &&
  isString(c.hashes.answer) &&
  isString(c.hashes.content);

function isStoredFile(entry: unknown): entry is StoredEntry {
  if (!isObject(entry) || !Array.isArray(entry.deps) || !entry.deps.every(isDep)) return false;
  const compiled = entry.compiled;
  return (
    isObject(compiled) &&
    isString(compiled.path) &&
    Array.isArray(compiled.cards) &&
    compiled.cards.every(isCard) &&
    Array.isArray(compiled.media) &&
    compiled.media.every((m) => isObject(m) && isString(m.name) && isString(m.blob)) &&
    Array.isArray(compiled.diagnostics) &&
    compiled.diagnostics.every(isDiagnostic)
  );
}

function isScopeRecord(r: unknown): r is ScopeRecord {
  return (
    isObject(r) &&
    [r.files, r.cards, r.retired, r.packages].every(isInt) &&
    (r.until === undefined || typeof r.until === 'number') &&
    Array.isArray(r.diagnostics) &&
    r.diagnostics.every(isDiagnostic) &&
    Array.isArray(r.deps) &&
    r.deps.every(isDep) &&
    Array.isArray(r.outputs) &&
    r.outputs.every(
      (o) => isObject(o) && isString(o.base) && isString(o.format) && isString(o.blob),
    )
  );
}

const isSummaryPair = (pair: unknown): pair is [string, FileSummary] =>
  Array.isArray(pair) &&
  pair.length === 2 &&
  isString(pair[0]) &&
  isObject(pair[1]) &&
  isStringOrNull(pair[1].scope) &&
  Array.isArray(pair[1].ids) &&
  pair[1].ids.every((i) => isObject(i) && isString(i.id) && isInt(i.line) && isInt(i.column));

const isIndexLock = (lock: unknown): lock is CacheIndex['lock'] =>
  isObject(lock) &&
  isString(lock.hash) &&
  isString(lock.owners) &&
  isObject(lock.notetype) &&
  isString(lock.notetype.style) &&
  isInt(lock.notetype.mod) &&
  isObject(lock.slices) &&
  Object.values(lock.slices).every(isString);
