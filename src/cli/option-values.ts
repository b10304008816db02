/** The values of the options yargs hands over as text, checked: a bad one is a UsageError. */
import { availableParallelism } from 'node:os';
import { FORMATS, type Format } from '../emit/formats.js';
import { UsageError } from './exit.js';

/** yargs gives an array for a repeated option: the last one wins, as in most tools. */
export const last = (value: unknown): unknown => (Array.isArray(value) ? value.at(-1) : value);

/** A string option's value; `what` says what it should have been when it is empty. */
export function text(
  args: Record<string, unknown>,
  name: string,
  what: string,
): string | undefined {
  const value = last(args[name]);
  if (value === undefined) return undefined;
  if (value === '' || value === true)
    throw new UsageError(`Unexpected empty --${name}, expected ${what}`);
  return String(value);
}

/** A whole-number option ≥ `min`, undefined when not given. */
export function count(
  args: Record<string, unknown>,
  name: string,
  min: number,
): number | undefined {
  const value = last(args[name]);
  if (value === undefined) return undefined;
  const expected = `expected a whole number ≥ ${min}`;
  if (value === '' || value === true)
    throw new UsageError(`Unexpected empty --${name}, ${expected}`);
  const n = Number(value);
  if (!/^-?\d+$/.test(String(value).trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`Unexpected --${name} ${String(value)}, ${expected}`);
  return n;
}

/**
 * The most worker threads deckc starts: 64, or twice the cores on a larger machine. More would
 * gain nothing and each costs tens of MB (`--jobs 100000` took 10 GB).
 */
export const maxJobs = () => Math.max(64, 2 * availableParallelism());

/**
 * --jobs: a whole number ≥ 1 (else exit 2, like any bad number); one above maxJobs() is lowered
 * to it, with a warning, as `make -j` users expect a big number to mean "as many as useful".
 */
export function jobsOption(args: Record<string, unknown>, warn: (line: string) => void) {
  const value = last(args.jobs);
  const max = maxJobs();
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value) && Number(value) > max) {
    warn(`deckc: warning: --jobs ${value.trim()} is more than deckc uses; using ${max}\n`);
    return max;
  }
  return count(args, 'jobs', 1);
}

export const parseFormats = (value: unknown): Format[] => {
  const list = (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (!list.length)
    throw new UsageError(`Unexpected empty --format, expected some of ${FORMATS.join(', ')}`);
  for (const f of list) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`Unknown format '${f}', expected one of ${FORMATS.join(', ')}`);
  }
  return [...new Set(list)] as Format[];
};
