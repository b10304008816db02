import type { Lock } from '../../src/identity/lock.js';
import { compileFile, linkProject } from '../../src/index.js';

export const PROJECT = 'fix-tests-project';

/**
 * The cards of some sources as Anki receives them, compiled and linked by the public library
 * (`previous` as the lock a build left, linked a minute later): GUID, id, deck, tags, the
 * Markdown and the HTML of every field.
 */
export function linkedCards(files: { path: string; text: string }[], previous: Lock | null = null) {
  const compiled = files.map((f) =>
    compileFile(f.text, f.path, () => null, { rootDeck: 'Default', tags: ['t'] }),
  );
  const now = previous ? 1_764_000_060 : 1_764_000_000;
  const linked = linkProject(compiled, previous, { now, project: PROJECT });
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
      html,
    })),
  );
  return { cards, lock: linked.lock };
}
