/**
 * Stack traces in a restored process can point at the app's own source. The app runs as one
 * bundle, named IMG/bundle.cjs by its //# sourceURL. With Node's own switch for this,
 * --enable-source-maps (e.g. NODE_OPTIONS=--enable-source-maps IMG/start), frames in the bundle
 * are mapped through IMG/bundle.cjs.map with node:module's SourceMap when a stack is formatted,
 * the map loaded once on first use. Like Node, thaw leaves it off by default: parsing a large
 * map costs hundreds of milliseconds (ts-service: 4.8 MB, ~460 ms), which a restore should not
 * pay because some library formatted a stack. An app that installs its own
 * Error.prepareStackTrace later replaces this one, as it would any other.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

interface Entry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

export function mapRestoredStacks(bundleUrl: string): void {
  if (!(process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled && !process.execArgv.includes('--enable-source-maps')) return;
  // The image may have moved since the build: find the map beside the blob being restored.
  const blobArg = process.execArgv.indexOf('--snapshot-blob');
  const imageDir = blobArg >= 0 ? dirname(resolve(process.execArgv[blobArg + 1] ?? '')) : dirname(process.execPath);
  let map: { findEntry(line: number, column: number): Entry } | null | undefined;
  const load = (): typeof map => {
    if (map === undefined) {
      map = null;
      for (const file of [resolve(imageDir, 'bundle.cjs.map'), `${bundleUrl}.map`]) {
        try {
          const { SourceMap } = (process as any).getBuiltinModule('node:module');
          map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
          break;
        } catch {
          /* try the next place; unmapped frames are still correct, just less helpful */
        }
      }
    }
    return map;
  };
  /** The call site as seen through the source map (a stand-in object), or cs itself. */
  const mapped = (cs: NodeJS.CallSite): NodeJS.CallSite => {
    // getFileName() is where the builder read the bundle (a temporary path); the sourceURL is
    // what stack text shows.
    const file = cs.getScriptNameOrSourceURL?.() ?? cs.getFileName();
    const line = cs.getLineNumber();
    const col = cs.getColumnNumber();
    if (file !== bundleUrl || !line || !col) return cs;
    const e = load()?.findEntry(line - 1, col - 1);
    if (!e?.originalSource || e.originalSource.startsWith('thaw-') || e.originalLine === undefined) return cs;
    const src = resolve(dirname(bundleUrl), e.originalSource);
    const origLine = e.originalLine + 1;
    const origCol = (e.originalColumn ?? 0) + 1;
    const text = String(cs).replace(`${file}:${line}:${col}`, `${src}:${origLine}:${origCol}`);
    const w: Record<string, unknown> = {};
    for (const k of CALLSITE_METHODS) {
      const f = (cs as unknown as Record<string, unknown>)[k];
      if (typeof f === 'function') w[k] = () => (f as () => unknown).call(cs);
    }
    Object.assign(w, { getFileName: () => src, getScriptNameOrSourceURL: () => src, getLineNumber: () => origLine, getColumnNumber: () => origCol, toString: () => text });
    return w as unknown as NodeJS.CallSite;
  };
  // Chain to whatever formats stacks now (Node 21+ defines a default prepareStackTrace): it
  // gets call sites that answer with the original positions.
  const prev = Error.prepareStackTrace;
  Error.prepareStackTrace = (err: Error, callsites: NodeJS.CallSite[]): unknown => {
    const sites = callsites.map(mapped);
    if (prev) return prev(err, sites);
    let head: string;
    try {
      head = Error.prototype.toString.call(err);
    } catch {
      head = 'Error';
    }
    return sites.length ? `${head}\n${sites.map((cs) => `    at ${String(cs)}`).join('\n')}` : head;
  };
}

const CALLSITE_METHODS = ['getThis', 'getTypeName', 'getFunction', 'getFunctionName', 'getMethodName', 'getEvalOrigin', 'isToplevel', 'isEval', 'isNative', 'isConstructor', 'isAsync', 'isPromiseAll', 'getPromiseIndex', 'getScriptHash', 'getEnclosingColumnNumber', 'getEnclosingLineNumber', 'getPosition'];
