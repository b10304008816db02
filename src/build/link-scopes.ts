/**
 * Phase "link": the scopes not reused are linked (in scope order, on this thread) against their
 * slices of the lock, and packed: one package per scope, or all of them in one bundle.
 */
import { serializeEntries } from '../identity/lock.js';
import { linkScope, packScopes, type ScopeLink, ships } from '../link/link.js';
import type { CompiledFile, LinkedPackage } from '../validate/schema.js';
import { obtained } from './compile-files.js';
import type { RootContext } from './context.js';
import { sliceHash as hashSlice } from './keys.js';
import type { ScopePlan } from './plan-scopes.js';
import type { Reuse } from './reuse.js';

/**
 * Notes from which a lone package's .apkg is worth a worker of its own: measured on the real
 * corpus's 7,000-note deck, ~0.3 s of a 3 s rebuild saved; at 1,350 notes it cost 0.1 s more.
 */
const HELPER_NOTES = 3000;

export interface LinkedScope {
  scope: string;
  files: CompiledFile[];
  link: ScopeLink;
  /** The hash of its next slice of the lock. */
  hash: string;
  /** Its slice is the one it had. */
  same: boolean;
}

export interface Linked {
  links: LinkedScope[];
  packages: { pkg: LinkedPackage; scopes: string[] }[];
  /** The packages with notes (live or retired): those that have outputs. */
  emitting: { pkg: LinkedPackage; scopes: string[] }[];
}

/**
 * The scopes to link: those not reused. A lone large package (its slice of the lock tells) has
 * its .apkg written by a worker that boots now, while this thread links.
 */
export function scopesToLink(root: RootContext, plan: ScopePlan, reuse: Reuse): string[] {
  const { run, options } = root;
  const linking = [...plan.byScope.keys()].filter((scope) => !reuse.reused.has(scope));
  const lines = linking.length === 1 && run.jobs > 1 && options.write ? plan.slices.lines() : null;
  if (lines && !options.pool && lines.scopes.filter((s) => s === linking[0]).length >= HELPER_NOTES)
    void run.workers.helper();
  return linking;
}

/** Links `linking` (their files compiled by now) and packs them. */
export function linkScopes(root: RootContext, plan: ScopePlan, linking: string[]): Linked {
  const { options, run } = root;
  run.result.linked.push(...linking);
  if (linking.length > 0) options.onPhase?.({ name: 'linking', scopes: linking.length });
  const links = linking.map((scope) => {
    const files = plan.byScope.get(scope)!.map((i) => root.states[i]!.compiled!);
    const slice = plan.slices.sliceOf(scope);
    const link = linkScope(scope, files, slice, plan.resolveContext, plan.claims.diagnostics);
    const hash = hashSlice(serializeEntries(link.entries));
    return { scope, files, link, hash, same: hash === plan.slices.sliceHash(scope) };
  });
  const packages = packScopes(links, plan.claims.diagnostics, options.bundle, obtained(root));
  const emitting = packages.filter(({ pkg }) => ships(pkg));
  return { links, packages, emitting };
}
