/**
 * MathJax 3 for the preview page: TeX in, SVG out, typeset at build time with no network and no
 * DOM (MathJax's lite adaptor). Loaded on first use only, so a build without `--format html`
 * never loads it.
 *
 * Where it comes from: built (lib/), from `lib/mathjax.bundle.cjs`, which scripts/bundle.mjs
 * makes of exactly the modules in MATHJAX_MODULES (mathjax-full is a dev dependency, not
 * installed with deckc); from the TypeScript sources (tests, tsx), from mathjax-full itself.
 *
 * The TeX packages are Anki's (`noerrors`, `mathtools`, `mhchem` on MathJax's defaults), with the
 * commonest of those Anki's autoload would bring in (`boldsymbol`, `cancel`, `color`, `braket`,
 * `cases`, …) listed up front, since nothing is loaded later; a command of another package is
 * shown as undefined (red). Left out on
 * purpose: `html`, `unicode`, `require` and `autoload` (links, styles, ids, fonts and loading;
 * src/render/tex-guard.ts removes their commands from the fields already, and without them
 * MathJax cannot run them either).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const TEX = 'mathjax-full/js/input/tex';
/** Every module the preview loads; scripts/bundle.mjs reads this list (one quoted id a line). */
export const MATHJAX_MODULES = [
  'mathjax-full/js/mathjax.js',
  'mathjax-full/js/input/tex.js',
  'mathjax-full/js/output/svg.js',
  'mathjax-full/js/adaptors/liteAdaptor.js',
  'mathjax-full/js/handlers/html.js',
  'mathjax-full/js/input/tex/base/BaseConfiguration.js',
  'mathjax-full/js/input/tex/ams/AmsConfiguration.js',
  'mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js',
  'mathjax-full/js/input/tex/noundefined/NoUndefinedConfiguration.js',
  'mathjax-full/js/input/tex/noerrors/NoErrorsConfiguration.js',
  'mathjax-full/js/input/tex/mathtools/MathtoolsConfiguration.js',
  'mathjax-full/js/input/tex/mhchem/MhchemConfiguration.js',
  'mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js',
  'mathjax-full/js/input/tex/cancel/CancelConfiguration.js',
  'mathjax-full/js/input/tex/color/ColorConfiguration.js',
  'mathjax-full/js/input/tex/braket/BraketConfiguration.js',
  'mathjax-full/js/input/tex/cases/CasesConfiguration.js',
  'mathjax-full/js/input/tex/enclose/EncloseConfiguration.js',
  'mathjax-full/js/input/tex/extpfeil/ExtpfeilConfiguration.js',
  'mathjax-full/js/input/tex/gensymb/GensymbConfiguration.js',
  'mathjax-full/js/input/tex/upgreek/UpgreekConfiguration.js',
  'mathjax-full/js/input/tex/amscd/AmsCdConfiguration.js',
  'mathjax-full/js/input/tex/centernot/CenternotConfiguration.js',
  'mathjax-full/js/input/tex/bbox/BboxConfiguration.js',
  'mathjax-full/js/input/tex/verb/VerbConfiguration.js',
] as const;

/** The TeX packages, by the names their configurations register. */
const PACKAGES = [
  'base',
  'ams',
  'newcommand',
  'noundefined',
  'noerrors',
  'mathtools',
  'mhchem',
  'boldsymbol',
  'cancel',
  'color',
  'braket',
  'cases',
  'enclose',
  'extpfeil',
  'gensymb',
  'upgreek',
  'amscd',
  'centernot',
  'bbox',
  'verb',
];

type ModuleId = (typeof MATHJAX_MODULES)[number];
type Load = (id: ModuleId) => Record<string, unknown>;

// Only the parts of MathJax's API used here (its own types pull in its whole source tree).
interface LiteNode {
  readonly kind: string;
}
interface Adaptor {
  outerHTML(node: LiteNode): string;
  textContent(node: LiteNode): string;
}
interface MathDocument {
  convert(tex: string, options: { display: boolean }): LiteNode;
}
interface TexJax {
  reset(): void;
  parseOptions: { handlers: { retrieve(name: string): ParseMap } };
}
interface SvgJax {
  styleSheet(doc: MathDocument): LiteNode;
  pageElements(doc: MathDocument): LiteNode | null;
}
interface ParseMap {
  map: Map<string, unknown>;
}
/** The maps `\def`, `\newcommand` and `\newenvironment` fill (MathJax's newcommand package). */
const DEFINITION_MAPS = ['new-Delimiter', 'new-Command', 'new-Environment'];

interface MathJax {
  adaptor: Adaptor;
  newPage(): { tex: TexJax; svg: SvgJax; doc: MathDocument; definitions: ParseMap[] };
}

let loaded: MathJax | null | undefined;

function loadModules(): Load {
  const nodeRequire = createRequire(import.meta.url);
  if (import.meta.url.endsWith('.ts')) return (id) => nodeRequire(id);
  // lib/emit/mathjax.js and the bundles in lib/cli/ and lib/io/ are all one folder below lib/.
  const bundle = nodeRequire(fileURLToPath(new URL('../mathjax.bundle.cjs', import.meta.url)));
  return (id) => bundle[id];
}

/** MathJax, loaded once per thread; null when it cannot be loaded (the page then shows TeX). */
function mathJax(): MathJax | null {
  if (loaded !== undefined) return loaded;
  try {
    const load = loadModules();
    // The TeX packages register themselves when loaded.
    for (const id of MATHJAX_MODULES) if (id.startsWith(`${TEX}/`)) load(id);
    const { mathjax } = load('mathjax-full/js/mathjax.js') as {
      mathjax: { document(html: string, options: object): MathDocument };
    };
    const { TeX } = load('mathjax-full/js/input/tex.js') as {
      TeX: new (options: object) => TexJax;
    };
    const { SVG } = load('mathjax-full/js/output/svg.js') as {
      SVG: new (options: object) => SvgJax;
    };
    const { liteAdaptor } = load('mathjax-full/js/adaptors/liteAdaptor.js') as {
      liteAdaptor: () => Adaptor;
    };
    const { RegisterHTMLHandler } = load('mathjax-full/js/handlers/html.js') as {
      RegisterHTMLHandler: (adaptor: Adaptor) => void;
    };
    const adaptor = liteAdaptor();
    RegisterHTMLHandler(adaptor);
    loaded = {
      adaptor,
      newPage() {
        const tex = new TeX({ packages: PACKAGES });
        // One font cache per page: each glyph's path once, in <defs>, used by id (MJX-TEX-…,
        // named after the font and the character, so the same page gives the same ids).
        const svg = new SVG({ fontCache: 'global' });
        const doc = mathjax.document('', { InputJax: tex, OutputJax: svg });
        const definitions = DEFINITION_MAPS.map((n) => tex.parseOptions.handlers.retrieve(n));
        return { tex, svg, doc, definitions };
      },
    };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** The math of one page: each formula typeset once, the shared glyphs and CSS at the end. */
export interface PageMath {
  /** The SVG of `tex` (in `mjx-container`), or null when it could not be typeset. */
  typeset(tex: string, display: boolean): string | null;
  /** The page's MathJax CSS and glyph definitions, or '' when nothing was typeset. */
  head(): { css: string; defs: string };
}

/** A fresh typesetter for one page, or null when MathJax cannot be loaded. */
export function pageMath(): PageMath | null {
  const jax = mathJax();
  if (!jax) return null;
  const { adaptor } = jax;
  const page = jax.newPage();
  const done = new Map<string, string | null>();
  return {
    typeset(tex, display) {
      const key = `${display ? 'D' : 'I'}${tex}`;
      const known = done.get(key);
      if (known !== undefined) return known;
      let svg: string | null;
      try {
        // Each formula on its own, as the cache needs: no \def or \label of another one reaches it.
        for (const map of page.definitions) map.map.clear();
        page.tex.reset();
        svg = adaptor.outerHTML(page.doc.convert(tex, { display }));
      } catch {
        svg = null;
      }
      done.set(key, svg);
      return svg;
    },
    head() {
      if (![...done.values()].some((v) => v !== null)) return { css: '', defs: '' };
      const defs = page.svg.pageElements(page.doc);
      return {
        css: adaptor.textContent(page.svg.styleSheet(page.doc)),
        defs: defs ? adaptor.outerHTML(defs) : '',
      };
    },
  };
}
