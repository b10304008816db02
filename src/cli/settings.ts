/**
 * The options build and check share, merged: flags win over the config file, which wins over
 * the defaults; and --print-config, which shows them with where each came from.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Format } from '../emit/formats.js';
import { loadConfig } from '../io/config-file.js';
import { DEFAULT_LIMITS, type InputLimits } from '../io/input.js';
import { defaultJobs } from '../io/pool.js';
import type { Diagnostic } from '../validate/schema.js';
import type { BuildOptions } from './build.js';
import type { CliIo } from './context.js';
import { UsageError } from './exit.js';
import { count, jobsOption, last, parseFormats, text } from './option-values.js';

/** The preview page (html) is opt-in: `--format apkg,csv,json,html`. */
export const DEFAULTS = {
  input: ['input'],
  out: 'dist',
  formats: ['apkg', 'csv', 'json'] as Format[],
  rootDeck: 'Default',
};

/** Where a setting came from, for --print-config. */
type Origin = string;

export interface Settings {
  options: Omit<BuildOptions, 'write' | 'signal' | 'onFile' | 'now' | 'clock'> & {
    limits: InputLimits;
  };
  strict: boolean;
  maxWarnings: number | undefined;
  from: Record<string, Origin>;
  /** The config file, relative to the working folder; null when there is none. */
  file: string | null;
}

/** The settings, or the config file's diagnostics when it is not valid. */
export async function settle(
  args: Record<string, unknown>,
  io: CliIo,
): Promise<Settings | Diagnostic[]> {
  const loaded = await loadConfig(io.cwd, text(args, 'config', 'a config file'));
  if (loaded.diagnostics.length) return loaded.diagnostics;
  const config: Config = loaded.config;
  const dir = loaded.dir ?? io.cwd;
  const file = loaded.file ?? 'default';
  const from: Record<string, Origin> = {};
  /** `key` as in the config file; `flag` names the command-line option when it differs. */
  const pick = <T>(
    key: string,
    given: T | undefined,
    inConfig: T | undefined,
    fallback: T,
    flag = key,
  ) => {
    from[key] = given !== undefined ? `--${flag}` : inConfig !== undefined ? file : 'default';
    return given ?? inConfig ?? fallback;
  };
  // The config's paths are relative to its own folder, the build's to the working folder.
  const rebase = (p: string) => path.relative(io.cwd, path.resolve(dir, p)) || '.';
  const given = (args.paths as string[]).filter((p) => p !== '');
  if ((args.paths as string[]).length > given.length)
    throw new UsageError('Unexpected empty path, expected a file or folder');
  const paths = given.length ? given : config.input?.map(rebase);
  from.input = given.length ? 'arguments' : config.input ? file : 'default';
  const bundle = pick(
    'bundle',
    args.bundle === undefined ? undefined : String(last(args.bundle)) || true,
    config.bundle,
    false,
  );
  const jobs = jobsOption(args, (line) => io.stderr.write(line));
  return {
    options: {
      paths: paths ?? DEFAULTS.input,
      cwd: io.cwd,
      out: pick(
        'out',
        text(args, 'out', 'a folder'),
        config.out && rebase(config.out),
        DEFAULTS.out,
      ),
      formats: pick(
        'formats',
        args.format === undefined ? undefined : parseFormats(args.format),
        config.formats,
        DEFAULTS.formats,
        'format',
      ),
      frozen: pick('frozen', args.frozen as boolean | undefined, undefined, false),
      bundle: bundle === false ? undefined : bundle === true ? 'deckc' : bundle,
      ignore: pick('ignore', undefined, config.ignore, []),
      compile: {
        rootDeck: pick(
          'rootDeck',
          text(args, 'root-deck', 'a deck name'),
          config.rootDeck,
          DEFAULTS.rootDeck,
          'root-deck',
        ),
        tags: pick('tags', undefined, config.tags, []),
        decks: pick('decks', undefined, config.decks, {}),
        reverse: pick('reverse', undefined, config.reverse, {}),
      },
      project: pick('project', undefined, config.project, undefined),
      limits: pick(
        'limits',
        undefined,
        config.limits && { ...DEFAULT_LIMITS, ...config.limits },
        DEFAULT_LIMITS,
      ),
      jobs: pick('jobs', jobs, undefined, defaultJobs()),
      cache: pick('cache', args.cache === false ? false : undefined, undefined, true),
      bail: pick('bail', args.bail as boolean | undefined, undefined, false),
    },
    strict: pick('strict', args.strict as boolean | undefined, config.strict, false),
    maxWarnings: pick(
      'maxWarnings',
      // -1, as in eslint: no limit.
      ((n) => (n === -1 ? undefined : n))(count(args, 'max-warnings', -1)),
      undefined,
      undefined,
      'max-warnings',
    ),
    from,
    file: loaded.file,
  };
}

/** --print-config: the merged settings and where each came from, as JSON on stdout. */
export function printConfig(settled: Settings, io: CliIo): void {
  const { strict, maxWarnings, from } = settled;
  const o = settled.options;
  // The config file's keys (paths relative to the working folder), then the flags-only ones.
  const shown = {
    input: o.paths,
    out: o.out,
    formats: o.formats,
    rootDeck: o.compile.rootDeck,
    ignore: o.ignore,
    decks: o.compile.decks,
    reverse: o.compile.reverse,
    tags: o.compile.tags,
    bundle: o.bundle ?? false,
    strict,
    project: o.project ?? null,
    limits: o.limits,
    frozen: o.frozen,
    jobs: o.jobs,
    cache: o.cache,
    bail: o.bail,
    maxWarnings: maxWarnings ?? null,
  };
  const file = settled.file;
  io.stdout.write(`${JSON.stringify({ file, config: shown, from }, null, 2)}\n`);
}
