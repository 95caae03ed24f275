import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { finishBundle, finishBundleFile } from './finish.js';
import { GLOB_HELPER } from './packages.js';

test('finishing a bundle leaves only Latin-1 in an esbuild bundle, every line and column in place, strings and the sourceURL as they were', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thaw-onebyte-'));
  try {
    const src = join(dir, 'app.js');
    writeFileSync(src, [
      '// the app’s “notes” — with an emoji 🎉 in a comment',
      'const label = "café — ✓ 🎉";',
      'function where() { /* it’s here */ return new Error("x").stack.split("\\n")[1]; }',
      'module.exports = { label, where, re: /[a-c]/u.test("b") };',
    ].join('\n'));
    const out = join(dir, 'bundle.cjs');
    esbuild.buildSync({ entryPoints: [src], bundle: true, platform: 'node', format: 'cjs', outfile: out, footer: { js: '//# sourceURL=/images/ünïcode—img/bundle.cjs' }, logLevel: 'silent' });
    const before = readFileSync(out, 'utf8');
    assert.match(before, /[^\u0000-\u00ff]/, 'esbuild keeps the comments as written');
    finishBundleFile(out, false);
    const after = readFileSync(out, 'utf8');
    const body = after.slice(0, after.lastIndexOf('\n//# sourceURL='));
    assert.doesNotMatch(body, /[^\u0000-\u00ff]/);
    assert.ok(after.endsWith('//# sourceURL=/images/ünïcode—img/bundle.cjs\n') || after.endsWith('//# sourceURL=/images/ünïcode—img/bundle.cjs'), 'the footer is kept');
    assert.deepEqual(after.split('\n').map((l) => l.length), before.split('\n').map((l) => l.length), 'lines and columns in place');
    const load = (text: string): { label: string; where: () => string; re: boolean } => {
      const m = { exports: {} as { label: string; where: () => string; re: boolean } };
      new Function('module', 'exports', 'require', text)(m, m.exports, () => ({}));
      return m.exports;
    };
    const a = load(before);
    const b = load(after);
    assert.equal(b.label, 'café — ✓ 🎉');
    assert.equal(b.label, a.label);
    assert.equal(b.re, true);
    assert.equal(b.where(), a.where(), 'the same line and column in a stack frame');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('finishing a bundle leaves a bundle alone when a regular expression literal keeps it two-byte anyway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thaw-onebyte-'));
  try {
    const src = join(dir, 'app.js');
    writeFileSync(src, '// it’s a comment\nmodule.exports = /[—✓]/u.test("✓");\n');
    const out = join(dir, 'bundle.cjs');
    esbuild.buildSync({ entryPoints: [src], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
    const before = readFileSync(out, 'utf8');
    finishBundleFile(out, false);
    assert.equal(readFileSync(out, 'utf8'), before);
    const m = { exports: false };
    new Function('module', before)(m);
    assert.equal(m.exports, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one parse serves both: keepNames calls go and comments become one byte in the same bundle; a wide character outside comments keeps the comments but not the calls', () => {
  const text = [
    '// it’s the app',
    'const f = __name(() => 1, "f");',
    'var __name = (t, v) => Object.defineProperty(t, "name", { value: v, configurable: true });',
  ].join('\n');
  const out = finishBundle(text, false);
  assert.equal(out, ['// it?s the app', 'const f =       (() => 1     );', text.split('\n')[2]].join('\n'));
  const withRegExp = `${text}\nconst re = /—/;`;
  const kept = finishBundle(withRegExp, false);
  assert.ok(kept.startsWith('// it’s the app\nconst f =       (() => 1     );'), kept);
});

test("an expanded require tries Node's extensions and fails with MODULE_NOT_FOUND, whitespace-minified or not, every column in place", () => {
  const dir = mkdtempSync(join(tmpdir(), 'thaw-glob-'));
  try {
    mkdirSync(join(dir, 'plugins'));
    writeFileSync(join(dir, 'plugins/hello.js'), 'module.exports = "hi";\n');
    writeFileSync(join(dir, 'main.js'), 'module.exports = (n) => { try { return require("./plugins/" + n); } catch (e) { return e.code; } };\n');
    for (const minifyWhitespace of [false, true]) {
      const r = esbuild.buildSync({ entryPoints: [join(dir, 'main.js')], bundle: true, platform: 'node', format: 'cjs', write: false, minifyWhitespace, banner: { js: GLOB_HELPER }, logLevel: 'silent' });
      const text = r.outputFiles[0]!.text;
      const out = finishBundle(text, false);
      assert.notEqual(out, text, `minified: ${minifyWhitespace}`);
      assert.deepEqual(out.split('\n').map((l) => l.length), text.split('\n').map((l) => l.length), 'lines and columns in place');
      const m = { exports: (_n: string): unknown => undefined };
      new Function('module', 'exports', 'require', out)(m, m.exports, () => ({}));
      assert.equal(m.exports('hello'), 'hi', 'a name without its extension');
      assert.equal(m.exports('hello.js'), 'hi');
      assert.equal(m.exports('nope'), 'MODULE_NOT_FOUND');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
