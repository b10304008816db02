import { z } from 'zod';
import { Config } from '../config/schema.js';
import { JsonDeck } from './schema.js';

const BASE = 'https://deckc.dev/schema';

/** The JSON Schemas deckc ships (draft 2020-12), generated from the zod schemas, by file name. */
export function jsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'deck.schema.json': {
      ...z.toJSONSchema(JsonDeck, { target: 'draft-2020-12', io: 'output' }),
      $id: `${BASE}/deck.schema.json`,
      title: 'deckc JSON deck',
    },
    'config.schema.json': {
      ...z.toJSONSchema(Config, { target: 'draft-2020-12', io: 'input' }),
      $id: `${BASE}/config.schema.json`,
      title: 'deckc.config.json',
    },
  };
}
