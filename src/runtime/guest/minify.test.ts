import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import * as esbuild from 'esbuild';
import { encodeStackMap, findComments, minifiedMap, minifyPackages, oneByteComments, packageSource } from './minify.js';
import { lookup, readStackMap } from './stacks.js';

const ORIGINAL = `'use strict';
/** A comment the minified text drops. */
function first(a, b) {
    if (a > b) {
        throw new RangeError('a > b: ' + a);
    }
    return   b - a;
}

module.exports = { first, second: (x) => {
  // another
  return x.map((v) =>   v * 2);
} };
`.repeat(12);

test('the stack map holds the source map\'s segments as @jridgewell/trace-mapping decodes them', () => {
  const out = esbuild.transformSync(ORIGINAL, { minifyWhitespace: true, sourcemap: 'external', sourcefile: '/pkg/index.js' });
  const dir = mkdtempSync(join(tmpdir(), 'thaw-minify-unit-'));
  try {
    writeFileSync(join(dir, 'm.stackmap'), encodeStackMap('/pkg/index.js', out.code, ORIGINAL, (JSON.parse(out.map) as { mappings: string }).mappings));
    const m = readStackMap(join(dir, 'm.stackmap'))!;
    const theirs = decodedMappings(new TraceMap(out.map)).map((line) => line.filter((s) => s.length >= 4).map((s) => [s[0], s[2], s[3]]));
    const ours = theirs.map((_, i) => {
      const segs: number[][] = [];
      for (let k = m.offsets[i]!; k < m.offsets[i + 1]!; k++) segs.push([m.segments[k * 5]!, m.segments[k * 5 + 2]!, m.segments[k * 5 + 3]!]);
      return segs;
    });
    assert.deepEqual(ours, theirs);
    assert.deepEqual(m.files, ['/pkg/index.js']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every `throw` of the minified text maps back to its line and column in the original', () => {
  const out = esbuild.transformSync(ORIGINAL, { minifyWhitespace: true, sourcemap: 'external', sourcefile: '/pkg/index.js' });
  const dir = mkdtempSync(join(tmpdir(), 'thaw-minify-unit-'));
  try {
    const file = join(dir, 'm.stackmap');
    const buf = encodeStackMap('/pkg/index.js', out.code, ORIGINAL, (JSON.parse(out.map) as { mappings: string }).mappings);
    writeFileSync(file, buf);
    const m = readStackMap(file)!;
    const genLines = out.code.split('\n');
    const origThrows: Array<[number, number]> = [];
    ORIGINAL.split('\n').forEach((l, i) => {
      const c = l.indexOf('throw');
      if (c >= 0) origThrows.push([i + 1, c + 1]);
    });
    const found: Array<[number, number]> = [];
    genLines.forEach((l, i) => {
      for (let c = l.indexOf('throw'); c >= 0; c = l.indexOf('throw', c + 1)) {
        const at = lookup(m, i + 1, c + 1);
        assert.ok(at, `a mapping for ${i + 1}:${c + 1}`);
        assert.equal(at![0], '/pkg/index.js');
        found.push([at![1], at![2]]);
      }
    });
    assert.ok(out.code.length < ORIGINAL.length * 0.8, 'the text is smaller');
    assert.deepEqual(found, origThrows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packageSource minifies through the esbuild executable and registers the stack map; a file esbuild cannot parse, or a small one, is left as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thaw-minify-unit-'));
  try {
    const bin = createRequire(createRequire(import.meta.url).resolve('esbuild')).resolve(`@esbuild/${process.platform}-${process.arch}/bin/esbuild`);
    minifyPackages({ esbuild: bin, dir });
    const big = ORIGINAL.repeat(16);
    const code = packageSource('/pkg/a.js', big);
    assert.ok(code.length < big.length * 0.8);
    assert.doesNotThrow(() => new Function('module', code)({ exports: {} }));
    assert.equal(minifiedMap('/pkg/a.js'), 0);
    assert.ok(readFileSync(join(dir, '0.stackmap')).length > 0);
    const broken = `${big}\nfunction (`;
    assert.equal(packageSource('/pkg/b.js', broken), broken);
    assert.equal(minifiedMap('/pkg/b.js'), undefined);
    assert.equal(packageSource('/pkg/small.js', ORIGINAL), ORIGINAL, 'a small file is not worth a run of esbuild');
    assert.equal(minifiedMap('/pkg/small.js'), undefined);
  } finally {
    minifyPackages(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oneByteComments makes the wide characters of comments `?`, column for column, and leaves a file with one elsewhere as it is', () => {
  findComments(createRequire(import.meta.url).resolve('acorn'));
  const head = 'return function (exports, require, module) {';
  const src = `${head}// the app’s “notes” — 🎉\nconst a = 'café'; /* it’s */ module.exports = function where() { return new Error('x').stack.split('\\n')[1]; };\n}`;
  const out = oneByteComments(src);
  assert.doesNotMatch(out, /[^\u0000-\u00ff]/);
  assert.equal(out.length, src.length);
  assert.deepEqual(out.split('\n').map((l) => l.length), src.split('\n').map((l) => l.length));
  assert.match(out, /\/\/ the app\?s \?notes\? \? \?\?\n/);
  assert.match(out, /'café'/, 'Latin-1 stays as it is');
  const run = (text: string): string => {
    const m = { exports: (() => '') as () => string };
    (new Function(text) as () => (e: unknown, r: unknown, m: unknown) => void)()({}, null, m);
    return m.exports();
  };
  assert.equal(run(out).replace(/\(.*\)/, ''), run(src).replace(/\(.*\)/, ''));
  const inString = `${head}// it’s\nmodule.exports = '✓';\n}`;
  assert.equal(oneByteComments(inString), inString);
  const notJs = `${head}// it’s\nmodule.exports = (;\n}`;
  assert.equal(oneByteComments(notJs), notJs);
  findComments(undefined);
  assert.equal(oneByteComments(src), src, 'no parser, no change');
});
