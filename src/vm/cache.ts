/**
 * The guest cache: decompressed kernels, compiled agents, jlink'd JDKs and initramfs archives,
 * each named by a hash of what went into it. Entries are written under a temporary name and
 * renamed into place, so a reader never sees half a file; an interrupted build removes its
 * temporary (launch/spawn.ts's exit hook), so the cache holds only whole entries.
 */
import { renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from '../launch/spawn.js';

/** thaw's cache: THAW_CACHE_DIR, else XDG_CACHE_HOME/thaw, else ~/.cache/thaw. */
export function thawCacheDir(): string {
  return process.env.THAW_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'thaw');
}

/** THAW_VM_CACHE, else the vm/ folder of thaw's cache. */
export function cacheDir(): string {
  return process.env.THAW_VM_CACHE || join(thawCacheDir(), 'vm');
}

/** A temporary path beside cache entry `out`, removed on exit until done() (call it after the rename). */
export function cacheTemp(out: string): { path: string; done: () => void } {
  const path = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const forget = removeOnExit(path);
  return {
    path,
    done: () => {
      rmSync(path, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * Moves the finished temporary directory `tmp` into place as cache entry `dir`. When another
 * thaw put the same entry there meanwhile (`complete()` says it is whole), theirs is kept;
 * otherwise the rename's error is thrown.
 */
export function commitCacheDir(tmp: string, dir: string, complete: () => boolean): void {
  try {
    renameSync(tmp, dir);
  } catch (e) {
    if (!complete()) throw e;
  }
}
