/** Shared helpers for the end-to-end specs: they drive bin/thaw exactly as a user would. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult, type SpawnOptions } from '../src/launch/spawn.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const thawBin = join(root, 'bin/thaw');
/** Node binaries of the test matrix: the system one plus the npm packages node22/24/26. */
export const nodes: Record<string, string> = {
  system: process.execPath,
  '22': join(root, 'node_modules/node22/bin/node'),
  '24': join(root, 'node_modules/node24/bin/node'),
  '26': join(root, 'node_modules/node26/bin/node'),
};

/** Run `thaw ARGS…` through bin/thaw with the Node that runs the tests. */
export function thaw(args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
  return run([thawBin, ...args], { timeoutMs: 180_000, ...opts, env: { THAW_CLI_NODE: process.execPath, ...opts.env } });
}

/** A scratch directory removed when the process exits. */
export function scratch(prefix = 'thaw-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
