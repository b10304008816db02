/**
 * Exit codes: 0 success (warnings allowed), 1 problems in the input (or warnings with --strict or
 * past --max-warnings), 2 the tool could not run, 130 interrupted.
 */
export const EXIT = { ok: 0, input: 1, tool: 2, interrupted: 130 } as const;

/** A bad command line: reported as `deckc: <message>`, exit 2, no stack trace. */
export class UsageError extends Error {}
