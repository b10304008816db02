import { z } from 'zod';
import { ProjectId } from '../identity/lock.js';

/**
 * `deckc.config.json` (or a `deckc` key in package.json), next to where deckc runs. Every key is
 * optional; command-line flags override it. Its JSON Schema ships as schema/config.schema.json.
 */
export const Config = z
  .object({
    $schema: z.string().optional(),
    input: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Files or folders to compile (default: ["input"])'),
    ignore: z
      .array(z.string().min(1))
      .optional()
      .describe('Globs, relative to each input root, of Markdown files to skip'),
    out: z.string().min(1).optional().describe('Output folder (default: "dist")'),
    formats: z
      .array(z.enum(['apkg', 'csv', 'json', 'html']))
      .min(1)
      .optional()
      .describe('Outputs to write'),
    rootDeck: z
      .string()
      .min(1)
      .optional()
      .describe('Deck for files in the input root that name no book'),
    decks: z
      .record(z.string().min(1), z.string().min(1))
      .optional()
      .describe('Deck names by glob: {"rust/**": "Languages::Rust"}; the first matching glob wins'),
    reverse: z
      .record(z.string().min(1), z.boolean())
      .optional()
      .describe(
        'Reversed cards by glob: {"vocab/**": true} gives each basic card of those files a second card, answer → question; the first matching glob wins, front matter `reverse:` wins over it',
      ),
    tags: z
      .array(z.string().regex(/^\S+$/, 'a tag cannot contain spaces'))
      .optional()
      .describe('Tags added to every card'),
    bundle: z
      .union([z.boolean(), z.string().min(1)])
      .optional()
      .describe('One package for everything (true, or its name)'),
    strict: z.boolean().optional().describe('Treat warnings as errors'),
    limits: z
      .object({
        markdownBytes: z.number().int().positive().optional(),
        mediaBytes: z.number().int().positive().optional(),
      })
      .strict()
      .optional()
      .describe(
        'The largest files deckc reads, in bytes (default: {"markdownBytes": 10485760, "mediaBytes": 104857600}): a larger Markdown file is a file-too-large error, a larger image or sound is not packaged',
      ),
    project: ProjectId.optional().describe(
      "The project id that salts every new GUID (default: the lock file's, made at the first build); pin it to rebuild a lost lock's identities",
    ),
  })
  .strict();
export type Config = z.infer<typeof Config>;
