// Runs the whole suite with Node's own test runner on the compiled tree: unit tests beside the
// code (dist/src/**/*.test.js) first, then the end-to-end specs (dist/test/*.test.js).
// Arguments filter by substring: `npm test -- bench` runs the files whose path contains "bench".
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const pick = (files) => files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const files = [...pick(walk(join(root, 'dist/src'))), ...pick(walk(join(root, 'dist/test')))];
if (files.length === 0) {
  console.error(`thaw tests: no test file matches ${filters.join(' ')}`);
  process.exit(1);
}
// The compatibility corpus has its own lockfiles: install what is missing first.
if (files.some((f) => f.includes('compat'))) {
  const install = spawnSync(process.execPath, [join(root, 'scripts/compat-install.js')], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) {
    console.error('thaw tests: npm run compat:install failed (the corpus apps need the npm registry once)');
    process.exit(1);
  }
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
