/**
 * Writes IMG/bundle.stackmap (the format is described in runtime/protocol.ts) from the bundle's
 * source map, so that stack traces of restored processes name the app's own files and lines,
 * as a cold start's do, without parsing the source map at run time.
 */
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STACKMAP_SEGMENT } from '../runtime/protocol.js';

/**
 * Is `file` an ES module to Node (.mjs/.mts, or .js/.ts under a package.json with "type": "module")?
 * Node names the frames of ES modules by URL (`file:///…`), CommonJS ones by path.
 */
function esModuleTest(): (file: string) => boolean {
  const typeOf = new Map<string, boolean>();
  const moduleType = (dir: string): boolean => {
    const hit = typeOf.get(dir);
    if (hit !== undefined) return hit;
    const pkg = join(dir, 'package.json');
    let esm: boolean;
    if (existsSync(pkg)) {
      try {
        esm = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        esm = false;
      }
    } else esm = dirname(dir) === dir ? false : moduleType(dirname(dir));
    typeOf.set(dir, esm);
    return esm;
  };
  // .ts follows package.json as .js does, under Node's type stripping; .mts is ESM, .cts not.
  return (file) => /\.m[jt]s$/.test(file) || (/\.[jt]sx?$/.test(file) && moduleType(dirname(file)));
}

export function writeStackMap(bundleFile: string, mapFile: string, outFile: string): void {
  const map = new TraceMap(readFileSync(mapFile, 'utf8'));
  const isEsm = esModuleTest();
  const files = map.sources.map((s) => {
    if (!s || s.includes(':')) return s ?? '';
    const file = resolve(dirname(mapFile), s);
    return isEsm(file) ? pathToFileURL(file).href : file;
  });
  const decoded = decodedMappings(map);
  const offsets = new Uint32Array(decoded.length + 1);
  let count = 0;
  decoded.forEach((line, i) => {
    offsets[i] = count;
    for (const seg of line) if (seg.length >= 4) count++;
  });
  offsets[decoded.length] = count;
  const bundleLines = readFileSync(bundleFile, 'utf8').split('\n');
  const sourceLines = new Map<number, string[] | null>();
  const linesOf = (i: number): string[] | null => {
    let l = sourceLines.get(i);
    if (l === undefined) {
      const s = map.sources[i];
      try {
        l = s && !s.includes(':') ? readFileSync(resolve(dirname(mapFile), s), 'utf8').split('\n') : null;
      } catch {
        l = null;
      }
      sourceLines.set(i, l);
    }
    return l;
  };
  const segments = new Int32Array(count * STACKMAP_SEGMENT);
  let k = 0;
  decoded.forEach((line, li) => {
    const segs = line.filter((seg) => seg.length >= 4);
    segs.forEach((seg, j) => {
      const end = j + 1 < segs.length ? segs[j + 1]![0] : (bundleLines[li]?.length ?? seg[0]);
      const generated = bundleLines[li]?.slice(seg[0], end) ?? '';
      const original = linesOf(seg[1]!)?.[seg[2]!]?.slice(seg[3]!, seg[3]! + generated.length);
      segments[k++] = seg[0];
      segments[k++] = seg[1]!;
      segments[k++] = seg[2]!;
      segments[k++] = seg[3]!;
      segments[k++] = generated.length > 0 && generated === original ? 1 : 0;
    });
  });
  // esbuild renames top-level names that collide in the bundle's one scope (`execute` →
  // `execute2`) and a class it lowers refers to itself as `_Name`; V8 names frames by the
  // declared name. The map's `names` give the originals.
  const renames: Record<string, string> = {};
  const conflicts = new Set<string>();
  decoded.forEach((line, li) => {
    for (const seg of line) {
      if (seg.length !== 5) continue;
      const original = map.names[seg[4]];
      const generated = /^[A-Za-z_$][\w$]*/.exec(bundleLines[li]?.slice(seg[0]) ?? '')?.[0];
      if (!original || !generated || generated === original || !new RegExp(`^_?${original.replace(/\$/g, '\\$')}\\d*$`).test(generated)) continue;
      if (renames[generated] !== undefined && renames[generated] !== original) conflicts.add(generated);
      renames[generated] = original;
    }
  });
  // `X = class _X {` (`X=class _X{` minified): the inner name esbuild gives a class it lowers
  // (no mapping names it).
  for (const m of readFileSync(bundleFile, 'utf8').matchAll(/\b([A-Za-z$][\w$]*) ?= ?class _\1\b/g)) {
    const original = renames[m[1]!] ?? m[1]!;
    if (renames[`_${m[1]}`] !== undefined && renames[`_${m[1]}`] !== original) conflicts.add(`_${m[1]}`);
    renames[`_${m[1]}`] = original;
  }
  for (const c of conflicts) delete renames[c];
  const header = Buffer.from(JSON.stringify({ files, lines: decoded.length, renames }));
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  const head = Buffer.alloc(4 + header.length + pad);
  head.writeUInt32LE(header.length, 0);
  header.copy(head, 4);
  writeFileSync(outFile, Buffer.concat([head, Buffer.from(offsets.buffer), Buffer.from(segments.buffer)]));
}
