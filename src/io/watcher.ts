import { type Dirent, type FSWatcher, watch as fsWatch, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from '../identity/lock.js';

/** Whether `file` is a folder (false when it does not exist). */
export function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Watches a folder and its subfolders, one non-recursive watcher each. Node 20's recursive
 * fs.watch on Linux watches every folder below, `.git`, `node_modules` and deckc's own cache
 * (hundreds of folders) included; this skips hidden folders, node_modules and the output
 * folder, and follows folders created or removed while watching.
 */
export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    root: string,
    private readonly outDir: string,
    private readonly recursive: boolean,
    private readonly onChange: () => void,
  ) {
    this.add(root);
  }

  private skip(dir: string): boolean {
    const name = path.basename(dir);
    return (
      name.startsWith('.') ||
      name === 'node_modules' ||
      dir === this.outDir ||
      dir.startsWith(this.outDir + path.sep)
    );
  }

  private add(dir: string): void {
    if (this.watchers.has(dir) || this.skip(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(dir, (event, name) => this.event(dir, event, name ? String(name) : null));
    } catch {
      return;
    }
    watcher.on('error', () => this.remove(dir));
    this.watchers.set(dir, watcher);
    if (!this.recursive) return;
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      // Gone already: its parent's watcher reports it.
    }
    for (const entry of entries) if (entry.isDirectory()) this.add(path.join(dir, entry.name));
  }

  private remove(dir: string): void {
    for (const [watched, watcher] of this.watchers) {
      if (watched === dir || watched.startsWith(dir + path.sep)) {
        watcher.close();
        this.watchers.delete(watched);
      }
    }
  }

  private event(dir: string, event: string, name: string | null): void {
    if (name === null) {
      this.onChange();
      return;
    }
    const full = path.join(dir, name);
    if (this.skip(full) || name === LOCK_FILE || name.endsWith('.tmp')) return;
    if (event === 'rename' && this.recursive) {
      let isDir = false;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        this.remove(full);
      }
      if (isDir) this.add(full);
    }
    this.onChange();
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
