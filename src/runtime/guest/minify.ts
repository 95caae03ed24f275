/**
 * Whitespace-minified package sources (`thaw build --minify-packages`). The source text of every
 * function V8 has not compiled yet stays in the snapshot, so a package's comments and
 * indentation are bytes every restore deserialises (typescript.js: 9.1 → 6.7 MB). While
 * building, thaw's loader (guest/modules.ts) hands V8 each package file as esbuild prints it
 * with whitespace and comments removed; names are kept, so `constructor.name` and libraries
 * that read parameter names from `Function.prototype.toString()` still work. Each file's source
 * map is decoded into the stack map format (runtime/protocol.ts) and written into the image,
 * one file per package file, so stack traces of the build and of every restore name the
 * original lines (guest/stacks.ts reads them when a frame of such a file is formatted).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACKMAP_SEGMENT as W } from '../protocol.js';
import { pair } from './session.js';

/** Minified file → the number of its stack map (`N.stackmap` in the image's package maps). */
const minifiedFiles = new Map<string, number>();
let settings: { esbuild: string; dir: string } | undefined;

export function minifyPackages(config: { esbuild: string; dir: string } | undefined): void {
  settings = config;
}

/** The stack map number of a file thaw's loader minified, if it did. */
export function minifiedMap(file: string): number | undefined {
  return minifiedFiles.get(file);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/**
 * The stack map (runtime/protocol.ts's format) of `generated`, printed from `original` (the
 * source map's only source, named `file`), from the source map's `mappings`. One pass into
 * typed arrays: typescript.js has ~750k segments.
 */
export function encodeStackMap(file: string, generated: string, original: string, mappings: string): Buffer {
  const lineStarts = (text: string): number[] => {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  };
  const gen = lineStarts(generated);
  const orig = lineStarts(original);
  const lineEnd = (starts: number[], text: string, l: number): number => (l + 1 < starts.length ? starts[l + 1]! - 1 : text.length);
  let segments = new Int32Array(1 << 16);
  const offsets: number[] = [0];
  let n = 0;
  /** Is generated[g0, g1) the same text as original line l from column c? */
  const same = (g0: number, g1: number, l: number, c: number): boolean => {
    if (g1 <= g0 || l >= orig.length) return false;
    const o0 = orig[l]! + c;
    if (o0 + (g1 - g0) > lineEnd(orig, original, l)) return false;
    for (let i = 0; i < g1 - g0; i++) if (generated.charCodeAt(g0 + i) !== original.charCodeAt(o0 + i)) return false;
    return true;
  };
  // The previous segment's exact flag is known once the next one (or the line's end) is.
  const close = (line: number, nextCol: number): void => {
    if (n === offsets[offsets.length - 1]) return;
    const k = (n - 1) * W;
    const g0 = gen[line]! + segments[k]!;
    segments[k + 4] = same(g0, gen[line]! + nextCol, segments[k + 2]!, segments[k + 3]!) ? 1 : 0;
  };
  let line = 0;
  const state = [0, 0, 0, 0];
  let field = 0;
  let value = 0;
  let shift = 0;
  const pending: number[] = [0, 0, 0, 0];
  const endSegment = (): void => {
    if (field >= 4) {
      close(line, pending[0]!);
      if ((n + 1) * W > segments.length) {
        const bigger = new Int32Array(segments.length * 2);
        bigger.set(segments);
        segments = bigger;
      }
      const k = n * W;
      segments[k] = pending[0]!;
      segments[k + 1] = 0;
      segments[k + 2] = pending[2]!;
      segments[k + 3] = pending[3]!;
      segments[k + 4] = 0;
      n++;
    }
    field = 0;
  };
  const endLine = (): void => {
    endSegment();
    if (line < gen.length) close(line, lineEnd(gen, generated, line) - gen[line]!);
    offsets.push(n);
    line++;
    state[0] = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 44 /* , */) endSegment();
    else if (c === 59 /* ; */) endLine();
    else {
      const digit = B64_VALUE[c] ?? -1;
      if (digit < 0) throw new Error(`bad source map character ${mappings[i]}`);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        const v = value & 1 ? -(value >>> 1) : value >>> 1;
        if (field < 4) pending[field] = state[field]! += v;
        field++;
        value = 0;
        shift = 0;
      }
    }
  }
  endLine();
  const header = Buffer.from(JSON.stringify({ files: [file], lines: offsets.length - 1 }));
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  const head = Buffer.alloc(4 + header.length + pad);
  head.writeUInt32LE(header.length, 0);
  header.copy(head, 4);
  return Buffer.concat([head, Buffer.from(Uint32Array.from(offsets).buffer), Buffer.from(segments.buffer, 0, n * W * 4)]);
}

/**
 * Smaller files are left as they are: each file minified is one run of esbuild while building
 * (~5 ms, far more on a loaded machine), and Express's 91 files, most of them a few kB, gave
 * 47 kB less snapshot for 3 s more build.
 */
const MIN_BYTES = 32 * 1024;

const MAP_MARK = '\n//# sourceMappingURL=data:application/json;base64,';

/**
 * `text` (the file `file`) as V8 should compile it: whitespace-minified when the build asked for
 * it and esbuild could print it, else unchanged (a file esbuild does not parse is left alone).
 */
export function packageSource(file: string, text: string): string {
  if (!settings || text.length < MIN_BYTES) return text;
  const cp = (process as any).getBuiltinModule('node:child_process') as typeof import('node:child_process');
  const r = cp.spawnSync(settings.esbuild, ['--minify-whitespace', '--sourcemap=inline', '--sources-content=false', '--log-level=error', '--loader=js', `--sourcefile=${file}`], { input: text, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return text;
  const at = r.stdout.lastIndexOf(MAP_MARK);
  if (at < 0) return text;
  const code = r.stdout.slice(0, at);
  // Keep the original when minifying saves little: its stack map would cost more than it saves.
  if (code.length > text.length * 0.95) return text;
  let map: { mappings: string };
  try {
    map = JSON.parse(Buffer.from(r.stdout.slice(at + MAP_MARK.length).trim(), 'base64').toString('utf8')) as { mappings: string };
  } catch {
    return text;
  }
  const n = minifiedFiles.size;
  mkdirSync(settings.dir, { recursive: true });
  writeFileSync(join(settings.dir, `${n}.stackmap`), encodeStackMap(file, code, text, map.mappings));
  minifiedFiles.set(file, n);
  return code;
}

type Parse = (text: string, options: Record<string, unknown>) => unknown;
let acornPath: string | undefined;
let parse: Parse | null | undefined;

/**
 * The parser that finds comments in package files (acorn, from thaw's own dependencies), loaded
 * while building only when a file needs it, and let go at the checkpoint.
 */
export function findComments(path: string | undefined): void {
  acornPath = path;
  parse = undefined;
  const v8 = (process as any).getBuiltinModule('node:v8') as typeof import('node:v8');
  if (!v8.startupSnapshot.isBuildingSnapshot()) return;
  pair('the comment finder', () => {
    parse = undefined;
    acornPath = undefined;
  }, undefined);
}

function parser(): Parse | null {
  if (parse === undefined) {
    parse = null;
    if (!acornPath) return null;
    try {
      const vm = (process as any).getBuiltinModule('node:vm') as typeof import('node:vm');
      const mod = { exports: {} as { parse?: Parse } };
      vm.compileFunction(readFileSync(acornPath, 'utf8'), ['exports', 'module'], { filename: acornPath })(mod.exports, mod);
      parse = mod.exports.parse ?? null;
    } catch {
      parse = null;
    }
  }
  return parse;
}

/**
 * A package file's source kept one byte per character where only its comments hold characters
 * above U+00FF (one `’` or `—` makes V8 hold the whole file two bytes per character in the
 * snapshot): each such UTF-16 unit becomes `?`, so lines and columns stay as they are. A file
 * with such a character elsewhere (a string, a name, a regular expression), or one the parser
 * does not accept, is left as it is.
 *
 * The parser runs on the converted text itself, which is what V8 then compiles: whatever of the
 * parse stays reachable into the snapshot (parsing the original kept the whole two-byte text in
 * it, aws-s3-service +0.55 MB) is then the one string the snapshot holds anyway.
 */
export function oneByteComments(text: string): string {
  let first = -1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) {
    first = i;
    break;
  }
  if (first < 0) return text;
  const p = parser();
  if (!p) return text;
  // Latin-1 bytes, one per UTF-16 unit, so every index stays; the wide ones become `?`.
  const bytes = Buffer.from(text, 'latin1');
  for (let i = first; i < text.length; i++) if (text.charCodeAt(i) > 0xff) bytes[i] = 0x3f;
  const out = bytes.toString('latin1');
  const comments: number[] = [];
  try {
    p(out, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, onComment: (_b: boolean, _t: string, start: number, end: number) => void comments.push(start, end) });
  } catch {
    return text;
  }
  let k = 0;
  for (let i = first; i < text.length; i++) {
    if (text.charCodeAt(i) <= 0xff) continue;
    while (k < comments.length && comments[k + 1]! <= i) k += 2;
    if (k >= comments.length || comments[k]! > i) return text;
  }
  return out;
}
