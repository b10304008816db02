// The watch loop is the engine's (build/watch.ts); this module keeps the command line's import.
export { type WatchOptions, watch } from '../build/watch.js';
