// The engine lives in build/; this module keeps the command line's imports (see build/build.ts).
export {
  type BuildOptions,
  type BuildPhase,
  type BuildResult,
  build,
  Interrupted,
  type Memo,
  newMemo,
} from '../build/build.js';
