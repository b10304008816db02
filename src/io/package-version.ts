import { readFileSync } from 'node:fs';

/**
 * The version of the package this file belongs to: package.json two levels up, from src/io/,
 * lib/io/ and the command line's bundle in lib/cli/ alike.
 */
export function packageVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
