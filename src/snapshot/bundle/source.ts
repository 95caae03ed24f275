/**
 * The app's own files as Node would run them (an esbuild plugin): decorator metadata,
 * import.meta, __dirname/__filename, require.main, requires that match no file left to run time.
 */
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DECORATOR, TS, wantsDecoratorMetadata, type TypeScriptFor } from './typescript.js';

/** thaw's source tree (the runtime is bundled from its TypeScript source). */
export const srcRoot = fileURLToPath(new URL('../../../../src/', import.meta.url));
export const runtimeDir = join(srcRoot, 'runtime');
export const guestDir = join(runtimeDir, 'guest');

export const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

/**
 * `import.meta.*` in the app's files: each becomes a per-file variable (esbuild `define` swaps
 * the expression for the identifier in the syntax tree, so strings that merely contain the
 * words keep them; the file declares the variable with its own value).
 */
export const META: Record<string, string> = { 'import.meta.url': '__thaw_meta_url', 'import.meta.dirname': '__thaw_meta_dirname', 'import.meta.filename': '__thaw_meta_filename' };

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
export function sourcePlugin(entry: string, typescript: TypeScriptFor, sites: Map<string, RuntimeRequireSite[]>): esbuild.Plugin {
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
export async function buildWithRuntimeRequires<T>(sites: Map<string, RuntimeRequireSite[]>, build: () => Promise<T>): Promise<T> {
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
