// The compatibility table README shows, made from test/compat/corpus.json and each app's
// lockfile: `node scripts/compat-table.js` prints it; test/compat.test.ts checks README holds it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

export function compatTable() {
  const dir = join(root, 'test/compat');
  const apps = JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8')).apps;
  const rows = apps.map((a) => {
    const lock = JSON.parse(readFileSync(join(dir, a.dir, 'package-lock.json'), 'utf8'));
    const version = lock.packages[`node_modules/${a.package}`]?.version ?? '?';
    const majors = ['24', ...(a.nodes ?? []).map((n) => (n === 'system' ? '20' : n))].sort((x, y) => Number(x) - Number(y)).join(', ');
    const entry = a.entry ? ` (\`${a.entry}\`)` : '';
    const result = a.refused ? `refused with \`${a.refused}\`: ${a.remedy}` : 'yes';
    return `| \`${a.dir}\`${entry} | ${a.framework} | ${a.package} ${version} | ${result} | ${majors} |`;
  });
  return ['| App (`test/compat/…`) | Framework | Versions | Unmodified | Node |', '|:---|:---|:---|:---|:---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(compatTable() + '\n');
