/**
 * `thaw build --sea`: a single executable holding Node and the snapshot (Node's SEA with
 * `useSnapshot`, https://nodejs.org/api/single-executable-applications.html). The snapshot is
 * built by `node --experimental-sea-config`, which runs the same builder prelude, warm-up and
 * checkpoint hooks; postject then injects the blob into a copy of the Node binary.
 */
import { copyFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ThawError } from '../errors.js';
import { start } from '../launch/spawn.js';
import type { NodeInfo } from './node-info.js';

/** The fuse Node's SEA loader looks for (from Node's src/node_sea.cc). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export async function buildSea(node: NodeInfo, bundlePath: string, tmp: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<{ status: number; signal: string | null; stderr: string }> {
  if (!readFileSync(node.path).includes(SEA_FUSE)) {
    throw new ThawError('E_SEA_UNSUPPORTED', `${node.path} (Node ${node.version}) was built without single-executable support`, { hint: 'use an official Node build with --node, or drop --sea' });
  }
  const prep = join(tmp, 'sea-prep.blob');
  const config = join(tmp, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: bundlePath, output: prep, useSnapshot: true, disableExperimentalSEAWarning: true }));
  const child = start([node.path, '--expose-internals', '--experimental-sea-config', config], { env, cwd: process.cwd(), logFile: join(tmp, 'build.log') });
  const timer = setTimeout(() => void child.kill(), timeoutMs);
  const exit = await child.exited.finally(() => clearTimeout(timer));
  // What the app started in the builder's process group dies with it.
  await child.kill();
  if (exit.status !== 0) return { status: exit.status, signal: exit.signal, stderr: child.stderr() };
  const exe = join(tmp, 'start.tmp');
  copyFileSync(node.path, exe);
  chmodSync(exe, 0o755);
  const require = createRequire(import.meta.url);
  const postject = require('postject') as { inject: (file: string, name: string, data: Buffer, opts: { sentinelFuse: string; overwrite?: boolean }) => Promise<void> };
  // postject's LIEF prints harmless ELF warnings through console; keep the terminal clean.
  const quiet = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = () => undefined;
  try {
    await postject.inject(exe, 'NODE_SEA_BLOB', readFileSync(prep), { sentinelFuse: SEA_FUSE, overwrite: true });
  } finally {
    Object.assign(console, quiet);
  }
  const { renameSync, rmSync } = await import('node:fs');
  renameSync(exe, join(tmp, 'start'));
  rmSync(prep, { force: true });
  rmSync(config, { force: true });
  return { status: 0, signal: null, stderr: child.stderr() };
}
