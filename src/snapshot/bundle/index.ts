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
 *   read `constructor.name`; its calls that keep a name already there are dropped (names.ts:
 *   one inside a function runs on every call of it);
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
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ThawError } from '../../errors.js';
import { DEFERRED_MODULES, REQUIRE_BANNER, type BuildConfig, type SourceTable } from '../../runtime/protocol.js';
import { finishBundleFile, rewriteFile } from './finish.js';
import { GLOB_HELPER, loadPackages, optionalModules, resolveLikeNode } from './packages.js';
import { buildWithRuntimeRequires, guestDir, META, runtimeDir, sourcePlugin, type RuntimeRequireSite } from './source.js';
import { typescriptFor } from './typescript.js';

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

function location(m: esbuild.Message): string {
  const l = m.location;
  return l ? `${relative(process.cwd(), l.file) || l.file}:${l.line}:${l.column + 1}` : '';
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
      banner: { js: (esm ? `import { createRequire as __thawCreateRequire } from 'node:module'; const require = __thawCreateRequire(${JSON.stringify(entry)});` : `require = require('node:module').createRequire(${JSON.stringify(entry)});`) + `\n${GLOB_HELPER}` },
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
  rewriteFile(out, resolveLikeNode);
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
      // `--minify-packages`: the packages bundled (ES modules, or all with --bundle-packages)
      // are minified with the rest of the bundle, names kept; the stack map still names their
      // lines (snapshot/stackmap.ts).
      minifyWhitespace: !!config.minify,
      banner: { js: REQUIRE_BANNER + GLOB_HELPER },
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
  finishBundleFile(outfile, esm);
  writeFileSync(config.sourcesPath, JSON.stringify(sourceTable(outfile)));
  const warnings = result.warnings.filter((w) => !w.location?.file.includes('thaw-builder-entry')).map((w) => `${location(w)}: ${w.text}`);
  return { warnings, missing: [...missing].sort(), esm, usesRuntime };
}
