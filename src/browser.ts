/**
 * Browser code, shipped one way: each page's script is a TypeScript entry point under src/
 * (the package ships src/), bundled by esbuild into one IIFE when a page is written, and
 * inlined into the page. The flame graph page and the page visualizer both come through here.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ThawError } from './errors.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const bundles = new Map<string, string>();

/**
 * The bundled script of `entry` (a path under src/, e.g. 'render/flame-page.ts'), ready to sit
 * inside <script>: `</script` cannot end it early. Built once per process.
 */
export function browserBundle(entry: string): string {
  const hit = bundles.get(entry);
  if (hit !== undefined) return hit;
  let esbuild: typeof import('esbuild');
  try {
    // Loaded on demand: most commands never write a page.
    esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  } catch {
    throw new ThawError('E_NO_ESBUILD', 'esbuild is needed to build the page script', { hint: 'npm install esbuild (a dependency of thaw)' });
  }
  let r: import('esbuild').BuildResult & { outputFiles: import('esbuild').OutputFile[] };
  try {
    r = esbuild.buildSync({
      entryPoints: [srcDir + entry],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
  } catch (e) {
    // thaw's own sources are missing or damaged (the package ships src/ for this).
    const first = (e as { errors?: Array<{ text: string }> }).errors?.[0]?.text ?? String((e as Error).message).split('\n')[0];
    throw new ThawError('E_NOT_BUILT', `cannot bundle the page script src/${entry}: ${String(first).replace(/\s+/g, ' ').trim()}`, { hint: 'reinstall thaw (npm ci in a checkout)', cause: e });
  }
  const js = r.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  bundles.set(entry, js);
  return js;
}
