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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACKMAP_SEGMENT as W } from '../protocol.js';

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

/** A source map's `mappings` as [generated column, source, line, column] per generated line. */
export function decodeMappings(mappings: string): number[][][] {
  const lines: number[][][] = [[]];
  const state = [0, 0, 0, 0];
  let seg: number[] = [];
  let value = 0;
  let shift = 0;
  const end = (): void => {
    if (seg.length) lines[lines.length - 1]!.push(seg.length >= 4 ? seg.slice(0, 4) : seg.slice(0, 1));
    seg = [];
  };
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 44 /* , */) end();
    else if (c === 59 /* ; */) {
      end();
      lines.push([]);
      state[0] = 0;
    } else {
      const digit = B64_VALUE[c] ?? -1;
      if (digit < 0) throw new Error(`bad source map character ${mappings[i]}`);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        const n = value & 1 ? -(value >>> 1) : value >>> 1;
        const k = seg.length;
        if (k < 4) {
          state[k]! += n;
          seg.push(state[k]!);
        } else seg.push(n);
        value = 0;
        shift = 0;
      }
    }
  }
  end();
  return lines;
}

/**
 * The stack map (runtime/protocol.ts's format) of `generated`, printed from `original` (the
 * source map's only source, named `file`).
 */
export function encodeStackMap(file: string, generated: string, original: string, lines: number[][][]): Buffer {
  const genLines = generated.split('\n');
  const origLines = original.split('\n');
  const offsets = new Uint32Array(lines.length + 1);
  let count = 0;
  lines.forEach((line, i) => {
    offsets[i] = count;
    for (const s of line) if (s.length >= 4) count++;
  });
  offsets[lines.length] = count;
  const segments = new Int32Array(count * W);
  let k = 0;
  lines.forEach((line, li) => {
    const segs = line.filter((s) => s.length >= 4);
    segs.forEach((s, j) => {
      const text = genLines[li] ?? '';
      const to = j + 1 < segs.length ? segs[j + 1]![0]! : text.length;
      const gen = text.slice(s[0], to);
      const orig = origLines[s[2]!]?.slice(s[3], s[3]! + gen.length);
      segments[k++] = s[0]!;
      segments[k++] = 0;
      segments[k++] = s[2]!;
      segments[k++] = s[3]!;
      segments[k++] = gen.length > 0 && gen === orig ? 1 : 0;
    });
  });
  const header = Buffer.from(JSON.stringify({ files: [file], lines: lines.length }));
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  const head = Buffer.alloc(4 + header.length + pad);
  head.writeUInt32LE(header.length, 0);
  header.copy(head, 4);
  return Buffer.concat([head, Buffer.from(offsets.buffer), Buffer.from(segments.buffer)]);
}

const MAP_MARK = '\n//# sourceMappingURL=data:application/json;base64,';

/**
 * `text` (the file `file`) as V8 should compile it: whitespace-minified when the build asked for
 * it and esbuild could print it, else unchanged (a file esbuild does not parse is left alone).
 */
export function packageSource(file: string, text: string): string {
  if (!settings || text.length < 512) return text;
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
  writeFileSync(join(settings.dir, `${n}.stackmap`), encodeStackMap(file, code, text, decodeMappings(map.mappings)));
  minifiedFiles.set(file, n);
  return code;
}
