// Installs the compatibility corpus (test/compat/*): `npm ci` in each app that has no
// node_modules yet (or in all with --force), from its own lockfile. `.ci/run` calls it before
// `npm test`; scripts/test.js calls it when a corpus app is missing, so `npm test` works in a
// fresh clone. Progress goes to stderr, one line per app.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'test/compat');
const force = process.argv.includes('--force');
// npm run puts this repo's node_modules/.bin first on PATH, where `node` is the node22 test
// package: native addons in the corpus must build with the Node running this script.
const env = { ...process.env, PATH: [join(process.execPath, '..'), ...(process.env.PATH ?? '').split(':').filter((p) => !p.startsWith(join(root, 'node_modules')))].join(':') };
const apps = [...new Set(JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8')).apps.map((a) => a.dir))];
let failed = 0;
for (const [i, app] of apps.entries()) {
  const cwd = join(dir, app);
  if (!force && existsSync(join(cwd, 'node_modules'))) continue;
  const t0 = Date.now();
  process.stderr.write(`compat:install [${i + 1}/${apps.length}] npm ci in test/compat/${app} … `);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  else {
    failed++;
    process.stderr.write(`failed (exit ${r.status})\n${(r.stderr ?? '').trim().split('\n').slice(-8).join('\n')}\n`);
  }
}
process.exit(failed ? 1 : 0);
