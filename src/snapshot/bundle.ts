/**
 * Bundle the app and thaw's builder prelude into the one script `node --build-snapshot` accepts
 * (it loads built-ins only, not the app's modules from disk). The app is bundled as it is:
 *
 * - node:http, https, http2, tls and their _http_* internals resolve to thaw's stand-ins
 *   (runtime/guest/http.ts), node:crypto to its guarded form; other built-ins stay require()s;
 * - the web fetch globals and the identifiers `globalThis` / `global` are bound to thaw's
 *   build-time views of them (runtime/guest/web.ts);
 * - what cannot be bundled stays a run-time require() routed through thaw (the banner,
 *   runtime/guest/modules.ts): computed `require(name)`, native addons (`.node`, by absolute
 *   path), and packages that are not installed (optional dependencies: Node throws only when
 *   one is reached, and so does the image); a bundle line → source file table lets those
 *   resolve from the file that asked;
 * - names are kept (esbuild `keepNames`): Nest, TypeORM, class-transformer and error messages
 *   read `constructor.name`;
 * - TypeScript with `emitDecoratorMetadata` is compiled by the app's own TypeScript, since
 *   esbuild does not emit `design:paramtypes` (dependency injection depends on it);
 * - an ES module graph with top-level await is bundled as ESM and its evaluation awaited by
 *   the prelude (the builder runs one synchronous script; esbuild's CommonJS output cannot
 *   express top-level await);
 * - import.meta.url/dirname/filename and __dirname/__filename keep meaning the app's source
 *   files, not the bundle; `require.main === module` holds in the entry as in a cold start.
 */
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ThawError } from '../errors.js';
import { DEFERRED_MODULES, PACKAGE_PREFIX, REQUIRE_BANNER, type BuildConfig, type SourceTable } from '../runtime/protocol.js';

/** thaw's source tree (the runtime is bundled from its TypeScript source). */
export const srcRoot = fileURLToPath(new URL('../../../src/', import.meta.url));
const runtimeDir = join(srcRoot, 'runtime');
const guestDir = join(runtimeDir, 'guest');

export interface BundleResult {
  /** esbuild warnings worth showing in doctor. */
  warnings: string[];
  /** Packages imported somewhere but not installed: they throw only if reached. */
  missing: string[];
  /** The bundle is ESM (top-level await): the prelude awaits the entry's evaluation. */
  esm: boolean;
  /** The app imports thaw's runtime API. */
  usesRuntime: boolean;
}

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };
const TS = /\.[cm]?tsx?$/;
/** A decorator applied to a class member or parameter (`@Injectable()`, `@Body() dto`). */
const DECORATOR = /(^|[\s(,])@[A-Za-z_$][\w$.]*\s*(\(|\n|\s+(export|class|async|public|private|protected|readonly|static|get|set|[A-Za-z_$]))/m;

function location(m: esbuild.Message): string {
  const l = m.location;
  return l ? `${relative(process.cwd(), l.file) || l.file}:${l.line}:${l.column + 1}` : '';
}

/** The nearest tsconfig.json above `file`, parsed by `ts` (extends followed). */
class TsConfigs {
  private byDir = new Map<string, { options: Record<string, unknown>; path: string } | null>();
  constructor(private readonly ts: any) {}
  for(file: string): { options: Record<string, unknown>; path: string } | null {
    let dir = dirname(file);
    const seen: string[] = [];
    for (;;) {
      if (this.byDir.has(dir)) break;
      seen.push(dir);
      const p = join(dir, 'tsconfig.json');
      if (existsSync(p)) {
        const read = this.ts.readConfigFile(p, this.ts.sys.readFile);
        const parsed = read.error ? null : this.ts.parseJsonConfigFileContent(read.config, this.ts.sys, dir);
        this.byDir.set(dir, parsed ? { options: parsed.options, path: p } : null);
        break;
      }
      const up = dirname(dir);
      if (up === dir) {
        this.byDir.set(dir, null);
        break;
      }
      dir = up;
    }
    const found = this.byDir.get(dir) ?? null;
    for (const d of seen) this.byDir.set(d, found);
    return found;
  }
}

/** Does the nearest tsconfig.json ask for decorator metadata? (Read without TypeScript.) */
function wantsDecoratorMetadata(file: string): string | null {
  let dir = dirname(file);
  for (;;) {
    const p = join(dir, 'tsconfig.json');
    if (existsSync(p)) return /"emitDecoratorMetadata"\s*:\s*true/.test(readFileSync(p, 'utf8')) ? p : null;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Bundle line → source file, from the bundle's source map (for run-time requires). */
function sourceTable(outfile: string): SourceTable {
  const map = new TraceMap(readFileSync(`${outfile}.map`, 'utf8'));
  const files = map.sources.map((s) => (s && !s.includes(':') ? resolve(dirname(outfile), s) : (s ?? '')));
  const lines: number[] = [];
  let last = -1;
  decodedMappings(map).forEach((segments, i) => {
    const seg = segments[0];
    if (!seg || seg.length < 4) return;
    const src = seg[1]!;
    if (src !== last) {
      lines.push(i + 1, src);
      last = src;
    }
  });
  return { files, lines };
}

/**
 * `import.meta.*` in the app's files: each becomes a per-file variable (esbuild `define` swaps
 * the expression for the identifier in the syntax tree, so strings that merely contain the
 * words keep them; the file declares the variable with its own value).
 */
const META: Record<string, string> = { 'import.meta.url': '__thaw_meta_url', 'import.meta.dirname': '__thaw_meta_dirname', 'import.meta.filename': '__thaw_meta_filename' };

/** Files a Node `require()` would load as JavaScript or JSON, or as an addon. */
const KNOWN_EXT = new Set([...Object.keys(LOADERS), '.json', '.node']);

/**
 * A require() esbuild expanded into a set of files (`require('./plugins/' + name)`) that matches
 * none: it stays a run-time require, which fails (or not) when reached, as under Node.
 */
export interface RuntimeRequireSite {
  line: number;
  /** 0-based, in bytes of the line. */
  column: number;
  length: number;
}

/** Wraps each site's argument so esbuild leaves the call to run time (a computed require). */
function applySites(text: string, sites: RuntimeRequireSite[]): string {
  const lines = text.split('\n');
  const byLine = new Map<number, RuntimeRequireSite[]>();
  for (const site of sites) byLine.set(site.line, [...(byLine.get(site.line) ?? []), site]);
  for (const [n, list] of byLine) {
    let bytes = Buffer.from(lines[n - 1] ?? '', 'utf8');
    for (const site of list.sort((a, b) => b.column - a.column)) {
      const arg = bytes.subarray(site.column, site.column + site.length).toString('utf8');
      bytes = Buffer.concat([bytes.subarray(0, site.column), Buffer.from(`(0, String)(${arg})`), bytes.subarray(site.column + site.length)]);
    }
    lines[n - 1] = bytes.toString('utf8');
  }
  return lines.join('\n');
}

/**
 * A file that is not code but was pulled in by an expanded require (a LICENSE or a .map next to
 * the plugins it globbed): Node would parse it as JavaScript, so it stays JavaScript if it
 * parses as such, and otherwise throws the SyntaxError Node would, when (if ever) required.
 */
function otherFile(path: string): esbuild.OnLoadResult {
  const text = readFileSync(path, 'utf8');
  try {
    esbuild.transformSync(text, { loader: 'js', format: 'cjs', logLevel: 'silent' });
    return { contents: text, loader: 'js' };
  } catch (e) {
    const why = (e as { errors?: esbuild.Message[] }).errors?.[0]?.text ?? 'not JavaScript';
    return { contents: `throw new SyntaxError(${JSON.stringify(`${path}: ${why}`)});`, loader: 'js' };
  }
}

/**
 * The app's own source as Node would run it: decorator metadata, import.meta, __dirname,
 * require.main; requires that match no file left to run time (`sites`, by file).
 */
function sourcePlugin(entry: string, typescript: (file: string, tsconfig: string) => { ts: any; tsconfigs: TsConfigs }, sites: Map<string, RuntimeRequireSite[]>): esbuild.Plugin {
  return {
    name: 'thaw-source',
    setup(b) {
      b.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
        if (args.path.startsWith(runtimeDir)) return undefined;
        const ext = extname(args.path);
        if (!KNOWN_EXT.has(ext)) return otherFile(args.path);
        if (!LOADERS[ext]) return undefined;
        const text = readFileSync(args.path, 'utf8');
        let out = text;
        let loader = LOADERS[ext] ?? 'js';
        let changed = false;
        if (TS.test(args.path) && DECORATOR.test(text)) {
          const tsconfig = wantsDecoratorMetadata(args.path);
          if (tsconfig) {
            const { ts: t, tsconfigs } = typescript(args.path, tsconfig);
            const options = { ...(tsconfigs.for(args.path)?.options ?? {}), module: t.ModuleKind.ESNext, target: t.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, inlineSources: false, declaration: false, noEmit: false, emitDecoratorMetadata: true, experimentalDecorators: true, importHelpers: false };
            out = t.transpileModule(text, { compilerOptions: options, fileName: args.path }).outputText;
            loader = 'js';
            changed = true;
          }
        }
        // A package's own source map (dist/*.js → src/*.ts) is not followed: Node names the file it
        // loads in stack traces, and so must the image (snapshot/stackmap.ts).
        if (/\.[cm]?js$/.test(args.path) && out.includes('//# sourceMappingURL=')) {
          out = out.replace(/\/\/# sourceMappingURL=\S*\s*$/, '');
          changed = true;
        }
        const decl: string[] = [];
        if (out.includes('import.meta')) {
          decl.push(`${META['import.meta.url']} = ${JSON.stringify(pathToFileURL(args.path).href)}`, `${META['import.meta.dirname']} = ${JSON.stringify(dirname(args.path))}`, `${META['import.meta.filename']} = ${JSON.stringify(args.path)}`);
        }
        // Only where the file does not declare them itself (`const __dirname = …` in ESM).
        if (out.includes('__dirname') && !/\b(const|let|var)\s+__dirname\b/.test(out)) decl.push(`__dirname = ${JSON.stringify(dirname(args.path))}`);
        if (out.includes('__filename') && !/\b(const|let|var)\s+__filename\b/.test(out)) decl.push(`__filename = ${JSON.stringify(args.path)}`);
        let prefix = decl.length ? `var ${decl.join(', ')};` : '';
        // `require.main === module` in the entry holds as in a cold start.
        if (args.path === entry && /\brequire\.main\b/.test(out)) prefix += 'require.main = module;';
        if (prefix) {
          // A shebang must stay on the first line; the prefix goes on it so lines keep their numbers.
          out = out.startsWith('#!') ? out.replace(/^(#![^\n]*\n)/, `$1${prefix}`) : prefix + out;
          changed = true;
        }
        // Last: the sites' columns are those of the text esbuild parsed, prefix included.
        const here = sites.get(args.path);
        if (here) {
          out = applySites(out, here);
          changed = true;
        }
        return changed ? { contents: out, loader } : undefined;
      });
    },
  };
}

/**
 * Runs `build`, and again while esbuild reports requires it expanded into sets of files that
 * match nothing (`require(\`./build/addon-${platform}.node\`)`), each then left to run time.
 */
async function buildWithRuntimeRequires<T>(sites: Map<string, RuntimeRequireSite[]>, build: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await build();
    } catch (err) {
      const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
      const globs = errors.filter((e) => e.location && /^Could not resolve (require|import)\("[^"]*\*[^"]*"\)/.test(e.text));
      if (round >= 4 || !globs.length || globs.length !== errors.length) throw err;
      for (const e of globs) {
        const l = e.location!;
        const file = resolve(process.cwd(), l.file);
        sites.set(file, [...(sites.get(file) ?? []), { line: l.line, column: l.column, length: l.length }]);
      }
    }
  }
}

/** The app's TypeScript, found from the file (or the entry): needed for decorator metadata. */
function typescriptFor(entry: string): (file: string, tsconfig: string) => { ts: any; tsconfigs: TsConfigs } {
  let ts: any;
  let tsconfigs: TsConfigs | undefined;
  return (file, tsconfig) => {
    if (ts === undefined) {
      for (const from of [file, entry]) {
        try {
          ts = createRequire(from)('typescript');
          break;
        } catch {
          ts = null;
        }
      }
    }
    if (!ts) {
      throw new ThawError('E_DECORATOR_METADATA', `${relative(process.cwd(), file)} uses decorators and ${relative(process.cwd(), tsconfig)} sets emitDecoratorMetadata, which esbuild cannot emit, and the app has no typescript package to compile it with`, {
        hint: "npm install --save-dev typescript (thaw then compiles decorated files with it), or build from tsc's output (thaw build dist/main.js)",
      });
    }
    tsconfigs ??= new TsConfigs(ts);
    return { ts, tsconfigs };
  };
}

/**
 * A CommonJS file in node_modules, imported by the bundled code, becomes a run-time require of
 * its path, which thaw's loader serves while building (runtime/guest/modules.ts). ES module
 * packages are bundled: the loader runs CommonJS only.
 */
function loadPackages(b: esbuild.PluginBuild, bundled: ReadonlySet<string>): void {
  b.onResolve({ filter: /^[^./]/ }, async (args) => {
    if (args.pluginData?.thawProbe || args.namespace !== 'file' || isBuiltin(args.path) || args.path === 'thaw') return undefined;
    const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { thawProbe: true } });
    if (r.errors.length || r.external || !r.path.includes('/node_modules/') || !/\.(c?js|json)$/.test(r.path) || isModuleFile(r.path)) return undefined;
    if (bundled.has(packageName(r.path))) return undefined;
    return { path: r.path, namespace: 'thaw-package' };
  });
  b.onResolve({ filter: /.*/, namespace: 'thaw-package' }, (args) => ({ path: args.path, external: true }));
  b.onLoad({ filter: /.*/, namespace: 'thaw-package' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(PACKAGE_PREFIX + args.path)});`, loader: 'js' }));
}

/** The package a file in node_modules belongs to (`@scope/name` kept). */
export function packageName(file: string): string {
  const all = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
  return all.length ? all[all.length - 1]![1]! : file;
}

/** Would Node load this .js file as an ES module ("type": "module" in its package.json)? */
function isModuleFile(file: string): boolean {
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (!existsSync(p)) continue;
    try {
      return (JSON.parse(readFileSync(p, 'utf8')) as { type?: string }).type === 'module';
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * A package that is not installed fails only when reached, as under Node (optional dependencies
 * such as @nestjs/microservices' transports); a broken import in the app's own files is still a
 * build error. Each missing one is added to `missing`.
 */
function optionalModules(b: esbuild.PluginBuild, missing: Set<string>): void {
  b.onResolve({ filter: /.*/ }, async (args) => {
    if (args.pluginData?.thawProbe || args.kind === 'entry-point' || args.namespace !== 'file' || isBuiltin(args.path)) return undefined;
    const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { thawProbe: true } });
    if (r.errors.length === 0) return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: r.sideEffects, suffix: r.suffix, pluginData: r.pluginData };
    if (/^\.\.?(\/|$)/.test(args.path) && !args.importer.includes('/node_modules/')) return undefined;
    missing.add(`${args.path} (imported by ${relative(process.cwd(), args.importer)})`);
    return { path: args.path, namespace: 'thaw-missing', pluginData: { importer: args.importer } };
  });
  b.onLoad({ filter: /.*/, namespace: 'thaw-missing' }, (args) => ({
    contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find module '${args.path}'\nRequire stack:\n- ${args.pluginData?.importer ?? ''}`)}), { code: 'MODULE_NOT_FOUND' });`,
    loader: 'js',
  }));
}

/**
 * esbuild's lookup for an expanded require (`require('./plugins/' + name)`) knows only the
 * files' full names, where Node also tries `name.js`, `name.json`, `name/index.js`; and what
 * matches nothing fails as under Node, with code MODULE_NOT_FOUND (code that probes for
 * optional plugins tests it). The lookup stays on its line, so the source map holds.
 */
const GLOB_MISS = 'throw new Error("Module not found in bundle: " + path);';
const GLOB_RESOLVE =
  'for (var ext of [".js", ".json", ".node", "/index.js", "/index.json", "/index.node"]) if (map[path + ext]) return map[path + ext](); ' +
  'throw Object.assign(new Error("Cannot find module \'" + path + "\'"), { code: "MODULE_NOT_FOUND" });';

function resolveLikeNode(file: string): void {
  const text = readFileSync(file, 'utf8');
  if (text.includes(GLOB_MISS)) writeFileSync(file, text.replace(GLOB_MISS, GLOB_RESOLVE));
}

/**
 * esbuild options every bundle of the app shares: `import.meta.*` as per-file variables, and
 * JSX compiled for React's automatic runtime (React 17+: no `import React` needed) unless the
 * app's tsconfig.json chooses how.
 */
function appOptions(entry: string): Pick<esbuild.BuildOptions, 'define' | 'jsx' | 'absWorkingDir'> {
  // esbuild's service keeps the directory it started in; messages' file names are relative to
  // this one, which is where the build runs (the API may be called from several).
  return { absWorkingDir: process.cwd(), define: { ...META }, ...(tsconfigSetsJsx(entry) ? {} : { jsx: 'automatic' as const }) };
}

/** Does the nearest tsconfig.json (or jsconfig.json) above the entry set `jsx`? */
function tsconfigSetsJsx(entry: string): boolean {
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const p = join(dir, name);
      if (existsSync(p)) return /"jsx"\s*:/.test(readFileSync(p, 'utf8'));
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * The app bundled as it is, without thaw's prelude or stand-ins: how a TypeScript entry is
 * started cold when the image is verified (a .js entry runs as it is). ESM when the graph has
 * top-level await. Returns the file written (outBase + .cjs or .mjs).
 */
export async function plainBundle(entry: string, outBase: string, targetMajor: number): Promise<string> {
  const sites = new Map<string, RuntimeRequireSite[]>();
  const build = (esm: boolean): Promise<esbuild.BuildResult> =>
    buildWithRuntimeRequires(sites, () => esbuild.build({
      ...appOptions(entry),
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: esm ? 'esm' : 'cjs',
      target: `node${targetMajor}`,
      outfile: `${outBase}${esm ? '.mjs' : '.cjs'}`,
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      keepNames: true,
      // What stays a run-time require (computed names, native addons) resolves from the entry,
      // not from where this file is written.
      banner: { js: esm ? `import { createRequire as __thawCreateRequire } from 'node:module'; const require = __thawCreateRequire(${JSON.stringify(entry)});` : `require = require('node:module').createRequire(${JSON.stringify(entry)});` },
      plugins: [
        {
          name: 'thaw-native',
          setup(b) {
            b.onResolve({ filter: /\.node$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), external: true }));
            optionalModules(b, new Set());
          },
        },
        sourcePlugin(entry, typescriptFor(entry), sites),
      ],
    }));
  let out = `${outBase}.cjs`;
  try {
    await build(false);
  } catch (err) {
    if (!((err as { errors?: esbuild.Message[] }).errors ?? []).some((e) => /top-level await/i.test(e.text))) throw err;
    await build(true);
    out = `${outBase}.mjs`;
  }
  resolveLikeNode(out);
  return out;
}

/**
 * `load`: the app's CommonJS packages are loaded from disk while building by thaw's loader, as
 * Node loads them, so the snapshot holds only the files the app ran (Next.js: 19 MB instead of
 * 232 MB, restored 5x sooner); what the build did not load is loaded from node_modules after
 * restore. `bundle`: everything reachable goes into the bundle, and the image needs nothing
 * else (a single executable).
 */
export type PackageMode = 'load' | 'bundle';

export async function bundle(entry: string, outfile: string, config: BuildConfig, targetMajor: number, finalPath = outfile, packages: PackageMode = 'load', bundled: ReadonlySet<string> = new Set()): Promise<BundleResult> {
  const mainPath = join(guestDir, 'main.ts');
  const missing = new Set<string>();
  let usesRuntime = false;
  const typescript = typescriptFor(entry);
  const sites = new Map<string, RuntimeRequireSite[]>();

  const plugins = (esm: boolean): esbuild.Plugin[] => [
    {
      name: 'thaw-modules',
      setup(b) {
        const names = DEFERRED_MODULES.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
        b.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'thaw-deferred' }));
        b.onLoad({ filter: /.*/, namespace: 'thaw-deferred' }, (args) => ({
          contents: `module.exports = require(${JSON.stringify(join(guestDir, 'http.ts'))}).deferredModule(${JSON.stringify(args.path)});`,
          resolveDir: guestDir,
          loader: 'js',
        }));
        b.onResolve({ filter: /^thaw$/ }, () => {
          usesRuntime = true;
          return { path: join(runtimeDir, 'index.ts') };
        });
        // node:crypto is the real module, guarded on first load (runtime/guest/entropy.ts).
        b.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: 'crypto', namespace: 'thaw-crypto' }));
        b.onLoad({ filter: /.*/, namespace: 'thaw-crypto' }, () => ({
          contents: `module.exports = require(${JSON.stringify(join(guestDir, 'entropy.ts'))}).guardedCrypto();`,
          resolveDir: guestDir,
          loader: 'js',
        }));
        // A native addon stays a run-time require by absolute path: refused while building,
        // loaded normally after restore (runtime/guest/modules.ts).
        b.onResolve({ filter: /\.node$/ }, (args) => {
          if (args.namespace === 'thaw-native') return { path: args.path, external: true };
          return { path: resolve(args.resolveDir, args.path), namespace: 'thaw-native' };
        });
        b.onLoad({ filter: /.*/, namespace: 'thaw-native' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, resolveDir: dirname(args.path), loader: 'js' }));
        // In ESM output an external built-in would become an `import` statement, which the
        // builder's script cannot hold: it is a require() inside a CommonJS shim instead.
        if (esm) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.namespace === 'thaw-builtin' || !isBuiltin(args.path)) return undefined;
            return { path: args.path, namespace: 'thaw-builtin' };
          });
          b.onLoad({ filter: /.*/, namespace: 'thaw-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
        }
        if (packages === 'load') loadPackages(b, bundled);
        optionalModules(b, missing);
      },
    },
    sourcePlugin(entry, typescript, sites),
  ];


  const run = (esm: boolean): Promise<esbuild.BuildResult> => {
    const entryCode = esm
      ? [`import * as thaw from ${JSON.stringify(mainPath)};`, `thaw.begin(${JSON.stringify(config)}, __thaw_require);`, `thaw.runApp(() => import(${JSON.stringify(entry)}));`].join('\n')
      : [`const thaw = require(${JSON.stringify(mainPath)});`, `thaw.begin(${JSON.stringify(config)}, __thaw_require);`, `thaw.runApp(() => require(${JSON.stringify(entry)}));`].join('\n');
    return buildWithRuntimeRequires(sites, () => esbuild.build({
      ...appOptions(entry),
      stdin: { contents: entryCode, resolveDir: dirname(entry), sourcefile: 'thaw-builder-entry.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      format: esm ? 'esm' : 'cjs',
      target: `node${targetMajor}`,
      outfile,
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      legalComments: 'none',
      keepNames: true,
      banner: { js: REQUIRE_BANNER },
      // Stack traces in restored processes name the bundle where the image keeps it, not the
      // temporary directory it was built in.
      footer: { js: `//# sourceURL=${finalPath}` },
      plugins: plugins(esm),
      // Free references to fetch/Request/Response/… and to the global object become thaw's
      // build-time views (runtime/guest/web.ts).
      inject: [join(guestDir, 'web-globals.ts')],
      define: { ...appOptions(entry).define, globalThis: '__thaw_global', global: '__thaw_global' },
    }));
  };

  let result: esbuild.BuildResult;
  let esm = false;
  try {
    try {
      result = await run(false);
    } catch (err) {
      const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
      if (!errors.some((e) => /top-level await/i.test(e.text))) throw err;
      esm = true;
      missing.clear();
      result = await run(true);
    }
  } catch (err) {
    if (err instanceof ThawError) throw err;
    const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
    const first = errors[0];
    if (first) {
      const own = (first.detail as unknown) instanceof ThawError ? (first.detail as ThawError) : undefined;
      if (own) throw own;
      const unresolved = /Could not resolve "([^"]+)"/.exec(first.text);
      if (unresolved) {
        throw new ThawError('E_MODULE_NOT_FOUND', `${location(first)}: cannot resolve "${unresolved[1]}"`, { hint: `fix the import path (node ${relative(process.cwd(), entry)} fails the same way)` });
      }
      throw new ThawError('E_SYNTAX', `${location(first)}: ${first.text}`, {
        hint: 'fix the source; it must also run with plain node',
        detail: errors.slice(1, 5).map((e) => `${location(e)}: ${e.text}`).join('\n') || undefined,
      });
    }
    throw err;
  }
  resolveLikeNode(outfile);
  writeFileSync(config.sourcesPath, JSON.stringify(sourceTable(outfile)));
  const warnings = result.warnings.filter((w) => !w.location?.file.includes('thaw-builder-entry')).map((w) => `${location(w)}: ${w.text}`);
  return { warnings, missing: [...missing].sort(), esm, usesRuntime };
}
