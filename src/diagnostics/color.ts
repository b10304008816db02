/**
 * Terminal colour: whether to use it, and the few styles the reporters use. Data goes in, text
 * comes out; the decision is made once by the command line for each stream it writes to.
 */

/** SGR styles by what they mark, so that every reporter colours the same things alike. */
const SGR = {
  error: '1;31',
  warning: '1;33',
  info: '1;36',
  note: '1;36',
  place: '1',
  rule: '2',
  ok: '32',
} as const;
export type Style = keyof typeof SGR;

/** Wraps text in a style, or returns it as it is. */
export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;
export const ansi: Paint = (style, text) => (text ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text);

export const paint = (color: boolean): Paint => (color ? ansi : plain);

/**
 * Whether to colour a stream, by the conventions of eslint, Node and no-color.org, first match:
 * `--color` / `--no-color`; `FORCE_COLOR` (`0` or `false`: off, anything else: on); `NO_COLOR`
 * set and not empty: off; a terminal that names itself (`TERM` set and not `dumb`, or
 * `COLORTERM`; any console on Windows): on. Pipes are never coloured unless forced.
 */
export function useColor(
  flag: boolean | undefined,
  env: Record<string, string | undefined>,
  isTTY: boolean,
): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  // As chalk's supports-color: a terminal that says what it is (TERM, not dumb, or COLORTERM).
  if (!isTTY || env.TERM === 'dumb') return false;
  return Boolean(env.TERM || env.COLORTERM) || process.platform === 'win32';
}
