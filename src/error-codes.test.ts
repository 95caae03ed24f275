import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, errorTable } from './error-codes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'fixtures' ? [] : files(p);
    return /\.ts$/.test(n) && !n.endsWith('.test.ts') ? [p] : [];
  });
}

test('every error code thaw prints is in the table, and README lists the table', () => {
  const used = new Set<string>();
  for (const f of [...files(join(root, 'src')), join(root, 'bin/thaw')]) {
    for (const m of readFileSync(f, 'utf8').matchAll(/ThawError\(\s*'(E_[A-Z0-9_]+)'|\[(E_[A-Z0-9_]+)\]|code: '(E_[A-Z0-9_]+)'/g)) used.add((m[1] ?? m[2] ?? m[3])!);
  }
  assert.ok(used.size > 40, `found ${used.size} codes`);
  const missing = [...used].filter((c) => !ERROR_CODES[c]);
  assert.deepEqual(missing, [], 'codes used in src/ or bin/ but not in src/error-codes.ts');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /<!-- errors:table -->\n([\s\S]*?)\n<!-- \/errors:table -->/.exec(readme);
  assert.ok(m, 'README has the errors:table markers');
  assert.equal(m![1], errorTable(), 'README error table differs from src/error-codes.ts (print it with node -e "import(\'./dist/src/error-codes.js\').then(m => console.log(m.errorTable()))")');
});
