export { type ParseResult, parseFile } from './parse-file.js';
