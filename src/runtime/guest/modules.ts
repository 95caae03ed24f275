/**
 * require() inside the bundle. The snapshot builder gives the bundle a require() that loads
 * built-ins only, and Node's module loader cannot be used while building (a restore then stops
 * on `assert(!hasLoadedAnyUserCJSModule)`). Whatever the bundler could not resolve statically
 * reaches here: a computed `require(name)` (Express's view engine loading `ejs`, plugin
 * loaders, `bindings`), a native addon, an optional dependency that is not installed. The
 * bundle's banner routes its require() through `route()`:
 *
 * - built-ins go to the builder's require, the deferred ones to their stand-ins (guest/http.ts)
 *   and node:crypto to its guarded form (guest/entropy.ts);
 * - a package is resolved from the file that asked for it, as Node would (the file is found
 *   from the caller's bundle line through a table the host wrote from the source map), then,
 *   while building, loaded by a small CommonJS loader of thaw's own (vm.compileFunction, Node's
 *   resolution, module objects as Node makes them) so it is part of the snapshot; in a
 *   restored process, what the build did not load is required by Node itself;
 * - a native addon cannot be in a snapshot: while building it is refused, naming the package
 *   and the fix; in a restored process it loads normally.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuntimeRequire, SourceTable } from '../protocol.js';
import { deferredModule, isRestored } from './http.js';
import { guardedCrypto } from './entropy.js';
import { guardPromises } from './files.js';
import { oneByteComments, packageSource } from './minify.js';
import { pair, session } from './session.js';
import { freeBindings } from './web.js';
import { DEFERRED_MODULES, PACKAGE_PREFIX } from '../protocol.js';

/** What the bundle's banner hands over: the builder's require and the slot for thaw's route. */
export interface RequireSlot {
  builtin: NodeJS.Require;
  /** `fn` is the banner's function that was called: the frame above it is the caller. */
  hook: ((id: string, fn: Function) => unknown) | null;
  resolve: ((id: string, fn: Function, options?: { paths?: string[] }) => string) | null;
  paths: ((id: string, fn: Function) => string[] | null) | null;
  main: unknown;
}

interface LoadedModule {
  id: string;
  filename: string;
  path: string;
  exports: unknown;
  loaded: boolean;
  children: LoadedModule[];
  paths: string[];
  parent: object | null;
  require: NodeJS.Require;
}

const deferred = new Set<string>(DEFERRED_MODULES);
const cache: Record<string, LoadedModule> = Object.create(null);
const loadedAtBuild: RuntimeRequire[] = [];
let slot: RequireSlot;
let table: SourceTable = { files: [], lines: [] };
let bundleUrl = '';
let entry = '';

const nodeModule = (): typeof import('node:module') => (process as any).getBuiltinModule('node:module');
/** Node's own createRequire and getBuiltinModule, whatever the app is given while building. */
const realGetBuiltin = (process as any).getBuiltinModule as (id: string) => unknown;
const realCreateRequire = nodeModule().createRequire;

/** The source file of the bundle line `line` (1-based), from the host's table. */
function fileAtLine(line: number): string | undefined {
  const l = table.lines;
  let lo = 0;
  let hi = l.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid * 2]! <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? undefined : table.files[l[found * 2 + 1]!];
}

/** The file whose code called the bundle's require (the frame above `fn`). */
function callerFile(fn: Function): string | undefined {
  const holder: { stack?: unknown } = {};
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.prepareStackTrace = (_e, sites) => sites;
  try {
    Error.captureStackTrace(holder, fn);
    const site = (holder.stack as NodeJS.CallSite[] | undefined)?.[0];
    if (!site) return undefined;
    const file = site.getScriptNameOrSourceURL?.() ?? site.getFileName();
    if (file && file !== bundleUrl && isAbsolute(file) && !file.endsWith('.cjs')) return file;
    const line = site.getLineNumber();
    return line ? fileAtLine(line) : undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

function isBuiltin(id: string): boolean {
  return id.startsWith('node:') || nodeModule().isBuiltin(id);
}

function builtin(id: string): unknown {
  const name = id.replace(/^node:/, '');
  if (deferred.has(name)) return deferredModule(name);
  if (name === 'crypto') return guardedCrypto();
  if (name === 'fs/promises') return guardPromises(slot.builtin(id));
  return slot.builtin(id);
}

/** The package a file belongs to, as `name` (`@scope/name`), for messages. */
export function packageOf(file: string): string {
  const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? m[1]! : relative(process.cwd(), file);
}

const resolved = new Map<string, string>();
function resolveFrom(id: string, from: string | undefined, options?: { paths?: string[] }): string {
  // A bundled module's name in the source table is not always a path (`thaw-package:/…`).
  if (from !== undefined && !isAbsolute(from)) from = undefined;
  if (options) return realCreateRequire(from ?? entry).resolve(id, options);
  const key = `${from ?? entry}\0${id}`;
  let file = resolved.get(key);
  if (file === undefined) resolved.set(key, (file = realCreateRequire(from ?? entry).resolve(id)));
  return file;
}

/** require.resolve.paths(): where Node would look for `id` from `from`. */
function lookupPaths(id: string, from: string | undefined): string[] | null {
  return isBuiltin(id) ? null : realCreateRequire(from ?? entry).resolve.paths(id);
}

function nativeAddonError(file: string, from: string | undefined): Error {
  const pkg = packageOf(file);
  const message = `native addon ${relative(process.cwd(), file)} (package ${pkg}) was loaded during the build${from ? `, by ${relative(process.cwd(), from)}` : ''}; its memory lives outside the JS heap, so it cannot be part of a snapshot`;
  // Deep enough to reach the app's own call: an ORM loads its driver's addon a dozen frames
  // below the app's `new Sequelize(…)`.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const err = new Error(message);
  Error.stackTraceLimit = limit;
  return Object.assign(err, { code: 'E_NATIVE_ADDON', addon: file, package: pkg });
}

/** Would Node load this file as an ES module (.mjs, or .js under "type": "module")? */
function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { type?: string }).type === 'module';
    } catch {
      if (dirname(dir) === dir) return false;
    }
  }
}

/**
 * Node 22.12+ resolves require() through a package's "module-sync" export condition (it can
 * require ES modules); thaw's loader runs CommonJS only, so it takes the package's CommonJS
 * export instead, the one older Nodes take ("node", "require", "default").
 */
function commonJsExport(id: string, file: string): string | undefined {
  const m = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(id);
  const root = m ? file.slice(0, file.lastIndexOf(`/node_modules/${m[1]}/`) + `/node_modules/${m[1]}`.length) : '';
  if (!m || !root.endsWith(m[1]!)) return undefined;
  let pkg: { exports?: unknown };
  try {
    pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { exports?: unknown };
  } catch {
    return undefined;
  }
  const subpath = m[2] ? `.${m[2]}` : '.';
  const exp = pkg.exports as unknown;
  let target: unknown = typeof exp === 'string' || Array.isArray(exp) || (exp && typeof exp === 'object' && !Object.keys(exp).some((k) => k.startsWith('.'))) ? (subpath === '.' ? exp : undefined) : (exp as Record<string, unknown> | undefined)?.[subpath];
  const pick = (t: unknown): string | undefined => {
    if (typeof t === 'string') return t;
    if (Array.isArray(t)) {
      for (const x of t) {
        const r = pick(x);
        if (r) return r;
      }
      return undefined;
    }
    if (t && typeof t === 'object') {
      for (const [cond, v] of Object.entries(t)) if (cond === 'node' || cond === 'require' || cond === 'default') {
        const r = pick(v);
        if (r) return r;
      }
    }
    return undefined;
  };
  const rel = pick(target);
  const alt = rel ? `${root}/${rel.replace(/^\.\//, '')}` : undefined;
  return alt && !isEsm(alt) ? alt : undefined;
}

const MODULE_HEAD = 'return function (exports, require, module, __filename, __dirname) {';

/** Node's CommonJS loading of one file, done by thaw while building. */
function load(file: string, from: string | undefined): unknown {
  const hit = cache[file];
  if (hit) return hit.exports;
  if (file.endsWith('.node')) throw nativeAddonError(file, from);
  const text = readFileSync(file, 'utf8');
  // `parent` and `paths` as Node sets them: `if (!module.parent)` means "run as a script".
  // A package the bundle left to this loader was required by bundled code, which has no module
  // object here: its parent is the entry's.
  const parent = from ? (cache[from] ?? { id: from, filename: from, loaded: false }) : { id: '.', filename: entry, loaded: false };
  const paths = (nodeModule() as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  const mod: LoadedModule = { id: file, filename: file, path: dirname(file), exports: {}, loaded: false, children: [], paths, parent, require: undefined as unknown as NodeJS.Require };
  cache[from ?? '']?.children.push(mod);
  mod.require = makeRequire(file);
  cache[file] = mod;
  try {
    if (file.endsWith('.json')) {
      mod.exports = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } else {
      const esm = isEsm(file) ? esmAsCommonJs(file, text) : undefined;
      if (esm === null) {
        noteEsmRequire(file, from);
        throw Object.assign(new Error(`${relative(process.cwd(), file)} is an ES module, which thaw cannot load by a computed name during a build; import it statically, or load it after restore (onRestore)`), { code: 'E_RUNTIME_ESM' });
      }
      const vm = (process as any).getBuiltinModule('node:vm') as typeof import('node:vm');
      const code = esm ?? packageSource(file, text);
      const source = code.startsWith('#!') ? `//${code.slice(2)}` : code;
      // The module function sits inside one that binds the global object and the web globals
      // to thaw's build-time views (guest/web.ts), as the bundler does for bundled code; the
      // column offset keeps positions on the first line true. Comments keep the text one byte
      // per character (guest/minify.ts; a minified text is already).
      const wrapped = `${MODULE_HEAD}${source}\n}`;
      const { names, values } = freeBindings();
      const outer = vm.compileFunction(code === text ? oneByteComments(wrapped) : wrapped, names, { filename: file, columnOffset: -MODULE_HEAD.length });
      const fn = outer(...values) as Function;
      fn.call(mod.exports, mod.exports, mod.require, mod, file, dirname(file));
    }
    mod.loaded = true;
  } catch (e) {
    delete cache[file];
    throw e;
  }
  return mod.exports;
}

/**
 * An ES module that a CommonJS file requires (Node 20.19+ and 22.12+ allow it): esbuild's
 * CommonJS form of it, one file at a time, so its own imports become requires this loader
 * serves (ES modules among them) and `import.meta` is this file's. null when it cannot be made
 * CommonJS: top-level await (which Node's require() refuses too), or no esbuild. Its stack
 * frames name the file, with the converted text's lines.
 */
function esmAsCommonJs(file: string, text: string): string | null {
  const bin = session().config.esbuild;
  if (!bin) return null;
  const cp = (process as any).getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const meta = { url: pathToFileURL(file).href, dirname: dirname(file), filename: file };
  const defines = Object.entries(meta).map(([k, v]) => `--define:import.meta.${k}=${JSON.stringify(v)}`);
  const r = cp.spawnSync(bin, ['--format=cjs', '--platform=node', '--log-level=error', '--loader=js', `--sourcefile=${file}`, ...defines], { input: text, maxBuffer: 1 << 30, encoding: 'utf8' });
  return r.status === 0 && typeof r.stdout === 'string' ? r.stdout : null;
}

function makeRequire(from: string): NodeJS.Require {
  const req = function require(id: string): unknown {
    return route(id, from);
  } as NodeJS.Require;
  req.resolve = ((id: string, options?: { paths?: string[] }) => (isBuiltin(id) ? id : resolveFrom(id, from, options))) as NodeJS.RequireResolve;
  req.resolve.paths = (id: string) => lookupPaths(id, from);
  req.cache = cache as unknown as NodeJS.Require['cache'];
  // Node's own table: hooks that wrap require.extensions['.js'] see the loader's.
  req.extensions = (nodeModule() as unknown as { _extensions: NodeJS.RequireExtensions })._extensions;
  Object.defineProperty(req, 'main', { get: () => slot.main, configurable: true });
  return req;
}

/**
 * An ES module required by a package this loader ran: the packages from it up to the bundle go
 * into the report, and the host bundles them instead (esbuild turns the ES module into CommonJS).
 */
function noteEsmRequire(file: string, from: string | undefined): void {
  const packages: string[] = [];
  for (let m = from ? cache[from] : undefined; m; m = cache[(m.parent as { filename?: string } | null)?.filename ?? '']) {
    if (m.filename.includes('/node_modules/')) packages.push(packageOf(m.filename));
  }
  session().report.esmRequire ??= { file, packages: [...new Set(packages)] };
}

/** One require() of the bundle or of a module thaw loaded. */
function route(id: string, from: string | undefined): unknown {
  if (typeof id !== 'string') return slot.builtin(id);
  // A package the bundle left to this loader, by path (snapshot/bundle/packages.ts loadPackages): not a
  // computed name.
  const packaged = id.startsWith(PACKAGE_PREFIX);
  if (packaged) {
    id = id.slice(PACKAGE_PREFIX.length);
    from = undefined;
  }
  if (isBuiltin(id)) return builtin(id);
  const file = resolveFrom(id, from);
  const hit = cache[file];
  if (hit) return hit.exports;
  if (isRestored()) return realCreateRequire(from ?? entry)(id);
  // The requires a loaded module makes itself are its business; the report names the ones the
  // bundled code made by a computed name.
  const cjs = isEsm(file) ? (commonJsExport(id, file) ?? file) : file;
  if (!cjs.endsWith('.node') && !(from && cache[from]) && !packaged) loadedAtBuild.push({ request: id, from: from ?? entry, resolved: cjs });
  return load(cjs, from);
}

/**
 * The side doors to modules besides require(): `createRequire(import.meta.url)` (ES modules
 * that load CommonJS packages or built-ins, as bundlers' ESM output does) and
 * `process.getBuiltinModule()`. Node's own would load the real node:http (which V8 cannot
 * snapshot) and packages outside thaw's loader; while building they go where require() goes.
 * A restore puts Node's own back; a require made by the build's createRequire keeps routing
 * (after restore, to Node's loader).
 */
function routeSideDoors(): void {
  const Module = nodeModule() as unknown as { createRequire: (from: string | URL) => NodeJS.Require };
  const createRequire = function createRequire(from: string | URL): NodeJS.Require {
    if (isRestored()) return realCreateRequire(from);
    const file = from instanceof URL || (typeof from === 'string' && from.startsWith('file:')) ? fileURLToPath(from) : from;
    // Node's own checks and messages for a relative path or a bad argument.
    if (typeof file !== 'string' || !isAbsolute(file)) return realCreateRequire(from);
    return makeRequire(file);
  };
  let inCrypto = false;
  const getBuiltinModule = function getBuiltinModule(id: string): unknown {
    if (isRestored() || typeof id !== 'string' || !isBuiltin(id)) return realGetBuiltin.call(process, id);
    const name = id.replace(/^node:/, '');
    if (name === 'crypto') {
      // guardedCrypto() reads the module through this function too.
      if (inCrypto) return realGetBuiltin.call(process, id);
      inCrypto = true;
      try {
        return guardedCrypto();
      } finally {
        inCrypto = false;
      }
    }
    return deferred.has(name) ? deferredModule(name) : realGetBuiltin.call(process, id);
  };
  Module.createRequire = createRequire;
  (process as any).getBuiltinModule = getBuiltinModule;
  pair('createRequire and getBuiltinModule', undefined, () => {
    Module.createRequire = realCreateRequire;
    (process as any).getBuiltinModule = realGetBuiltin;
  });
}

export function routeRequires(s: RequireSlot): void {
  const { config } = session();
  slot = s;
  bundleUrl = config.bundleUrl;
  entry = config.entry;
  try {
    table = JSON.parse(readFileSync(config.sourcesPath, 'utf8')) as SourceTable;
  } catch {
    /* no table: computed requires resolve from the entry's directory */
  }
  s.hook = (id, fn) => (typeof id === 'string' && isBuiltin(id) ? builtin(id) : route(id, callerFile(fn)));
  s.resolve = (id, fn, options) => (isBuiltin(id) ? id : resolveFrom(id, callerFile(fn), options));
  s.paths = (id, fn) => lookupPaths(id, callerFile(fn));
  session().collectors.push((r) => {
    r.runtimeRequires = loadedAtBuild.slice();
  });
  pair('modules loaded during the build', undefined, seedNodeCache);
  routeSideDoors();
}

/**
 * Node's own loader, which loads what the build did not, gets the modules thaw loaded, so a
 * package has one copy (React's hooks need the one React).
 */
function seedNodeCache(): void {
  const Module = nodeModule() as unknown as { new (id: string, parent?: unknown): Record<string, unknown>; _cache: Record<string, unknown>; _nodeModulePaths(dir: string): string[] };
  for (const [file, mod] of Object.entries(cache)) {
    if (Module._cache[file]) continue;
    const m = new Module(file, null);
    m.filename = file;
    m.paths = Module._nodeModulePaths(dirname(file));
    m.exports = mod.exports;
    m.loaded = mod.loaded;
    Module._cache[file] = m;
  }
}

