import type { Lock } from '../../src/identity/lock.js';
import { compileFile, linkProject } from '../../src/index.js';

export const PROJECT = 'fix-tests-project';

/**
 * The cards of some sources as Anki receives them, compiled and linked by the public library
 * (`previous` as the lock a build left): GUID, id, deck, tags and the Markdown of every field.
 * The `Source` field and the card's line are left out: a fix that splits a line moves the cards
 * below it, which is all `Source` shows.
 */
export function linkedCards(files: { path: string; text: string }[], previous: Lock | null = null) {
  const compiled = files.map((f) =>
    compileFile(f.text, f.path, () => null, { rootDeck: 'Default', tags: ['t'] }),
  );
  const linked = linkProject(compiled, previous, { now: 1_764_000_000, project: PROJECT });
  const cards = linked.packages.flatMap((p) =>
    p.cards.map(({ guid, id, deck, tags, title, context, question, answer, html }) => ({
      guid,
      id,
      deck,
      tags,
      title,
      context,
      question,
      answer,
      html: { ...html, Source: undefined },
    })),
  );
  return { cards, lock: linked.lock };
}

/** The lock's entries without what a moved line changes (content hash and mod, see above). */
export function identities(lock: Lock) {
  return Object.fromEntries(
    Object.entries(lock.notes).map(([guid, { content: _c, mod: _m, ...rest }]) => [guid, rest]),
  );
}
