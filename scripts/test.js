// Runs the whole suite with Node's own test runner on the compiled tree: unit tests beside the
// code (dist/src/**/*.test.js) first, then the end-to-end specs (dist/test/*.test.js).
// Arguments filter by substring: `npm test -- bench` runs the files whose path contains "bench".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
// The spec reporter on the terminal; TAP beside it to count what was skipped, and why.
const tapFile = join(mkdtempSync(join(tmpdir(), 'thaw-tests-')), 'results.tap');
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files], { stdio: 'inherit', cwd: root });
let tap = '';
try {
  tap = readFileSync(tapFile, 'utf8');
} finally {
  rmSync(dirname(tapFile), { recursive: true, force: true });
}
const skips = [...tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP ?(.*)$/gm)].map((m) => ({ name: m[1], reason: m[2] || 'skipped' }));
const reasons = [...new Set(skips.map((s) => s.reason))];
console.log(`\nthaw tests: ${skips.length} skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
// CI installs every tool the suite drives, so there a skip is a failure (.ci/run sets this).
if (skips.length && process.env.THAW_TEST_NO_SKIPS) {
  console.error(`thaw tests: ${skips.length} test(s) skipped where nothing may be: ${skips.slice(0, 5).map((s) => s.name).join(' | ')}`);
  process.exit(1);
}
process.exit(r.status ?? 1);
