/**
 * The blob mapper (native/blob-shim.c): a small preload IMG/start hands a restored Node so that
 * the snapshot blob is mapped from the page cache instead of being read into a zeroed buffer and
 * copied out of it again (two fresh copies of every byte before V8 starts). Compiled with the
 * machine's C compiler once per source into thaw's cache and copied into each image
 * (`IMG/libthaw-blob.so`). It is an optimisation only: without a compiler, or when the compile
 * fails, the image is built without it and restores read the blob as Node does.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../launch/spawn.js';
import { which } from '../launch/which.js';
import { cacheTemp, commitCacheDir, thawCacheDir } from '../vm/cache.js';

/** The preload's file name in an image; IMG/start uses it when it is there. */
export const BLOB_MAP_FILE = 'libthaw-blob.so';

const source = fileURLToPath(new URL('../../../native/blob-shim.c', import.meta.url));

let compiled: Promise<string | undefined> | undefined;

/** The compiled preload (cached), or undefined when it cannot be built here. */
export function blobMapper(): Promise<string | undefined> {
  compiled ??= compile().catch(() => undefined);
  return compiled;
}

async function compile(): Promise<string | undefined> {
  if (!existsSync(source)) return undefined;
  const cc = process.env.CC ?? 'gcc';
  const text = readFileSync(source);
  const hash = createHash('sha256').update(text).update(process.arch).update(cc).digest('hex').slice(0, 16);
  const dir = join(thawCacheDir(), `blob-map-${hash}`);
  const out = join(dir, BLOB_MAP_FILE);
  if (existsSync(out)) return out;
  if (!which(cc)) return undefined;
  mkdirSync(thawCacheDir(), { recursive: true });
  const tmp = cacheTemp(dir);
  try {
    mkdirSync(tmp.path, { recursive: true });
    const r = await run([cc, '-O2', '-Wall', '-Werror', '-shared', '-fPIC', '-o', join(tmp.path, BLOB_MAP_FILE), source, '-ldl'], { timeoutMs: 120_000 });
    if (r.status !== 0) return undefined;
    commitCacheDir(tmp.path, dir, () => existsSync(out));
    return out;
  } finally {
    tmp.done();
  }
}

/** Copies the preload into the image directory `dir`; false when there is none to copy. */
export async function addBlobMapper(dir: string): Promise<boolean> {
  const so = await blobMapper();
  if (!so) return false;
  try {
    copyFileSync(so, join(dir, BLOB_MAP_FILE));
    return true;
  } catch {
    rmSync(join(dir, BLOB_MAP_FILE), { force: true });
    return false;
  }
}
