import * as esbuild from 'esbuild';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { lookup, readStackMap } from '../runtime/guest/stacks.js';
import { writeStackMap } from './stackmap.js';

const dir = mkdtempSync(join(tmpdir(), 'thaw-stackmap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the stack map gives original files, lines and columns of bundle positions, ES modules by URL, names as declared', async () => {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 'a.js'), ['import { run as other } from "./b.cjs";', 'export function run() {', '  return   other(1) + marker();', '}', 'function marker() { return 1; }', 'run();', ''].join('\n'));
  writeFileSync(join(dir, 'b.cjs'), ['function run(x) {', '  return x;', '}', 'module.exports = { run };', ''].join('\n'));
  const out = join(dir, 'out.cjs');
  await esbuild.build({ entryPoints: [join(dir, 'a.js')], bundle: true, platform: 'node', format: 'cjs', outfile: out, sourcemap: 'external', keepNames: true, logLevel: 'silent' });
  writeStackMap(out, `${out}.map`, join(dir, 'out.stackmap'));
  const m = readStackMap(join(dir, 'out.stackmap'))!;
  assert.ok(m);
  const lines = readFileSync(out, 'utf8').split('\n');
  // The call `marker()` in a.js line 3: its bundle position maps to a.js:3, at `marker`.
  const li = lines.findIndex((l) => l.includes('marker()') && l.includes('import_b'));
  const col = lines[li]!.indexOf('marker()') + 1;
  const at = lookup(m, li + 1, col)!;
  assert.equal(at[0], pathToFileURL(join(dir, 'a.js')).href, 'an ES module is named by URL, as Node names it');
  assert.equal(at[1], 3);
  assert.equal(at[2], readFileSync(join(dir, 'a.js'), 'utf8').split('\n')[2]!.indexOf('marker()') + 1);
  // b.cjs is CommonJS: named by path.
  const bi = lines.findIndex((l) => /return x;/.test(l));
  assert.equal(lookup(m, bi + 1, lines[bi]!.indexOf('return') + 1)![0], join(dir, 'b.cjs'));
  // Two modules declare `run`: the bundle renames one, the map names it as declared.
  const renamed = Object.entries(m.renames).find(([, original]) => original === 'run');
  assert.ok(renamed, `a rename of run is recorded: ${JSON.stringify(m.renames)}`);
  assert.match(renamed![0], /^run\d+$/);
});
