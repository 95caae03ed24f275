/**
 * Resolving as Node resolves: CommonJS packages loaded from node_modules by thaw's loader while
 * building, missing packages that fail only when reached, and expanded requires that try Node's
 * extensions.
 */
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { PACKAGE_PREFIX } from '../../runtime/protocol.js';

/**
 * A CommonJS file in node_modules, imported by the bundled code, becomes a run-time require of
 * its path, which thaw's loader serves while building (runtime/guest/modules.ts). ES module
 * packages are bundled: the loader runs CommonJS only.
 */
export function loadPackages(b: esbuild.PluginBuild, bundled: ReadonlySet<string>): void {
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
export function optionalModules(b: esbuild.PluginBuild, missing: Set<string>): void {
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
 * optional plugins tests it). The lookup's `throw` (as esbuild writes it, whitespace-minified
 * or not) becomes a call of GLOB_HELPER, which the bundle's banner defines, padded with spaces
 * to the same length: every line and column after it holds, so the source map does.
 */
const GLOB_MISS = /throw new Error\("Module not found in bundle: " ?\+ ?path\);?/;
const GLOB_CALL = 'return __thawGlob(map, path);';

export const GLOB_HELPER =
  'function __thawGlob(map, path) { for (var ext of [".js", ".json", ".node", "/index.js", "/index.json", "/index.node"]) if (map[path + ext]) return map[path + ext](); ' +
  'throw Object.assign(new Error("Cannot find module \'" + path + "\'"), { code: "MODULE_NOT_FOUND" }); }\n';

export function resolveLikeNode(text: string): string {
  return text.replace(GLOB_MISS, (miss) => GLOB_CALL.padEnd(miss.length, ' '));
}
