/**
 * Bundle the app and thaw's builder prelude into the one CommonJS file that
 * `node --build-snapshot` accepts (it cannot load user modules from disk, only built-ins).
 *
 * - node:http, https, http2, tls and their _http_* internals resolve to thaw's stand-ins
 *   (src/runtime/deferred.ts); every other built-in stays a real require().
 * - `import 'thaw'` resolves to the same runtime the prelude uses, so there is one state.
 * - import.meta.url/dirname/filename and __dirname/__filename keep meaning the app's own source
 *   file, not the bundle (esbuild leaves them to the output's location).
 * - Native addons and top-level await cannot go into a snapshot: they are named with the fix.
 */
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ThawError } from '../errors.js';
import { DEFERRED_MODULES } from '../runtime/deferred.js';
import type { BuildConfig } from '../runtime/builder.js';

/** thaw's source tree (the runtime is bundled from its TypeScript source). */
export const srcRoot = fileURLToPath(new URL('../../../src/', import.meta.url));
const runtimeDir = join(srcRoot, 'runtime');

export interface BundleResult {
  /** esbuild warnings worth showing in doctor (dynamic requires and such). */
  warnings: string[];
  /** Source files of the app that went into the bundle (relative to cwd), for the manifest. */
  inputs: number;
}

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

function location(m: esbuild.Message): string {
  const l = m.location;
  return l ? `${l.file}:${l.line}:${l.column + 1}` : '';
}

export async function bundle(entry: string, outfile: string, config: BuildConfig, targetMajor: number, finalPath = outfile): Promise<BundleResult> {
  const deferredPath = join(runtimeDir, 'deferred.ts');
  const builderPath = join(runtimeDir, 'builder.ts');
  const nativeAddons: string[] = [];
  const plugins: esbuild.Plugin[] = [
    {
      name: 'thaw-defer',
      setup(b) {
        const names = DEFERRED_MODULES.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
        b.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'thaw-deferred' }));
        b.onLoad({ filter: /.*/, namespace: 'thaw-deferred' }, (args) => ({
          contents: `module.exports = require(${JSON.stringify(deferredPath)}).deferredModule(${JSON.stringify(args.path)});`,
          resolveDir: runtimeDir,
          loader: 'js',
        }));
        b.onResolve({ filter: /^thaw$/ }, () => ({ path: join(runtimeDir, 'index.ts') }));
        // node:crypto is the real module, guarded on first load (runtime/entropy.ts).
        b.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: 'crypto', namespace: 'thaw-crypto' }));
        b.onLoad({ filter: /.*/, namespace: 'thaw-crypto' }, () => ({
          contents: `module.exports = require(${JSON.stringify(join(runtimeDir, 'entropy.ts'))}).guardedCrypto();`,
          resolveDir: runtimeDir,
          loader: 'js',
        }));
        b.onResolve({ filter: /\.node$/ }, (args) => {
          nativeAddons.push(`${args.path} (imported by ${relative(process.cwd(), args.importer)})`);
          return { path: args.path, external: true };
        });
      },
    },
    {
      name: 'thaw-file-meta',
      setup(b) {
        b.onLoad({ filter: /\.(m|c)?[jt]sx?$/ }, (args) => {
          if (args.path.startsWith(runtimeDir)) return undefined;
          const text = readFileSync(args.path, 'utf8');
          const usesMeta = text.includes('import.meta');
          const usesDir = text.includes('__dirname') || text.includes('__filename');
          if (!usesMeta && !usesDir) return undefined;
          let out = text;
          const url = pathToFileURL(args.path).href;
          if (usesMeta) {
            out = out
              .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
              .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
              .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
          }
          if (usesDir) {
            const decl: string[] = [];
            // Only where the file does not declare them itself (`const __dirname = …` in ESM).
            if (text.includes('__dirname') && !/\b(const|let|var)\s+__dirname\b/.test(text)) decl.push(`__dirname = ${JSON.stringify(dirname(args.path))}`);
            if (text.includes('__filename') && !/\b(const|let|var)\s+__filename\b/.test(text)) decl.push(`__filename = ${JSON.stringify(args.path)}`);
            // A shebang must stay on the first line.
            if (decl.length) out = out.startsWith('#!') ? out.replace(/^(#![^\n]*\n)/, `$1var ${decl.join(', ')};`) : `var ${decl.join(', ')};` + out;
          }
          return { contents: out, loader: LOADERS[extname(args.path)] ?? 'js' };
        });
      },
    },
  ];
  const entryCode = [
    `const thaw = require(${JSON.stringify(builderPath)});`,
    `thaw.begin(${JSON.stringify(config)});`,
    `thaw.runApp(() => require(${JSON.stringify(entry)}));`,
  ].join('\n');
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      stdin: { contents: entryCode, resolveDir: dirname(entry), sourcefile: 'thaw-builder-entry.cjs', loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${targetMajor}`,
      outfile,
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      metafile: true,
      legalComments: 'none',
      // Stack traces in restored processes name the bundle where the image keeps it, not the
      // temporary directory it was built in.
      footer: { js: `//# sourceURL=${finalPath}` },
      plugins,
      // Free references to fetch/Request/Response/… become thaw's stand-ins (see web-globals.ts).
      inject: [join(runtimeDir, 'web-globals.ts')],
    });
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
    const tla = errors.find((e) => /top-level await/i.test(e.text));
    if (tla) {
      throw new ThawError('E_TOP_LEVEL_AWAIT', `top-level await at ${location(tla)} cannot go into a snapshot (the snapshot entry runs as one synchronous script)`, {
        hint: 'move the awaited work into an async init function the app calls, or into onRestore() when it must run in every process',
      });
    }
    const first = errors[0];
    if (first) {
      const unresolved = /Could not resolve "([^"]+)"/.exec(first.text);
      if (unresolved) {
        throw new ThawError('E_MODULE_NOT_FOUND', `${location(first)}: cannot resolve "${unresolved[1]}"`, { hint: `install it (npm install ${unresolved[1]}) or fix the import path` });
      }
      throw new ThawError('E_SYNTAX', `${location(first)}: ${first.text}`, {
        hint: 'fix the source; it must also run with plain node',
        detail: errors.slice(1, 5).map((e) => `${location(e)}: ${e.text}`).join('\n') || undefined,
      });
    }
    throw err;
  }
  if (nativeAddons.length) {
    throw new ThawError('E_NATIVE_ADDON', `native addon ${nativeAddons[0]} cannot go into a V8 snapshot (its memory lives outside the JS heap)`, {
      hint: 'load it lazily after restore (require it inside onRestore() or a request handler), or use a pure-JS alternative',
    });
  }
  const warnings = result.warnings
    .filter((w) => !w.location?.file.includes('thaw-builder-entry'))
    .map((w) => `${location(w)}: ${w.text}`);
  return { warnings, inputs: Object.keys(result.metafile?.inputs ?? {}).length };
}
