/** The options of each command, as yargs takes them (and --help shows them, in this order). */
import type yargs from 'yargs';
import { MAX_PER_RULE, REPORTERS } from '../diagnostics/format.js';
import { FORMATS } from '../emit/formats.js';
import { CONFIG_FILE } from '../io/config-file.js';
import { DEFAULTS } from './settings.js';

/** The options `deckc build` and `deckc check` share. */
export const buildOptions = (y: ReturnType<typeof yargs>) =>
  y
    .positional('paths', {
      describe: 'Markdown files or folders; a folder is an input root (default: input)',
      type: 'string',
      array: true,
      default: [],
    })
    .option('reporter', {
      choices: Object.keys(REPORTERS),
      default: 'text',
      describe: 'How to print diagnostics (json: one array on stdout)',
    })
    .option('output-file', {
      type: 'string',
      describe: 'Write the diagnostics to this file instead (any reporter; no colour)',
    })
    .option('strict', { type: 'boolean', describe: 'Treat warnings as errors (exit 1)' })
    .option('max-warnings', {
      type: 'string',
      describe: 'Fail (exit 1) when there are more warnings than this (-1: no limit)',
    })
    .option('max-per-rule', {
      type: 'string',
      describe: `Text reporter: show this many of one rule in one file, then count the rest (default: ${MAX_PER_RULE}; 0: all)`,
    })
    .option('frozen', {
      type: 'boolean',
      describe: 'Fail if deckc.lock.json is missing or would change; write nothing (for CI)',
    })
    .option('root-deck', {
      type: 'string',
      describe: 'Deck for files in the input root that name no book (default: Default)',
    })
    .option('format', {
      alias: 'f',
      type: 'string',
      describe: `Comma-separated outputs: ${FORMATS.join(', ')} (default: ${DEFAULTS.formats.join(',')})`,
    })
    .option('out', { alias: 'o', type: 'string', describe: 'Output folder (default: dist)' })
    .option('bundle', {
      type: 'string',
      describe: 'One package for everything (optionally named)',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'Print errors, the summary and why the run failed only',
    })
    .option('jobs', {
      alias: 'j',
      type: 'string',
      describe: 'Worker threads (default: the cores; 1: no threads; at most 64, or 2 per core)',
    })
    .option('cache', {
      type: 'boolean',
      describe: 'Reuse unchanged work from .deckc-cache/ in each input root (--no-cache: off)',
    })
    .option('bail', {
      type: 'boolean',
      describe: 'Stop at the first file with an error; write nothing',
    })
    .option('config', {
      alias: 'c',
      type: 'string',
      describe: `Config file (default: the nearest ${CONFIG_FILE} or package.json "deckc" key, up to the repository root)`,
    })
    .option('print-config', {
      type: 'boolean',
      describe: 'Print the merged settings, and where each came from, as JSON; build nothing',
    });

/** The options of `deckc fix`. */
export const fixOptions = (y: ReturnType<typeof yargs>) =>
  y
    .positional('paths', {
      describe: 'Markdown files or folders (default: input)',
      type: 'string',
      array: true,
      default: [],
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'Print a unified diff of the fixes on stdout; write nothing',
    })
    .option('reporter', {
      choices: Object.keys(REPORTERS),
      default: 'text',
      describe: 'How to print what is left to fix by hand',
    })
    .option('output-file', {
      type: 'string',
      describe: 'Write what is left to fix to this file instead',
    })
    .option('max-per-rule', {
      type: 'string',
      describe: `Text reporter: show this many of one rule in one file (default: ${MAX_PER_RULE}; 0: all)`,
    })
    .option('strict', { type: 'boolean', describe: 'Warnings left fail (exit 1)' })
    .option('config', { alias: 'c', type: 'string', describe: 'Config file' })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'Print errors and the summary only',
    });
