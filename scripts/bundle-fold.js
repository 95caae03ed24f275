// Bundles `thaw fold` (src/cli/fold-entry.ts and what it imports) into one CommonJS
// file, dist/src/cli/fold-entry.cjs, that bin/thaw starts for `thaw fold …`: one file to load
// and no ES module loader (see fold-entry.ts). `npm run build` runs it after tsc.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}src/cli/fold-entry.ts`],
  outfile: `${root}dist/src/cli/fold-entry.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The bundle sits beside fold-entry.js, so URLs made from import.meta.url resolve as there.
  define: { 'import.meta.url': '__thaw_module_url' },
  banner: { js: "const __thaw_module_url = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
