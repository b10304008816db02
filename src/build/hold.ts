/**
 * Scopes held back: one bad file never withholds the library. A scope holding a file the
 * compiler crashed on (by the file's last known scope, or by the lock's entries at it) is not
 * linked: linking without that file's cards would retire its notes. Its package is left as it
 * is on disk, its slice of the lock is kept as it was (neither retired nor updated), and every
 * other scope is built and written. The crash itself is an `internal-error` at the file.
 */
import type { RootContext } from './context.js';
import type { ScopePlan } from './plan-scopes.js';

/** Held scopes, each with the files it is held for (paths relative to the root). */
export type Held = Map<string, string[]>;

export function heldScopes(root: RootContext, plan: ScopePlan): Held {
  const held: Held = new Map();
  const crashed: string[] = [];
  const hold = (scope: string, file: string) => {
    const files = held.get(scope);
    if (!files) held.set(scope, [file]);
    else if (!files.includes(file)) files.push(file);
  };
  for (const [i, state] of root.states.entries()) {
    if (!state.outcome?.crashed) continue;
    crashed.push(state.file.path);
    const scope = plan.scopes[i];
    if (scope) hold(scope, state.file.path);
  }
  if (crashed.length === 0) return held;
  // The lock knows where a file's notes went, whatever the file says today.
  const at = (where: string) =>
    crashed.find(
      (file) => where === file || where.startsWith(`${file}:`) || where.startsWith(`${file}#`),
    );
  for (const scope of plan.byScope.keys())
    for (const entry of Object.values(plan.slices.sliceOf(scope))) {
      const file = at(entry.at);
      if (file !== undefined) hold(scope, file);
    }
  return held;
}

/** Reports the held scopes' files and counts their cards; says what was not written. */
export function reportHeld(root: RootContext, plan: ScopePlan, held: Held): void {
  for (const [scope, files] of held) {
    for (const i of plan.byScope.get(scope) ?? []) {
      const outcome = root.states[i]!.outcome;
      if (!outcome) continue;
      root.report(outcome.diagnostics);
      root.report(plan.idDiagnostics.get(root.files[i]!.path) ?? []);
      root.run.result.cards += outcome.cards;
    }
    root.withhold(
      `deck '${scope}' (deckc crashed on ${files.map((f) => root.shown(f)).join(', ')}; its package and its notes in the lock were left as they were)`,
    );
  }
}
