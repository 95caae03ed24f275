/**
 * Stack traces name the app's own files and lines, as a cold start's do
 * (the app runs as one bundle, named IMG/bundle.cjs by its //# sourceURL). Frames in the bundle
 * are mapped through IMG/bundle.stackmap, the source map decoded at build time
 * (runtime/protocol.ts), read once when the first stack is formatted: a few milliseconds,
 * where parsing the JSON source map costs hundreds (ts-service: 4.8 MB, ~460 ms). Frames of
 * thaw's own stand-ins keep naming the bundle. An app that installs its own
 * Error.prepareStackTrace later replaces this one, as it would any other.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PACKAGE_MAPS_DIR, STACKMAP_FILE, STACKMAP_SEGMENT as W } from '../protocol.js';
import { minifiedMap } from './minify.js';
import { pair } from './session.js';

export interface StackMap {
  files: string[];
  /** Names the bundler changed (`execute2`) → the names the source declares (`execute`). */
  renames: Record<string, string>;
  offsets: Uint32Array;
  segments: Int32Array;
}

export function readStackMap(file: string): StackMap | null {
  try {
    const buf = readFileSync(file);
    const len = buf.readUInt32LE(0);
    const header = JSON.parse(buf.toString('utf8', 4, 4 + len)) as { files: string[]; lines: number; renames?: Record<string, string> };
    let at = 4 + len;
    at += (4 - (at % 4)) % 4;
    // A copy with its own aligned buffer (the file's Buffer may sit at any offset of a pool).
    const body = new Uint8Array(buf.subarray(at));
    const offsets = new Uint32Array(body.buffer, 0, header.lines + 1);
    const segments = new Int32Array(body.buffer, (header.lines + 1) * 4);
    return { files: header.files, renames: header.renames ?? {}, offsets, segments };
  } catch {
    return null;
  }
}

/** The original [file, line, column] (1-based) of a bundle position (1-based), if mapped. */
export function lookup(m: StackMap, line: number, column: number): [string, number, number] | null {
  const i = line - 1;
  if (i < 0 || i + 1 >= m.offsets.length) return null;
  let lo = m.offsets[i]!;
  let hi = m.offsets[i + 1]! - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (m.segments[mid * W]! <= column - 1) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return null;
  const s = m.segments.subarray(found * W, found * W + W);
  const file = m.files[s[1]!];
  if (!file || file.includes('/src/runtime/') || file.startsWith('thaw-')) return null;
  // esbuild maps where each expression starts; V8 may report a position inside one (the `(` of
  // a call). Where the bundle's text is the original's, the distance carries over.
  const col = s[3]! + (s[4] ? column - 1 - s[0]! : 0);
  return [file, s[2]! + 1, col + 1];
}

/**
 * Map the bundle's frames from now on: while building (libraries such as `bindings` find their
 * package from a stack frame's file) through the map the host wrote beside the bundle, and in
 * every restored process through the one in the image, found beside the blob being restored
 * (the image may have moved since the build). The decoded map is let go at the checkpoint.
 */
export function mapStacks(bundleUrl: string, buildMap: string, buildPackageMaps = ''): void {
  let where: string[] = [buildMap];
  let packageDirs: string[] = [buildPackageMaps];
  let map: StackMap | null | undefined;
  /** Stack maps of the package files thaw's loader minified (guest/minify.ts), by number. */
  let packageMaps = new Map<number, StackMap | null>();
  const load = (): StackMap | null => {
    if (map === undefined) {
      map = null;
      for (const file of where) if ((map = readStackMap(file))) break;
    }
    return map;
  };
  const loadPackageMap = (n: number): StackMap | null => {
    let m = packageMaps.get(n);
    if (m === undefined) {
      m = null;
      for (const dir of packageDirs) if (dir && (m = readStackMap(join(dir, `${n}.stackmap`)))) break;
      packageMaps.set(n, m);
    }
    return m;
  };
  pair(
    'stack traces',
    () => {
      map = undefined;
      packageMaps = new Map();
    },
    () => {
      const blobArg = process.execArgv.indexOf('--snapshot-blob');
      const imageDir = blobArg >= 0 ? dirname(resolve(process.execArgv[blobArg + 1] ?? '')) : dirname(process.execPath);
      where = [resolve(imageDir, STACKMAP_FILE), resolve(dirname(bundleUrl), STACKMAP_FILE)];
      packageDirs = [resolve(imageDir, PACKAGE_MAPS_DIR), resolve(dirname(bundleUrl), PACKAGE_MAPS_DIR)];
    },
  );
  /** The call site as seen through the map (a stand-in object), or cs itself. */
  const mapped = (cs: NodeJS.CallSite): NodeJS.CallSite => {
    // getFileName() is where the builder read the bundle (a temporary path); the sourceURL is
    // what stack text shows.
    const file = cs.getScriptNameOrSourceURL?.() ?? cs.getFileName();
    const line = cs.getLineNumber();
    const col = cs.getColumnNumber();
    if (!file || !line || !col) return cs;
    const n = file === bundleUrl ? undefined : minifiedMap(file);
    if (file !== bundleUrl && n === undefined) return cs;
    const m = n === undefined ? load() : loadPackageMap(n);
    const at = m ? lookup(m, line, col) : null;
    if (!at) return cs;
    const [src, origLine, origCol] = at;
    const rename = (name: string | null): string | null => (name && Object.hasOwn(m!.renames, name) ? m!.renames[name]! : name);
    let text = String(cs).replace(`${file}:${line}:${col}`, `${src}:${origLine}:${origCol}`);
    const paren = text.lastIndexOf(' (');
    if (paren > 0) text = text.slice(0, paren).replace(/[A-Za-z_$][\w$]*/g, (w) => rename(w) ?? w) + text.slice(paren);
    const w: Record<string, unknown> = {};
    for (const k of CALLSITE_METHODS) {
      const f = (cs as unknown as Record<string, unknown>)[k];
      if (typeof f === 'function') w[k] = () => (f as () => unknown).call(cs);
    }
    Object.assign(w, {
      getFileName: () => src,
      getScriptNameOrSourceURL: () => src,
      getLineNumber: () => origLine,
      getColumnNumber: () => origCol,
      getFunctionName: () => rename(cs.getFunctionName()),
      getTypeName: () => rename(cs.getTypeName()),
      getMethodName: () => rename(cs.getMethodName()),
      toString: () => text,
    });
    return w as unknown as NodeJS.CallSite;
  };
  // Every formatter sees mapped call sites, thaw's default one and any the app (or a library:
  // `bindings` finds its package from a frame) assigns to Error.prepareStackTrace later: the
  // property becomes an accessor that hands out each formatter wrapped once.
  const format = (err: Error, sites: NodeJS.CallSite[]): string => {
    let head: string;
    try {
      head = Error.prototype.toString.call(err);
    } catch {
      head = 'Error';
    }
    return sites.length ? `${head}\n${sites.map((cs) => `    at ${String(cs)}`).join('\n')}` : head;
  };
  const wrapped = new WeakMap<Function, Function>();
  const original = new WeakMap<Function, Function>();
  const wrap = (fn: Function): Function => {
    let w = wrapped.get(fn);
    if (!w) {
      w = (err: Error, sites: NodeJS.CallSite[]): unknown => fn(err, sites.map(mapped));
      wrapped.set(fn, w);
      original.set(w, fn);
    }
    return w;
  };
  // Node 21+ defines a default formatter; Node 20 leaves it to V8.
  let current: Function = (Error as { prepareStackTrace?: Function }).prepareStackTrace ?? format;
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: true,
    enumerable: false,
    get: () => wrap(current),
    set: (fn: unknown) => {
      current = typeof fn === 'function' ? (original.get(fn) ?? fn) : format;
    },
  });
}

const CALLSITE_METHODS = ['getThis', 'getTypeName', 'getFunction', 'getFunctionName', 'getMethodName', 'getEvalOrigin', 'isToplevel', 'isEval', 'isNative', 'isConstructor', 'isAsync', 'isPromiseAll', 'getPromiseIndex', 'getScriptHash', 'getEnclosingColumnNumber', 'getEnclosingLineNumber', 'getPosition'];
