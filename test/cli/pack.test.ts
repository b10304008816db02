/**
 * The package as npm ships it: `npm pack` of this checkout (built by npm test), its contents,
 * then installed into a temporary project and globally (`--prefer-offline`: `npm ci` leaves the
 * dependencies' tarballs in npm's cache but not their registry metadata, which `--offline`
 * needs to resolve a new project's tree, so npm asks the registry for that alone), where `deckc --version`, `deckc init && deckc build`, Ctrl-C in --watch and the
 * README's library example (type-checked by tsc against the installed types, then run) must
 * work. Prints the tarball's and the installation's sizes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
const dir = mkdtempSync(path.join(tmpdir(), 'deckc-pack-'));
// Three installations: removing them can take a while on a busy machine.
afterAll(() => rmSync(dir, { recursive: true, force: true }), 60_000);

const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1764000000', ...env },
  });

let files: string[] = [];
let tarball = '';
const host = path.join(dir, 'host');

beforeAll(() => {
  // lib/ is built already: the prepare script is not run again under the other tests' feet.
  const packed = run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    REPO,
  );
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  files = info!.files.map((f) => f.path);
  tarball = path.join(dir, info!.filename);
  mkdirSync(host);
  writeFileSync(
    path.join(host, 'package.json'),
    JSON.stringify({ name: 'host', version: '1.0.0', private: true }),
  );
  const started = performance.now();
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    host,
  );
  expect(install.status, install.stderr).toBe(0);
  const seconds = (performance.now() - started) / 1000;
  // Two calls: du counts a folder once, so a second argument inside the first shows nothing.
  const du = ['node_modules', 'node_modules/deckc']
    .map((folder) => run('du', ['-sk', folder], host).stdout)
    .join('');
  console.log(
    `npm pack: ${(info!.size / 1e6).toFixed(2)} MB packed, ${(info!.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files; ` +
      `npm install --prefer-offline: ${seconds.toFixed(1)} s; installed (du -sk):\n${du}`,
  );
}, 300_000);

describe('the npm package', () => {
  it('ships the command, the library with its types, the schemas and the licence, nothing else', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/deckc.js',
      'lib/cli/main.bundle.js',
      'lib/io/worker.bundle.js',
      'lib/index.js',
      'lib/index.d.ts',
      'schema/config.schema.json',
      'schema/deck.schema.json',
    ])
      expect(files).toContain(f);
    const top = new Set(files.map((f) => f.split('/')[0]));
    expect([...top].sort()).toEqual([
      'LICENSE',
      'README.md',
      'bin',
      'lib',
      'package.json',
      'schema',
      'src',
    ]);
  });

  it('ships every source a source map names, and every map a file points at', () => {
    const shipped = new Set(files);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(REPO, map), 'utf8'));
      for (const s of sources as string[])
        expect(shipped, `${map} → ${s}`).toContain(path.posix.join(path.posix.dirname(map), s));
    }
    for (const js of files.filter((f) => f.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(
        readFileSync(path.join(REPO, js), 'utf8'),
      )?.[1];
      if (url) expect(shipped, js).toContain(path.posix.join(path.posix.dirname(js), url));
    }
  });

  it('resolves only the sql.js build it loads: its own copy in lib/, sql.js not installed', () => {
    expect(files).toContain('lib/sql-wasm.bundle.js');
    expect(files).toContain('lib/sql-wasm.wasm');
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).not.toContain('sql.js');
    expect(existsSync(path.join(host, 'node_modules/sql.js'))).toBe(false);
    // Was 79.5 MB with sql.js (30 MB of builds deckc never loads); mathjax-full and its dependencies would add 53 MB.
    const kb = Number(run('du', ['-sk', 'node_modules'], host).stdout.split('\t')[0]);
    expect(kb).toBeLessThan(60_000);
  });

  it('bundles the MathJax it loads: mathjax-full not installed, the preview typesets math', () => {
    expect(files).toContain('lib/mathjax.bundle.cjs');
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).not.toContain('mathjax-full');
    expect(existsSync(path.join(host, 'node_modules/mathjax-full'))).toBe(false);
    const project = path.join(dir, 'math');
    mkdirSync(path.join(project, 'decks/Math'), { recursive: true });
    writeFileSync(
      path.join(project, 'decks/Math/part-1.md'),
      ':p What is $e^{i\\pi}$?\n??x\n$$e^{i\\pi} + 1 = 0$$ and \\(\\ce{H2O}\\).\nx??\n',
    );
    const deckc = path.join(host, 'node_modules/.bin/deckc');
    for (const jobs of ['1', '2']) {
      const out = `dist-${jobs}`;
      const build = run(
        deckc,
        ['build', 'decks', '--out', out, '--format', 'html', '-j', jobs, '--no-cache'],
        project,
      );
      expect(build.status, build.stderr).toBe(0);
      const page = readFileSync(path.join(project, out, 'Math.html'), 'utf8');
      const cards = page.slice(page.indexOf('<article'));
      expect(cards).toContain('<mjx-container class="MathJax" jax="SVG" display="true">');
      expect(cards).not.toMatch(/\\\(|\\\[/);
    }
    expect(readFileSync(path.join(project, 'dist-2/Math.html'))).toEqual(
      readFileSync(path.join(project, 'dist-1/Math.html')),
    );
  }, 60_000);

  it('prints its own version in a project that has another, and globally', () => {
    const local = run(path.join(host, 'node_modules/.bin/deckc'), ['--version'], host);
    expect(local.stdout).toBe(`${VERSION}\n`);
    const prefix = path.join(dir, 'global');
    const global = run(
      'npm',
      ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball],
      dir,
    );
    expect(global.status, global.stderr).toBe(0);
    const version = run(path.join(prefix, 'bin/deckc'), ['--version'], dir);
    expect(version.stdout).toBe(`${VERSION}\n`);
  }, 120_000);

  it('starts a project: deckc init && deckc build, its $schema found', () => {
    const project = path.join(dir, 'fresh');
    mkdirSync(project);
    cpPackage(project);
    const deckc = path.join(project, 'node_modules/.bin/deckc');
    const init = run(deckc, ['init'], project);
    expect(init.status, init.stderr).toBe(0);
    const build = run(deckc, ['build', '--jobs', '1'], project);
    expect(build.status, build.stderr).toBe(0);
    expect(build.stderr).toContain('wrote dist/Example.apkg');
    // Two packages with two jobs: the .apkg files are written on worker threads, which load the
    // same sql.js from lib/.
    mkdirSync(path.join(project, 'decks/Second'));
    writeFileSync(path.join(project, 'decks/Second/part-1.md'), ':p Second?\n??x\nYes.\nx??\n');
    const parallel = run(deckc, ['build', '--jobs', '2', '--out', 'dist2', '--no-cache'], project);
    expect(parallel.status, parallel.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'dist2/Example.apkg'))).toEqual(
      readFileSync(path.join(project, 'dist/Example.apkg')),
    );
    const config = JSON.parse(readFileSync(path.join(project, 'deckc.config.json'), 'utf8'));
    expect(() => readFileSync(path.join(project, config.$schema))).not.toThrow();
  }, 120_000);

  it('exits 130 on Ctrl-C in --watch', async () => {
    const project = path.join(dir, 'fresh');
    const child = spawn(path.join(project, 'node_modules/.bin/deckc'), ['build', '-w', '-j', '1'], {
      cwd: project,
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('watching for changes')) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(130);
  }, 60_000);

  it("runs the README's library example, type-checked against the installed types", () => {
    const doc = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const example = /<!-- example: library -->\n```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    writeFileSync(path.join(host, 'example.mts'), example!);
    const tsc = run(
      process.execPath,
      [
        path.join(REPO, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        path.join(REPO, 'node_modules/@types'),
        '--outDir',
        'out',
        'example.mts',
      ],
      host,
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const r = run(process.execPath, ['out/example.mjs'], host);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('[answer-closer]');
    expect(r.stdout).toBe('Example 1 apkg,json true\ntrue\n');
  }, 60_000);
});

/** A second project with the package installed (from the cache filled above). */
function cpPackage(project: string) {
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'fresh', private: true }),
  );
  const r = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    project,
  );
  expect(r.status, r.stderr).toBe(0);
}
