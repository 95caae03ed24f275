// Runs the whole suite with Node's own test runner on the compiled tree: unit tests beside the
// code (dist/src/**/*.test.js) first, then the end-to-end specs (dist/test/*.test.js).
// Arguments filter by substring: `npm test -- bench` runs the files whose path contains "bench".
// At the end it looks for processes the suite left behind and fails naming them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
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
// An argument that is a test file (path ending in .test.js or .test.mjs) is run as it is.
const given = process.argv.slice(2).filter((a) => /\.test\.m?js$/.test(a) && existsSync(a));
const filters = process.argv.slice(2).filter((a) => !given.includes(a));
const pick = (files) => files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const files = [...(filters.length || !given.length ? [...pick(walk(join(root, 'dist/src'))), ...pick(walk(join(root, 'dist/test')))] : []), ...given];
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
// Every process the suite starts carries THAW_TEST_RUN in its environment, and its scratch
// directories are under one TMPDIR: what is alive at the end with either was left behind.
const suiteTmp = mkdtempSync(join(tmpdir(), 'thaw-suite-'));
const mark = `THAW_TEST_RUN=${process.pid}-${Date.now().toString(36)}`;
// The spec reporter on the terminal; TAP beside it to count what was skipped, and why.
const tapFile = join(mkdtempSync(join(tmpdir(), 'thaw-tests-')), 'results.tap');
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, TMPDIR: suiteTmp, THAW_TEST_RUN: mark.slice(mark.indexOf('=') + 1) },
});
let tap = '';
try {
  tap = readFileSync(tapFile, 'utf8');
} finally {
  rmSync(dirname(tapFile), { recursive: true, force: true });
}

/** Live processes started by this run, as "PID command line". */
function leftBehind() {
  const found = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!(pid > 0) || pid === process.pid) continue;
    try {
      if (/^\S+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* gone */
      }
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (env.includes(mark) || cmd.includes(suiteTmp) || cwd === suiteTmp || cwd.startsWith(`${suiteTmp}/`)) found.push(`${pid} ${cmd.slice(0, 200)}`);
    } catch {
      /* exited meanwhile, or a kernel thread */
    }
  }
  return found;
}
// A process killed a moment ago may still be on its way out: give them two seconds.
let orphans = leftBehind();
for (let i = 0; i < 40 && orphans.length; i++) {
  spawnSync('sleep', ['0.05']);
  orphans = leftBehind();
}
if (orphans.length) {
  console.error(`\nthaw tests: ${orphans.length} process(es) left behind by the suite (now killed):\n${orphans.map((o) => `  ${o}`).join('\n')}`);
  for (const o of orphans) {
    try {
      process.kill(Number(o.split(' ')[0]), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
rmSync(suiteTmp, { recursive: true, force: true });
const skips = [...tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP ?(.*)$/gm)].map((m) => ({ name: m[1], reason: m[2] || 'skipped' }));
const reasons = [...new Set(skips.map((s) => s.reason))];
console.log(`\nthaw tests: ${skips.length} skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
// CI installs every tool the suite drives, so there a skip is a failure (.ci/run sets this).
if (skips.length && process.env.THAW_TEST_NO_SKIPS) {
  console.error(`thaw tests: ${skips.length} test(s) skipped where nothing may be: ${skips.slice(0, 5).map((s) => s.name).join(' | ')}`);
  process.exit(1);
}
process.exit(orphans.length ? 1 : (r.status ?? 1));
