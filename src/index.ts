/** deckc's public library API: re-exports only. The CLI (`deckc`) is built on exactly this. */
export {
  type CompileOptions,
  compileFile,
  emitPackage,
  FORMATS,
  type Format,
} from './compile.js';
export { Config } from './config/schema.js';
export { formatGithub, formatJson, formatText, REPORTERS } from './diagnostics/format.js';
export { RULES, type RuleId } from './diagnostics/rules.js';
export { emitApkg } from './emit/apkg.js';
export { emitCsv } from './emit/csv.js';
export { emitPreview } from './emit/html.js';
export { emitJson } from './emit/json.js';
export { NOTETYPE_ID } from './emit/notetype.js';
export { LOCK_FILE, Lock, serializeLock } from './identity/lock.js';
export { type LinkOptions, type LinkResult, linkProject } from './link/link.js';
export { parseFile } from './parse/parse-file.js';
export { renderCard } from './render/render-card.js';
export { jsonSchemas } from './validate/json-schema.js';
export type { CompiledCard, CompiledFile, LinkedPackage } from './validate/schema.js';
export {
  Card,
  Diagnostic,
  FIELD_NAMES,
  JsonCard,
  JsonDeck,
  Note,
  Package,
  SourceFile,
} from './validate/schema.js';
