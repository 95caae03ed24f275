/**
 * manifest.json of a thaw image: what built it, with which Node, from what, and the checksums
 * IMG/start and `thaw run` hold the blob to. Written last, read by `thaw run`/bench/profile.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThawError } from '../errors.js';

export const MANIFEST_FORMAT = 1;

export interface Manifest {
  format: number;
  /**
   * Which engine made the image: absent (or 'v8') for a V8 startup snapshot (this shape); a
   * microVM image (`thaw build --engine vm`) has 'vm' and the shape of src/vm/image.ts.
   */
  engine?: 'v8' | 'vm';
  thaw: string;
  createdAt: string;
  entry: string;
  cwd: string;
  argv1: string;
  node: { path: string; version: string; v8: string; arch: string; platform: string; modules: string; size: number; mtimeS: number };
  /**
   * Node/V8 flags of the build and of every restore. They agree but for one: a restore without
   * `--rehash` also gets --no-rehash-snapshot (see hashSeed).
   */
  flags: { build: string[]; restore: string[] };
  /**
   * Whose V8 hash seed a restored process hashes strings and keys with: 'image', one drawn at
   * random by the build and shared by the image's restores (V8 keeps the snapshot's tables as
   * they are); 'restore', a fresh one per process (V8 rehashes every table of the snapshot at
   * start, ~10 ms on ts-service). Absent in images of earlier thaw versions: 'restore'.
   */
  hashSeed?: 'image' | 'restore';
  /** Things the user should know about this image (e.g. a Node-version workaround in force). */
  notes: string[];
  blob: { file: string; bytes: number; sha256: string };
  /**
   * The preload that maps the blob instead of copying it (image/blob-map.ts), a file in the
   * image; absent when the build had no C compiler, and for single executables.
   */
  blobMap?: string;
  bundle: { file: string; bytes: number; sha256: string };
  warmup: { requests: number; statuses: Record<string, number>; ms: number };
  /** Names of environment variables the app read during the build: their values are baked in. */
  envRead: string[];
  deferred: Record<string, string[]>;
  sea: boolean;
  timings: { bundleMs: number; snapshotMs: number; initMs: number; warmupMs: number };
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

export function readManifest(img: string): Manifest {
  const p = join(img, 'manifest.json');
  if (!existsSync(img)) throw new ThawError('E_IMAGE_MISSING', `image ${img} does not exist`, { hint: `build it: thaw build ENTRY -o ${img}` });
  if (!existsSync(p)) throw new ThawError('E_IMAGE_MISSING', `${img} is not a thaw image (no manifest.json)`, { hint: `build one: thaw build ENTRY -o ${img}` });
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new ThawError('E_IMAGE_CORRUPT', `${p} is not valid JSON (${(e as Error).message})`, { hint: 'rebuild the image with thaw build' });
  }
  if (m.format !== MANIFEST_FORMAT) throw new ThawError('E_IMAGE_FORMAT', `${p} has format ${m.format}; this thaw reads format ${MANIFEST_FORMAT}`, { hint: 'rebuild the image with this thaw' });
  return m;
}
