/**
 * A build's outputs: which formats of a package the cache holds already, and emitting the others
 * (on workers when given them), staged as temporary files that the build renames into place.
 */
import { packageFileName } from '../decks/name.js';
import type { Format } from '../emit/formats.js';
import type { Lock } from '../identity/lock.js';
import type { BuildCache } from '../io/cache.js';
import type { Pool } from '../io/pool.js';
import type { LinkedPackage } from '../validate/schema.js';
import { outputKey } from './keys.js';

/** An output to put in place: a staged temporary file, or a cached blob. */
export interface Output {
  base: string;
  format: Format;
  blob: string;
  temp: string | null;
}

/**
 * One file of a package: a format of it, or (`retired`) the retirements package beside its
 * .apkg, `<base>.retired.apkg`, holding the notes the lock remembers as retired.
 */
export interface PlannedOutput {
  format: Format;
  retired: boolean;
  key: string;
  /** The blob hash of the output, when the cache has it. */
  found: string | null;
}

export interface OutputPlan {
  pkg: LinkedPackage;
  outputs: PlannedOutput[];
}

/** The file base name of a package's retirements (`<base>.retired.apkg`). */
export const retiredBase = (base: string) => `${base}.retired`;

/** Whether a package has retirements to ship: retired notes, and an .apkg to ship them beside. */
export const shipsRetired = (pkg: LinkedPackage, formats: readonly Format[]) =>
  pkg.retired.length > 0 && formats.includes('apkg');

/**
 * Which outputs of a package need emitting: an output is found when the cache knows its hash
 * (by `base`, the package's key) and the file deckc wrote is still that output on disk
 * (`onDisk`, given the output's file name and hash): the cache keeps no second copy of it.
 */
export async function planOutputs(
  pkg: LinkedPackage,
  formats: readonly Format[],
  cache: BuildCache | null,
  base: string,
  onDisk: (file: string, hash: string) => Promise<boolean>,
): Promise<OutputPlan> {
  const wanted = formats.map((format) => ({ format, retired: false }));
  if (shipsRetired(pkg, formats)) wanted.push({ format: 'apkg', retired: true });
  const name = packageFileName(pkg.name);
  const outputs = await Promise.all(
    wanted.map(async ({ format, retired }) => {
      const key = outputKey(base, format, retired);
      const hash = cache ? await cache.getOutputHash(key) : null;
      const file = `${retired ? retiredBase(name) : name}.${format}`;
      const found = hash && (await onDisk(file, hash)) ? hash : null;
      return { format, retired, key, found };
    }),
  );
  return { pkg, outputs };
}

/**
 * A package's outputs, each as its blob hash plus, when emitted now (on a worker when several
 * packages need it), the temporary file it was staged in; emitted outputs go to the cache too.
 */
export async function emitPlanned(
  plan: OutputPlan,
  notetype: Lock['notetype'],
  cache: BuildCache | null,
  pool: (formats: readonly Format[]) => Promise<Pool>,
  stage: (base: string, format: Format, bytes: Uint8Array) => Promise<string>,
): Promise<Output[]> {
  const base = packageFileName(plan.pkg.name);
  const missing = plan.outputs.filter((o) => o.found === null);
  // The .apkg (the slowest) and the other formats are two tasks: the .apkg on a worker when
  // `pool` gives one, the others where `pool` says (this thread, when it has workers: sending
  // them the cards would cost this thread about as much as writing the formats itself). The
  // retirements are a third, an .apkg of the retired notes alone.
  const groups = [
    missing.filter((o) => o.format === 'apkg' && !o.retired),
    missing.filter((o) => o.format !== 'apkg'),
    missing.filter((o) => o.retired),
  ].filter((g) => g.length > 0);
  const emitted = new Map<PlannedOutput, Output>();
  await Promise.all(
    groups.map(async (group) => {
      const formats = group.map((o) => o.format);
      const retired = group[0]!.retired;
      const apkgOnly = formats.length === 1 && formats[0] === 'apkg';
      // An .apkg needs only the notes and media: the task does not carry the rest across.
      const pkg = retired
        ? {
            ...plan.pkg,
            notes: plan.pkg.retired,
            retired: [],
            media: [],
            cards: [],
            diagnostics: [],
          }
        : apkgOnly
          ? { ...plan.pkg, retired: [], cards: [], diagnostics: [] }
          : plan.pkg;
      const task = await (await pool(formats)).run({ kind: 'emit', pkg, formats, notetype });
      if (task.kind !== 'emit') throw new Error('unexpected task result');
      for (const [format, bytes, blob] of task.outputs) {
        const planned = group.find((o) => o.format === format)!;
        const name = retired ? retiredBase(base) : base;
        const temp = await stage(name, format, bytes);
        emitted.set(planned, { base: name, format, blob, temp });
        await cache?.putOutput(planned.key, blob).catch(() => undefined);
      }
    }),
  );
  return plan.outputs.map(
    (o) =>
      emitted.get(o) ?? {
        base: o.retired ? retiredBase(base) : base,
        format: o.format,
        blob: o.found!,
        temp: null,
      },
  );
}
