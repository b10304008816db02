/**
 * A module of this tree by a path esbuild does not follow (the bundle loads it at run time),
 * relative to src/cli/, lib/cli/ and the bundle in lib/cli/ alike.
 */
export const runtime = (relative: string) => new URL(relative, import.meta.url).href;
