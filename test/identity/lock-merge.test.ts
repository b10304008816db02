/**
 * resolveLockConflicts. One folder per behaviour under test/fixtures/lock: deckc.lock.json, the
 * conflicted file exactly as `git merge` leaves it, beside expected.json (the merged lock, or
 * null, and the diagnostics). Each folder is made by a scenario below — a base lock, the two
 * branches' locks, committed in a throwaway repository and merged by git — and a test makes them
 * again and checks that git still leaves the same bytes. `UPDATE=1 npx vitest run
 * test/identity/lock-merge.test.ts` rewrites the folders; read them before committing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Lock, type LockEntry, serializeLock } from '../../src/identity/lock.js';
import { resolveLockConflicts } from '../../src/identity/lock-merge.js';

const root = join(import.meta.dirname, '../fixtures/lock');
const update = process.env.UPDATE === '1';

const P1 = 'Prj1aaaaaaaaaaaaaaaaaa';
const P2 = 'Prj2bbbbbbbbbbbbbbbbbb';
const STYLE = { mod: 100, style: 'style-1' };

/** A lock entry of deck Book::Part 01 whose hashes are named after its question. */
function entry(q: string, mod = 100, extra: Partial<LockEntry> = {}): LockEntry {
  return {
    added: 100_000,
    deck: 'Book::Part 01',
    key: `key-${q}`,
    answer: `answer-${q}`,
    content: `content-${q}`,
    mod,
    at: 'book/p1.md',
    q,
    ...extra,
  };
}

const lock = (notes: Record<string, LockEntry>, head: Partial<Lock> = {}): string =>
  serializeLock({ project: P1, notetype: STYLE, ...head, notes } as Parameters<
    typeof serializeLock
  >[0]);

/** A lock as deckc wrote it before project ids: version 1, no project, `at` with a line. */
function v1Lock(notes: Record<string, LockEntry>): string {
  const v1: Record<string, LockEntry> = {};
  for (const [guid, { added: _, ...rest }] of Object.entries(notes))
    v1[guid] = { ...rest, at: `${rest.at}:3` };
  return lock(v1)
    .replace('"lockfileVersion": 2', '"lockfileVersion": 1')
    .replace(/\n {2}"project": .*/, '');
}

const base = { G1aaaaaaaaa: entry('one'), G5aaaaaaaaa: entry('five') };

interface Scenario {
  /** Its fixture folder. */
  name: string;
  base: string;
  ours: string;
  theirs: string;
  /** `git merge` with merge.conflictStyle=diff3. */
  diff3?: boolean;
}

const crlf = (text: string) => text.replaceAll('\n', '\r\n');

const scenarios: Scenario[] = [
  {
    // Both branches add notes at the same place, and at the end (where the comma moves).
    name: 'clean-merge',
    base: lock(base),
    ours: lock({ ...base, G3aaaaaaaaa: entry('three'), G7aaaaaaaaa: entry('seven') }),
    theirs: lock({ ...base, G4aaaaaaaaa: entry('four'), G8aaaaaaaaa: entry('eight') }),
  },
  {
    name: 'diff3',
    base: lock(base),
    ours: lock({ ...base, G3aaaaaaaaa: entry('three'), G7aaaaaaaaa: entry('seven') }),
    theirs: lock({ ...base, G4aaaaaaaaa: entry('four'), G8aaaaaaaaa: entry('eight') }),
    diff3: true,
  },
  {
    name: 'crlf',
    base: crlf(lock(base)),
    ours: crlf(lock({ ...base, G3aaaaaaaaa: entry('three') })),
    theirs: crlf(lock({ ...base, G4aaaaaaaaa: entry('four') })),
  },
  {
    // G1 edited on both sides: theirs is newer; G5 edited on both: ours is newer.
    name: 'edited-on-both-newer-wins',
    base: lock(base),
    ours: lock({
      G1aaaaaaaaa: entry('one', 200, { content: 'ours' }),
      G5aaaaaaaaa: entry('five', 400, { content: 'ours' }),
    }),
    theirs: lock({
      G1aaaaaaaaa: entry('one', 300, { content: 'theirs' }),
      G5aaaaaaaaa: entry('five', 350, { content: 'theirs' }),
    }),
  },
  {
    name: 'edited-on-both-same-mod',
    base: lock(base),
    ours: lock({ ...base, G1aaaaaaaaa: entry('one', 200, { content: 'ours' }) }),
    theirs: lock({ ...base, G1aaaaaaaaa: entry('one', 200, { content: 'theirs' }) }),
  },
  {
    // Ours removed card one (retired) after theirs edited it; theirs edited five after ours
    // retired it. Each time the greater mod wins.
    name: 'retired-vs-live',
    base: lock(base),
    ours: lock({
      G1aaaaaaaaa: entry('one', 300, { retired: 300 }),
      G5aaaaaaaaa: entry('five', 200, { retired: 200 }),
    }),
    theirs: lock({
      G1aaaaaaaaa: entry('one', 250, { content: 'theirs' }),
      G5aaaaaaaaa: entry('five', 250, { content: 'theirs' }),
    }),
  },
  {
    // Both branches made their first version 2 lock from a version 1 one: two project ids.
    name: 'different-projects',
    base: v1Lock(base),
    ours: lock(base, { project: P1 }),
    theirs: lock(base, { project: P2 }),
  },
  {
    // A branch still on version 1 adds a note; the other moved to version 2 (project id,
    // `added`, `at` without its line) and added one too.
    name: 'v1-side',
    base: v1Lock(base),
    ours: v1Lock({ ...base, G3aaaaaaaaa: entry('three') }),
    theirs: lock({ ...base, G4aaaaaaaaa: entry('four', 100, { added: 200_000 }) }),
  },
  {
    // The conflict is in the header only: the note type's styling changed on both sides.
    name: 'notetype',
    base: lock(base),
    ours: lock(base, { notetype: { mod: 200, style: 'style-ours' } }),
    theirs: lock(base, { notetype: { mod: 300, style: 'style-theirs' } }),
  },
  {
    name: 'notetype-same-mod',
    base: lock(base),
    ours: lock(base, { notetype: { mod: 200, style: 'style-ours' } }),
    theirs: lock(base, { notetype: { mod: 200, style: 'style-theirs' } }),
  },
  {
    // Ours followed card one's edited question to key-new; theirs added a card with that
    // question: two GUIDs for one card.
    name: 'card-claimed-twice',
    base: lock(base),
    ours: lock({ ...base, G1aaaaaaaaa: entry('one', 200, { key: 'key-new', q: 'new' }) }),
    theirs: lock({ ...base, G2aaaaaaaaa: entry('new', 200) }),
  },
  {
    // Ours committed a lock mangled by an editor: the hunk holds no lock lines.
    name: 'unreadable-hunk',
    base: lock(base),
    ours: lock({ ...base, G3aaaaaaaaa: entry('three') }).replace(
      /\n {4}"G3.*/,
      '\n    this is not json\n    nor is this,',
    ),
    theirs: lock({ ...base, G4aaaaaaaaa: entry('four') }),
  },
];

const scratch = mkdtempSync(join(tmpdir(), 'deckc-lock-merge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The lock file `git merge` leaves when `theirs` is merged into `ours`, both made from `base`. */
function gitConflict(scenario: Scenario): string {
  const repo = join(scratch, scenario.name);
  mkdirSync(repo);
  // Fixed names and dates: the same commits, so the same diff3 base label, on every run.
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'deckc',
    GIT_AUTHOR_EMAIL: 'deckc@example.com',
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_NAME: 'deckc',
    GIT_COMMITTER_EMAIL: 'deckc@example.com',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, stdio: 'pipe' });
  const commit = (text: string, message: string) => {
    writeFileSync(join(repo, 'deckc.lock.json'), text);
    git('add', 'deckc.lock.json');
    git('commit', '-q', '-m', message);
  };
  git('init', '-q', '-b', 'main');
  git('config', 'core.autocrlf', 'false');
  commit(scenario.base, 'base');
  git('checkout', '-q', '-b', 'theirs');
  commit(scenario.theirs, 'theirs');
  git('checkout', '-q', 'main');
  commit(scenario.ours, 'ours');
  const style = scenario.diff3 ? 'diff3' : 'merge';
  const merge = spawnSync('git', ['-c', `merge.conflictStyle=${style}`, 'merge', 'theirs'], {
    cwd: repo,
    env,
  });
  expect(merge.status, 'git merge should stop on a conflict').toBe(1);
  return readFileSync(join(repo, 'deckc.lock.json'), 'utf8');
}

const expectedOf = (text: string) => `${JSON.stringify(resolveLockConflicts(text), null, 2)}\n`;

describe('lock conflicts made by git', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: git leaves the fixture's bytes`, () => {
      const text = gitConflict(scenario);
      const dir = join(root, scenario.name);
      if (update) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'deckc.lock.json'), text);
        writeFileSync(join(dir, 'expected.json'), expectedOf(text));
      }
      expect(text).toBe(readFileSync(join(dir, 'deckc.lock.json'), 'utf8'));
    });
  }

  it('merges both sides of a real conflict into the lock either side would agree on', () => {
    const text = gitConflict({
      name: 'end-to-end',
      base: lock(base),
      ours: lock({ ...base, G3aaaaaaaaa: entry('three'), G1aaaaaaaaa: entry('one', 200) }),
      theirs: lock({ ...base, G4aaaaaaaaa: entry('four'), G5aaaaaaaaa: entry('five', 300) }),
    });
    expect(text).toContain('<<<<<<< HEAD\n');
    const result = resolveLockConflicts(text)!;
    expect(result.lock).toEqual({
      lockfileVersion: 2,
      project: P1,
      notetype: STYLE,
      notes: {
        G1aaaaaaaaa: entry('one', 200),
        G3aaaaaaaaa: entry('three'),
        G4aaaaaaaaa: entry('four'),
        G5aaaaaaaaa: entry('five', 300),
      },
    });
    expect(result.diagnostics.map((d) => d.severity)).toEqual(['info']);
    // What deckc writes back has no markers, and reads back as the same lock.
    const written = serializeLock({ ...result.lock!, project: P1 });
    expect(resolveLockConflicts(written)).toBeNull();
    expect(JSON.parse(written)).toEqual(result.lock);
  });
});

describe('lock conflict fixtures', () => {
  it('has a folder for every scenario, and no other', () => {
    const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).sort()).toEqual(scenarios.map((s) => s.name).sort());
  });

  for (const { name } of scenarios) {
    it(name, () => {
      const text = readFileSync(join(root, name, 'deckc.lock.json'), 'utf8');
      expect(expectedOf(text)).toBe(readFileSync(join(root, name, 'expected.json'), 'utf8'));
    });
  }
});

describe('resolveLockConflicts', () => {
  it('is null for a lock without conflict markers', () => {
    expect(resolveLockConflicts(lock(base))).toBeNull();
    expect(resolveLockConflicts('')).toBeNull();
    // Longer runs are not markers (git's nested ones are 9 characters).
    expect(resolveLockConflicts(`${lock(base)}=========\n`)).toBeNull();
  });

  it('reports misplaced and unterminated markers at their lines, and returns no lock', () => {
    const lines = lock(base).split('\n');
    const stray = [...lines.slice(0, 3), '=======', ...lines.slice(3)].join('\n');
    expect(resolveLockConflicts(stray)).toMatchObject({
      lock: null,
      diagnostics: [
        {
          line: 4,
          severity: 'error',
          rule: 'lock-conflict',
          message: expect.stringMatching(/^Unexpected '=======' outside a conflict, expected/),
        },
      ],
    });
    const open = [...lines.slice(0, 3), '<<<<<<< HEAD', ...lines.slice(3)].join('\n');
    expect(resolveLockConflicts(open)!.diagnostics).toMatchObject([
      {
        line: 4,
        message: expect.stringMatching(/^Unexpected end of the lock file in the conflict/),
      },
    ]);
  });

  it('ignores a diff3 base section even when it holds nested markers of a virtual base', () => {
    const lines = lock(base).split('\n');
    const text = [
      ...lines.slice(0, 4),
      '<<<<<<< HEAD',
      `    "G2aaaaaaaaa": ${JSON.stringify(entry('two'))},`,
      '||||||| merged common ancestors',
      '<<<<<<<<< Temporary merge branch 1',
      'anything',
      '=========',
      'at all',
      '>>>>>>>>> Temporary merge branch 2',
      '=======',
      `    "G3aaaaaaaaa": ${JSON.stringify(entry('three'))},`,
      '>>>>>>> theirs',
      ...lines.slice(4),
    ].join('\n');
    const result = resolveLockConflicts(text)!;
    expect(result.diagnostics.map((d) => d.severity)).toEqual(['info']);
    expect(Object.keys(result.lock!.notes)).toEqual([
      'G1aaaaaaaaa',
      'G2aaaaaaaaa',
      'G3aaaaaaaaa',
      'G5aaaaaaaaa',
    ]);
  });

  it('keeps a conflict between two version 1 locks at version 1, without a project id', () => {
    const text = conflict(
      v1Lock({ ...base, G3aaaaaaaaa: entry('three') }),
      v1Lock({ ...base, G4aaaaaaaaa: entry('four') }),
    );
    const { lock: merged } = resolveLockConflicts(text)!;
    expect(merged).toMatchObject({ lockfileVersion: 1, notetype: STYLE });
    expect(merged).not.toHaveProperty('project');
    expect(Object.keys(merged!.notes)).toHaveLength(4);
  });

  it('reports an entry that fails the schema at its line', () => {
    const text = [
      ...lock(base).split('\n').slice(0, 4),
      '<<<<<<< HEAD',
      '    "G2aaaaaaaaa": {"deck":"Book","mod":"soon"},',
      '=======',
      '>>>>>>> theirs',
      ...lock(base).split('\n').slice(4),
    ].join('\n');
    expect(resolveLockConflicts(text)).toMatchObject({
      lock: null,
      diagnostics: [
        { line: 6, message: expect.stringMatching(/^Unexpected entry for note 'G2aaaaaaaaa' \(/) },
      ],
    });
  });

  it('reports two notes with one explicit id that only the merge brought together', () => {
    const text = [
      ...lock({}).split('\n').slice(0, 4),
      '  "notes": {',
      '<<<<<<< HEAD',
      `    "G1aaaaaaaaa": ${JSON.stringify(entry('one', 100, { id: 'x' }))}`,
      '=======',
      `    "G2aaaaaaaaa": ${JSON.stringify(entry('two', 100, { id: 'x' }))}`,
      '>>>>>>> theirs',
      '  }',
      '}',
    ].join('\n');
    expect(resolveLockConflicts(text)).toMatchObject({
      lock: null,
      diagnostics: [
        {
          line: 7,
          message: expect.stringContaining("for one card (explicit id '{#x}')"),
          related: { line: 9 },
        },
      ],
    });
  });

  it('lets be a pair that one side already held, and a pair of retired notes', () => {
    const pair = {
      G1aaaaaaaaa: entry('one', 100, { key: 'same' }),
      G2aaaaaaaaa: entry('two', 100, { key: 'same' }),
    };
    const dead = {
      G3aaaaaaaaa: entry('three', 100, { key: 'gone', retired: 100 }),
      G4aaaaaaaaa: entry('four', 100, { key: 'gone', retired: 100 }),
    };
    const text = conflict(
      lock({ ...pair, G3aaaaaaaaa: dead.G3aaaaaaaaa }),
      lock({ ...pair, ...dead }),
    );
    expect(resolveLockConflicts(text)!.lock).not.toBeNull();
  });
});

/**
 * A conflict as git shapes it, without git: the lines both texts start and end with are shared,
 * the rest is one hunk.
 */
function conflict(ours: string, theirs: string): string {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (
    end < a.length - start &&
    end < b.length - start &&
    a[a.length - 1 - end] === b[b.length - 1 - end]
  )
    end++;
  return [
    ...a.slice(0, start),
    '<<<<<<< ours',
    ...a.slice(start, a.length - end),
    '=======',
    ...b.slice(start, b.length - end),
    '>>>>>>> theirs',
    ...a.slice(a.length - end),
  ].join('\n');
}

describe('resolveLockConflicts, properties', () => {
  const guids = ['G1aaaaaaaaa', 'G2aaaaaaaaa', 'G3aaaaaaaaa', 'G4aaaaaaaaa', 'G5aaaaaaaaa'];
  const anEntry = (guid: string, uniqueKeys: boolean) =>
    fc
      .record({
        mod: fc.integer({ min: 100, max: 104 }),
        content: fc.constantFrom('c1', 'c2'),
        key: uniqueKeys ? fc.constant(`key-${guid}`) : fc.constantFrom('k1', 'k2', 'k3'),
        retired: fc.option(fc.constant(100), { nil: undefined }),
      })
      .map(({ retired, ...rest }) =>
        entry(guid, rest.mod, { ...rest, ...(retired === undefined ? {} : { retired }) }),
      );
  const aLock = (uniqueKeys: boolean) =>
    fc
      .record({
        notes: fc
          .subarray(guids)
          .chain((some) =>
            fc.tuple(...some.map((g) => anEntry(g, uniqueKeys).map((e) => [g, e] as const))),
          )
          .map((pairs) => Object.fromEntries(pairs)),
        notetype: fc.record({
          mod: fc.integer({ min: 100, max: 102 }),
          style: fc.constantFrom('s1', 's2'),
        }),
      })
      .map(({ notes, notetype }) => lock(notes, { notetype }));

  it('merging A and B gives the same lock as merging B and A', () => {
    fc.assert(
      fc.property(aLock(false), aLock(false), (a, b) => {
        fc.pre(a !== b);
        const ab = resolveLockConflicts(conflict(a, b))!;
        const ba = resolveLockConflicts(conflict(b, a))!;
        expect(ab.lock).toEqual(ba.lock);
        expect(ab.lock === null).toBe(ba.lock === null);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every GUID of either side with the greater mod when the merge is unambiguous', () => {
    fc.assert(
      fc.property(aLock(true), aLock(true), (a, b) => {
        fc.pre(a !== b);
        const result = resolveLockConflicts(conflict(a, b))!;
        const [na, nb] = [JSON.parse(a).notes, JSON.parse(b).notes] as Record<string, LockEntry>[];
        const tie = Object.keys(na!).some(
          (g) =>
            nb![g] &&
            nb![g]!.mod === na![g]!.mod &&
            JSON.stringify(nb![g]) !== JSON.stringify(na![g]),
        );
        const [ta, tb] = [JSON.parse(a).notetype, JSON.parse(b).notetype];
        const styleTie = ta.mod === tb.mod && ta.style !== tb.style;
        expect(result.lock === null).toBe(tie || styleTie);
        if (result.lock === null) return;
        expect(Object.keys(result.lock.notes)).toEqual(
          [...new Set([...Object.keys(na!), ...Object.keys(nb!)])].sort(),
        );
        for (const [guid, merged] of Object.entries(result.lock.notes))
          expect(merged.mod).toBe(Math.max(na![guid]?.mod ?? 0, nb![guid]?.mod ?? 0));
      }),
      { numRuns: 300 },
    );
  });
});
