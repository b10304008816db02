import path from 'node:path';
import { stagedTarget } from '../io/write.js';

/** File-system failures the user can act on (permissions, a full disk, a name too long). */
const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'a folder, expected a file',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EBUSY: 'busy',
  EXDEV: 'on another file system',
  EFBIG: 'file too large',
};

/** What Node's system calls are called in a message. */
const FS_VERBS: Record<string, string> = {
  open: 'open',
  write: 'write',
  read: 'read',
  close: 'write',
  mkdir: 'create the folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  stat: 'read',
  lstat: 'read',
  scandir: 'read the folder',
  realpath: 'read',
  copyfile: 'copy',
};

/**
 * One line for a file-system error (`cannot open 'dist/A.apkg': permission denied (EACCES)`),
 * naming the file deckc meant rather than its temporary stand-in; undefined for anything else,
 * which is a bug in deckc.
 */
export function describeFsFailure(error: unknown, cwd: string): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const reason = typeof e?.code === 'string' ? FS_REASONS[e.code] : undefined;
  if (!e || !reason) return undefined;
  const shown = (p: string) => {
    const target = stagedTarget(p) ?? p;
    const relative = path.relative(cwd, target);
    return relative && !relative.startsWith('..') ? relative : target;
  };
  const dest = (e as { dest?: unknown }).dest;
  const where =
    typeof e.path === 'string'
      ? ` '${shown(e.path)}'${typeof dest === 'string' && !stagedTarget(e.path) ? ` to '${shown(dest)}'` : ''}`
      : '';
  const verb = FS_VERBS[e.syscall ?? ''] ?? e.syscall ?? 'use';
  return where ? `cannot ${verb}${where}: ${reason} (${e.code})` : `${reason} (${e.code})`;
}
